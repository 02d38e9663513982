// Using the cache with axios.
export { attachCache, detachCache } from './attach.js';
export type { AttachCacheOptions, CachedAxiosInstance } from './attach.js';
export { CacheBackend } from './backend.js';
export type { CacheStats, RequestInfo, StatsScanOptions, UrlRequestOptions } from './backend.js';
export { CacheActions } from './cache-actions.js';
export { DEFAULT_CACHE_NAME, MAX_TIMER_MS } from './options.js';
export type { CacheBackendOptions, CacheSettings, CredentialsMode, DebugLogger, FilterFn } from './options.js';
export type { PlanInput, RequestCacheOptions } from './request-plan.js';
export type { BypassReason, NotStoredReason } from './reasons.js';
export { DO_NOT_CACHE, NEVER_EXPIRE, parseExpireAfter, parseHttpDate, urlPattern } from './expiry.js';
export type { DurationObject, ExpireAfter, ResolvedExpiry, UrlPattern, UrlsExpireAfter } from './expiry.js';
export { createKey, normalizeUrl, redactHeaders, redactUrl } from './cache-key.js';
export { ageOf } from './http-policy.js';
export type { KeyExtras, KeyOptions, KeyRequestParts } from './cache-key.js';

// What a stored response is.
export {
  CachedResponse,
  CachedVariants,
  FORMAT_VERSION,
  decodeItem,
  encodeItem,
  isImmutableItem,
  newestIn,
  responsesIn,
} from './cached-response.js';
export type {
  CacheItem,
  CachePolicy,
  CachedResponseInit,
  RedirectHop,
  ResponseRecord,
  StoredResponse,
  VariantsRecord,
} from './cached-response.js';
export { CachedHeaders } from './headers.js';
export type { HeaderPair } from './headers.js';

// Observing it.
export { CacheEvents } from './events.js';
export type { CacheEventListener, CacheEventMap, CacheEventName } from './events.js';
export { requestChannel } from './flow.js';
export type { Outcome, RequestMessage } from './flow.js';

// Errors.
export {
  CacheClosedError,
  CacheConfigError,
  CacheError,
  CacheSerializationError,
  CacheSignatureError,
  CacheStoreError,
  CacheVersionError,
  describeValue,
  invalidOption,
} from './errors.js';
export type { CacheErrorCode } from './errors.js';

// Writing a store.
export {
  BaseCache,
  baseCacheOptionsOf,
  checkSecretKey,
  checkSecretKeyOption,
  DEFAULT_SALT,
  NOT_NOW,
} from './base-cache.js';
export type { BaseCacheOptions, Clock, SecretKey, SecretKeyOption, StoreUsage, WriteOptions } from './base-cache.js';
export { DictCache } from './dict-cache.js';
export { BytesMemo } from './bytes-memo.js';
export { BACKEND_OPTION_NAMES, checkMs, checkOptionNames } from './options.js';
export { msgpackSerializer } from './serializer.js';
export type { SerializeContext, Serializer } from './serializer.js';
export type { LeaseOutcome, MissLease, MissLock } from './miss-lock.js';
export { checkTags, invalidatedAt, LocalTags, MAX_TAG_LENGTH, MAX_TAGS, newVersion } from './tags.js';
export type { TagStore } from './tags.js';
