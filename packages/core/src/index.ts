export { attachCache, detachCache } from './attach.js';
export type { AttachCacheOptions, CachedAxiosInstance, RequestCacheOptions } from './attach.js';
export { CacheBackend } from './backend.js';
export type { CacheStats, UrlRequestOptions } from './backend.js';
export { BaseCache, baseCacheOptionsOf, checkSecretKey, checkSecretKeyOption, DEFAULT_SALT } from './base-cache.js';
export { BytesMemo } from './bytes-memo.js';
export type { BaseCacheOptions, Clock, SecretKey, SecretKeyOption, WriteOptions } from './base-cache.js';
export { CacheActions, chooseExpiry } from './cache-actions.js';
export type { RequestInfo } from './cache-actions.js';
export { canonicalRequest, createKey, KeyMaker, matchTarget, normalizeUrl, redactHeaders, redactUrl, resolveUrl } from './cache-key.js';
export type { KeyOptions, KeyRequestParts } from './cache-key.js';
export { CachedResponse, FORMAT_VERSION, decodeItem, encodeItem } from './cached-response.js';
export type { CacheItem, CachePolicy, CachedResponseInit, RedirectHop, ResponseRecord } from './cached-response.js';
export { DictCache } from './dict-cache.js';
export {
  CacheClosedError, CacheConfigError, CacheError, CacheSerializationError, CacheSignatureError,
  CacheStoreError, CacheVersionError, describeValue,
} from './errors.js';
export type { CacheErrorCode } from './errors.js';
export { CacheEvents } from './events.js';
export type { CacheEventListener, CacheEventMap, CacheEventName } from './events.js';
export { DO_NOT_CACHE, NEVER_EXPIRE, expiresAt, parseExpireAfter, parseHttpDate, UrlExpiryRules } from './expiry.js';
export type { DurationObject, ExpireAfter, ResolvedExpiry, UrlPattern, UrlsExpireAfter } from './expiry.js';
export {
  canServeStaleOnError, currentAge, decideStorage, parseCacheControl, requestDirectives, retainUntil, usability,
} from './freshness.js';
export type { Directives, RequestDirectives, StorageDecision, StorageInput, Usability } from './freshness.js';
export { CachedHeaders, headerValue, storableHeaders, toHeaderPairs } from './headers.js';
export type { HeaderPair } from './headers.js';
export type { LeaseOutcome, MissLease, MissLock } from './miss-lock.js';
export { resolveSettings } from './options.js';
export type { CacheBackendOptions, CacheSettings, FilterFn } from './options.js';
export { msgpackSerializer } from './serializer.js';
export type { SerializeContext, Serializer } from './serializer.js';
