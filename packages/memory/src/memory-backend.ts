import {
  baseCacheOptionsOf,
  CacheBackend,
  type CacheBackendOptions,
  type CachedResponse,
} from '@axios-client-cache/core';
import { MemoryCache } from './memory-cache.js';
import type { MemoryLimits } from './options.js';

/**
 * Options of a {@link MemoryBackend}: every `CacheBackend` option, plus the bounds of its
 * stores. The bounds apply to each of its two stores (responses, redirect aliases).
 */
export interface MemoryBackendOptions extends Omit<CacheBackendOptions, 'responses' | 'redirects'>, MemoryLimits {}

/**
 * A `CacheBackend` over two bounded {@link MemoryCache} stores, for one process.
 * `secretKey`, `salt`, `serializer` and `clock` reach both stores (the seed's memory backend
 * dropped them). The stores' `evicted` events reach the backend's `on('evicted')`.
 *
 * ```ts
 * attachCache(axios.create(), { backend: new MemoryBackend({ maxBytes: 50 * 1024 * 1024, expireAfter: '10m' }) });
 * ```
 */
export class MemoryBackend extends CacheBackend {
  declare readonly responses: MemoryCache<CachedResponse>;
  declare readonly redirects: MemoryCache<string>;

  /** @throws CacheConfigError for an invalid option. */
  constructor(options: MemoryBackendOptions = {}) {
    const { maxEntries, maxBytes, maxEntryBytes, sweepIntervalMs } = options;
    const storeOptions = { maxEntries, maxBytes, maxEntryBytes, sweepIntervalMs, ...baseCacheOptionsOf(options) };
    super({
      ...options,
      responses: new MemoryCache<CachedResponse>(storeOptions),
      redirects: new MemoryCache<string>(storeOptions),
    });
  }
}
