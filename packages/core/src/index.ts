export { BaseCache, DEFAULT_SALT } from './base-cache.js';
export type { BaseCacheOptions, Clock, SecretKey, WriteOptions } from './base-cache.js';
export { CachedResponse, FORMAT_VERSION, decodeItem, encodeItem } from './cached-response.js';
export type { CacheItem, CachePolicy, CachedResponseInit, RedirectHop, ResponseRecord } from './cached-response.js';
export { DictCache } from './dict-cache.js';
export {
  CacheClosedError, CacheConfigError, CacheError, CacheSerializationError, CacheSignatureError,
  CacheStoreError, describeValue,
} from './errors.js';
export type { CacheErrorCode } from './errors.js';
export { CacheEvents } from './events.js';
export type { CacheEventListener, CacheEventMap, CacheEventName } from './events.js';
export { CachedHeaders } from './headers.js';
export type { HeaderPair } from './headers.js';
export { msgpackSerializer } from './serializer.js';
export type { SerializeContext, Serializer } from './serializer.js';
