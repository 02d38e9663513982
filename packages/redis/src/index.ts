export { DEFAULT_TIMEOUT_MS, RedisConnection } from './connection.js';
export type { RedisClient, RedisConnectionOptions } from './connection.js';
export { DeadlineQueue } from './deadline.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisBackendOptions } from './redis-backend.js';
export { DEFAULT_CACHE_NAME, RedisCache } from './redis-cache.js';
export type { RedisCacheOptions } from './redis-cache.js';
export { DEFAULT_LEASE_MS, RedisMissLock } from './redis-lock.js';
export type { RedisMissLockOptions } from './redis-lock.js';
