export { DEFAULT_TIMEOUT_MS, RedisConnection } from './connection.js';
export type { CommandOptions, RedisClient, RedisConnectionOptions } from './connection.js';
export type { IoredisClient } from './client-check.js';
export { DeadlineQueue } from './deadline.js';
export {
  DEFAULT_NEAR_HEARTBEAT_MS,
  DEFAULT_NEAR_MAX_BYTES,
  DEFAULT_NEAR_MAX_ENTRIES,
  DEFAULT_NEAR_MAX_ENTRY_BYTES,
  resolveNearCache,
} from './near-cache.js';
export type { NearCacheOptions, ResolvedNearCacheOptions } from './near-cache.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisBackendOptions } from './redis-backend.js';
export { DEFAULT_CACHE_NAME, RedisCache } from './redis-cache.js';
export type { RedisCacheOptions } from './redis-cache.js';
export { DEFAULT_LEASE_MS, RedisMissLock } from './redis-lock.js';
export type { RedisMissLockOptions } from './redis-lock.js';
export type { InvalidationListener, NearCacheControl, NearCacheStateListener, NearCacheStats } from './tracking.js';
export { INVALIDATION_KEEP_MS, RedisTags } from './redis-tags.js';
