import {
  BACKEND_OPTION_NAMES,
  baseCacheOptionsOf,
  CacheBackend,
  checkOptionNames,
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

/** The names of every option of a {@link MemoryBackend}. */
const MEMORY_BACKEND_OPTIONS: ReadonlySet<string> = new Set([
  ...[...BACKEND_OPTION_NAMES].filter((name) => name !== 'responses' && name !== 'redirects'),
  ...Object.keys({
    maxEntries: true,
    maxBytes: true,
    maxEntryBytes: true,
    sweepIntervalMs: true,
  } satisfies Record<keyof MemoryLimits, true>),
]);

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
    if (new.target === MemoryBackend && typeof options === 'object' && options !== null)
      checkOptionNames(options, MEMORY_BACKEND_OPTIONS, 'MemoryBackend');
    const { maxEntries, maxBytes, maxEntryBytes, sweepIntervalMs } = options;
    const storeOptions = { maxEntries, maxBytes, maxEntryBytes, sweepIntervalMs, ...baseCacheOptionsOf(options) };
    super({
      ...options,
      responses: new MemoryCache<CachedResponse>(storeOptions),
      redirects: new MemoryCache<string>(storeOptions),
    });
  }
}
