/**
 * Every option of a CacheBackend, with its default, validated and resolved in one place.
 */
import type { BaseCache, BaseCacheOptions } from './base-cache.js';
import type { CachedResponse } from './cached-response.js';
import { CacheConfigError, describeValue } from './errors.js';
import { parseExpireAfter, UrlExpiryRules, type ExpireAfter, type ResolvedExpiry, type UrlsExpireAfter } from './expiry.js';
import type { MissLock } from './miss-lock.js';

/** Decides per response whether it may be cached. */
export type FilterFn = (response: CachedResponse) => boolean | Promise<boolean>;

/** Options of {@link CacheBackend} (the seed's keyword arguments, camelCased). */
export interface CacheBackendOptions extends BaseCacheOptions {
  /**
   * Namespace of this cache in a shared store.
   * @defaultValue 'aiohttp-cache'
   */
  cacheName?: string;
  /**
   * How long responses stay fresh: seconds (-1 never, 0 do not cache), a Date, a duration
   * object or string ('10m', 'PT10M'), or an HTTP date.
   * @defaultValue -1 (never expire)
   */
  expireAfter?: ExpireAfter;
  /**
   * Expiry per URL pattern (glob over `host/path?query`, prefix match, or RegExp); first match wins.
   * @defaultValue {}
   */
  urlsExpireAfter?: UrlsExpireAfter;
  /**
   * Status codes that may be cached.
   * @defaultValue [200]
   */
  allowedCodes?: readonly number[];
  /**
   * Methods that may be cached (a POST search endpoint can be added; its body is part of the key).
   * @defaultValue ['GET', 'HEAD']
   */
  allowedMethods?: readonly string[];
  /**
   * Make request headers part of the key: `true` for all, or a list of names.
   * @defaultValue false
   */
  includeHeaders?: boolean | readonly string[];
  /**
   * Query, body and header names left out of the key and redacted in what is stored.
   * @defaultValue []
   */
  ignoredParams?: readonly string[];
  /**
   * `detachCache` closes the stores.
   * @defaultValue false
   */
  autoclose?: boolean;
  /**
   * Follow HTTP caching rules (RFC 9111).
   * @defaultValue false
   */
  cacheControl?: boolean;
  /**
   * Apply shared-cache rules (`s-maxage`, `private`, `Authorization`).
   * @defaultValue false, or true for a backend over a shared store (Redis)
   */
  shared?: boolean;
  /**
   * Return false to keep a response out of the cache (sync or async).
   * @defaultValue () => true
   */
  filterFn?: FilterFn;
  /**
   * Store of responses.
   * @defaultValue a DictCache
   */
  responses?: BaseCache<CachedResponse>;
  /**
   * Store of redirect aliases (alias key → response key).
   * @defaultValue a DictCache
   */
  redirects?: BaseCache<string>;
  /**
   * Cross-process single-flight (a shared store provides one).
   * @defaultValue undefined (single-flight within this process only)
   */
  lock?: MissLock;
  /**
   * Longest time in ms a request waits for an identical in-flight request before going to
   * the origin itself.
   * @defaultValue 30000
   */
  lockTimeoutMs?: number;
  /**
   * Serve a stale response when the origin fails (network error or 5xx), within this window.
   * @defaultValue false
   */
  staleIfError?: boolean | ExpireAfter;
}

/** The resolved, validated settings of a backend. */
export interface CacheSettings {
  readonly cacheName: string;
  readonly expireAfter: ResolvedExpiry;
  readonly urlRules: UrlExpiryRules;
  readonly allowedCodes: ReadonlySet<number>;
  readonly allowedMethods: ReadonlySet<string>;
  readonly includeHeaders: boolean | readonly string[];
  readonly ignoredParams: readonly string[];
  readonly autoclose: boolean;
  readonly cacheControl: boolean;
  readonly shared: boolean;
  readonly filterFn: FilterFn | undefined;
  readonly lockTimeoutMs: number;
  /** ms, or undefined when off. */
  readonly staleIfError: number | undefined;
}

const DEFAULT_METHODS = ['GET', 'HEAD'] as const;

/** Validates `options` and fills in every default. */
export function resolveSettings(options: CacheBackendOptions, sharedStore: boolean): CacheSettings {
  const {
    cacheName = 'aiohttp-cache', expireAfter = -1, urlsExpireAfter, allowedCodes = [200],
    allowedMethods = DEFAULT_METHODS, includeHeaders = false, ignoredParams = [], autoclose = false,
    cacheControl = false, shared = sharedStore, filterFn, lockTimeoutMs = 30_000, staleIfError = false,
  } = options;
  if (typeof cacheName !== 'string' || cacheName === '') bad('cacheName', cacheName, 'a non-empty string');
  if (!Array.isArray(allowedCodes) || !allowedCodes.every((c) => Number.isInteger(c) && c >= 100 && c <= 599)) {
    bad('allowedCodes', allowedCodes, 'an array of HTTP status codes');
  }
  if (!Array.isArray(allowedMethods) || !allowedMethods.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) {
    bad('allowedMethods', allowedMethods, 'an array of method names');
  }
  if (!(typeof includeHeaders === 'boolean' || (Array.isArray(includeHeaders) && includeHeaders.every((h) => typeof h === 'string')))) {
    bad('includeHeaders', includeHeaders, 'a boolean or an array of header names');
  }
  if (!Array.isArray(ignoredParams) || !ignoredParams.every((p) => typeof p === 'string')) bad('ignoredParams', ignoredParams, 'an array of names');
  for (const [name, value] of [['autoclose', autoclose], ['cacheControl', cacheControl], ['shared', shared]] as const) {
    if (typeof value !== 'boolean') bad(name, value, 'a boolean');
  }
  if (filterFn !== undefined && typeof filterFn !== 'function') bad('filterFn', filterFn, 'a function');
  if (typeof lockTimeoutMs !== 'number' || !Number.isFinite(lockTimeoutMs) || lockTimeoutMs <= 0) bad('lockTimeoutMs', lockTimeoutMs, 'a positive number of ms');
  return {
    cacheName,
    expireAfter: parseExpireAfter(expireAfter, 'expireAfter'),
    urlRules: new UrlExpiryRules(urlsExpireAfter, 'urlsExpireAfter'),
    allowedCodes: new Set(allowedCodes),
    allowedMethods: new Set(allowedMethods.map((m) => m.toUpperCase())),
    includeHeaders: Array.isArray(includeHeaders) ? includeHeaders.map((h) => h.toLowerCase()) : includeHeaders,
    ignoredParams: [...ignoredParams],
    autoclose, cacheControl, shared, filterFn, lockTimeoutMs,
    staleIfError: staleWindow(staleIfError, 'staleIfError'),
  };
}

/** A stale-if-error window in ms from `true` (no limit), `false`, or an ExpireAfter. */
export function staleWindow(value: unknown, option: string): number | undefined {
  if (value === false || value === undefined) return undefined;
  if (value === true) return Infinity;
  const parsed = parseExpireAfter(value, option);
  if (parsed.kind === 'never') return Infinity;
  if (parsed.kind === 'relative') return parsed.ms;
  if (parsed.kind === 'skip') return undefined;
  return bad(option, value, 'true, false or a relative duration');
}

function bad(option: string, value: unknown, expected: string): never {
  throw new CacheConfigError(`Invalid ${option}: ${describeValue(value)} (expected ${expected})`);
}
