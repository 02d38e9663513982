import {
  BACKEND_OPTION_NAMES,
  baseCacheOptionsOf,
  CacheBackend,
  CacheConfigError,
  checkMs,
  checkOptionNames,
  DEFAULT_CACHE_NAME,
  type CacheBackendOptions,
  type CachedResponse,
} from '@axios-client-cache/core';
import { RedisConnection, type RedisConnectionOptions } from './connection.js';
import { RedisCache } from './redis-cache.js';
import { DEFAULT_LEASE_MS, RedisMissLock } from './redis-lock.js';
import { RedisTags } from './redis-tags.js';
import type { NearCacheOptions } from './near-cache.js';
import type { NearCacheControl, Tracking } from './tracking.js';

/** Options of a {@link RedisBackend}: where Redis is, and every CacheBackend option. */
export interface RedisBackendOptions
  extends Omit<CacheBackendOptions, 'responses' | 'redirects' | 'lock' | 'tags'>,
    RedisConnectionOptions {
  /**
   * Lease time of the cross-process single-flight in ms (see {@link RedisMissLock}); `false`
   * turns the cross-process lease off (single-flight within each process only).
   * @defaultValue 3000
   */
  leaseMs?: number | false;
  /**
   * Keep the responses and redirect aliases read from or written to Redis in process memory
   * (decoded), so that a hit makes no Redis command; coherent across processes through Redis
   * client tracking (one connection pair per server or per Cluster master). `true` for the
   * default bounds, which apply to each of the two stores. See docs/stores/redis.md.
   * @defaultValue false
   */
  nearCache?: boolean | NearCacheOptions;
}

/** The names of every option of a {@link RedisBackend}; `responses`, `redirects`, `lock` and `tags` get their own error. */
const REDIS_BACKEND_OPTIONS: ReadonlySet<string> = new Set([
  ...BACKEND_OPTION_NAMES,
  ...Object.keys({
    leaseMs: true,
    nearCache: true,
    url: true,
    client: true,
    cluster: true,
    connection: true,
    redisOptions: true,
    timeoutMs: true,
  } satisfies Record<Exclude<keyof RedisBackendOptions, keyof CacheBackendOptions>, true>),
]);

/**
 * A {@link CacheBackend} on Redis or Redis Cluster, shared by every process that uses the
 * same `cacheName`: responses under `<cacheName>:r:<key>`, redirect aliases under
 * `<cacheName>:a:<key>`, leases under `<cacheName>:l:<key>`, tag versions under
 * `<cacheName>:t:<tag>`, all on one client created on
 * first use. Shared-cache HTTP rules apply (`shared: true`) unless turned off. Fails open.
 */
export class RedisBackend extends CacheBackend {
  /** The client shared by the stores and the lock. */
  readonly connection: RedisConnection;
  readonly #lock: RedisMissLock | undefined;
  readonly #tagVersions: RedisCache<string>;

  constructor(options: RedisBackendOptions = {}) {
    if (new.target === RedisBackend && typeof options === 'object' && options !== null)
      checkOptionNames(options, REDIS_BACKEND_OPTIONS, 'RedisBackend');
    const { leaseMs = DEFAULT_LEASE_MS, cacheName = DEFAULT_CACHE_NAME, nearCache } = options;
    if (leaseMs !== false) checkMs('leaseMs', leaseMs);
    for (const name of ['responses', 'redirects', 'lock', 'tags'] as const) {
      if ((options as Record<string, unknown>)[name] !== undefined) {
        throw new CacheConfigError(`RedisBackend makes its own ${name}; use CacheBackend to supply them`);
      }
    }
    const connection = options.connection ?? new RedisConnection(options);
    const store = { connection, cacheName, nearCache, ...baseCacheOptionsOf(options) };
    const responses = new RedisCache<CachedResponse>({ ...store, namespace: 'r' });
    const redirects = new RedisCache<string>({ ...store, namespace: 'a' });
    const tagVersions = new RedisCache<string>({ ...store, namespace: 't' });
    const tags = new RedisTags(tagVersions, options.clock ?? Date.now);
    const lock = leaseMs === false ? undefined : new RedisMissLock({ connection, cacheName, leaseMs });
    super({ ...options, cacheName, shared: options.shared ?? true, responses, redirects, lock, tags });
    this.connection = connection;
    this.#lock = lock;
    this.#tagVersions = tagVersions;
    // One report per connection error, whichever store or lock saw it.
    connection.onError((error) => responses.events.emit('store-error', { operation: 'connection', error }));
    (responses.nearCache as Tracking | undefined)?.onError((error) =>
      responses.events.emit('store-error', { operation: 'near-cache', error }),
    );
  }

  /** The near cache (state, counters, `ready()`), with `nearCache`; shared by both stores. */
  get nearCache(): NearCacheControl | undefined {
    return (this.responses as RedisCache<CachedResponse>).nearCache;
  }

  /** Deletes every response, redirect alias and tag version of this cache (on every master of a Cluster). */
  override async clear(): Promise<void> {
    await super.clear();
    await this.#tagVersions.clear();
  }

  /** Closes the stores and the lock; the client is closed if this library created it. Idempotent. */
  override async close(): Promise<void> {
    await super.close();
    await this.#tagVersions.close();
    await this.#lock?.close();
  }
}
