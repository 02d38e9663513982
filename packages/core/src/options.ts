/**
 * Every option of a CacheBackend, with its default, validated and resolved in one place.
 */
import type { BaseCache, BaseCacheOptions } from './base-cache.js';
import type { CachedResponse, StoredResponse } from './cached-response.js';
import { invalidOption } from './errors.js';
import { checkTagStore, tagHeaderNames, type TagStore } from './tags.js';
import {
  parseExpireAfter,
  UrlExpiryRules,
  type ExpireAfter,
  type ResolvedExpiry,
  type UrlsExpireAfter,
} from './expiry.js';
import type { MissLock } from './miss-lock.js';

/** Decides per response whether it may be cached. */
export type FilterFn = (response: CachedResponse) => boolean | Promise<boolean>;

/**
 * What a request that carries credentials (`Authorization`, `Proxy-Authorization`, the axios
 * `auth` option, user info in the URL, `Cookie`) gets from the cache:
 * - `'isolate'`: cached for those credentials only (they enter the key as an HMAC-SHA256);
 * - `'skip'`: never cached;
 * - `'share'`: cached as if every caller had the same credentials (a service token).
 */
export type CredentialsMode = 'isolate' | 'skip' | 'share';

/** A debug logger: one call per decision the cache makes. */
export type DebugLogger = (message: string, details: Readonly<Record<string, unknown>>) => void;

/** Default `cacheName` (the namespace of a cache in a shared store). */
export const DEFAULT_CACHE_NAME = 'axios-client-cache';

/** Longest timer Node accepts (2^31 − 1 ms); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link CacheBackend} (the seed's keyword arguments, camelCased). */
export interface CacheBackendOptions extends BaseCacheOptions {
  /**
   * Namespace of this cache in a shared store.
   * @defaultValue 'axios-client-cache'
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
   * Status codes that may be cached. A list always restricts.
   * @defaultValue [200]
   */
  allowedCodes?: readonly number[];
  /**
   * Methods that may be cached (a POST search endpoint can be added; its body is part of the key).
   * @defaultValue ['GET', 'HEAD']
   */
  allowedMethods?: readonly string[];
  /**
   * Make request headers part of the key: `true` for all, or a list of names. Credentials are
   * never keyed in clear: see `credentials`.
   * @defaultValue false
   */
  includeHeaders?: boolean | readonly string[];
  /**
   * Query, body and header names left out of the key and redacted in what is stored.
   * Credentials are not affected: see `credentials`.
   * @defaultValue []
   */
  ignoredParams?: readonly string[];
  /**
   * `detachCache` closes the stores.
   * @defaultValue false
   */
  autoclose?: boolean;
  /**
   * Follow HTTP caching rules (RFC 9111) for how long a response is fresh.
   * @defaultValue false
   */
  cacheControl?: boolean;
  /**
   * Apply shared-cache rules: `private`, `no-store` and `Set-Cookie` responses are not stored,
   * and with `cacheControl`, `s-maxage` and RFC 9111 §3.5 apply.
   * @defaultValue false, or true for a backend over a shared store (Redis)
   */
  shared?: boolean;
  /**
   * What a request with credentials gets; see {@link CredentialsMode}.
   * @defaultValue 'isolate'
   */
  credentials?: CredentialsMode;
  /**
   * Most variants kept for one URL (responses with `Vary`, each for other selecting request
   * headers); storing one more drops the oldest.
   * @defaultValue 8
   */
  maxVariants?: number;
  /**
   * Return false to keep a response out of the cache (sync or async).
   * @defaultValue () => true
   */
  filterFn?: FilterFn;
  /**
   * Store of responses.
   * @defaultValue a DictCache
   */
  responses?: BaseCache<StoredResponse>;
  /**
   * Store of redirect aliases (alias key → response key).
   * @defaultValue a DictCache
   */
  redirects?: BaseCache<string>;
  /**
   * Response headers whose values tag the response for `invalidateTags` (comma- or
   * space-separated lists, as `Cache-Tag` and `Surrogate-Key` are); `false` for none.
   * @defaultValue ['cache-tag', 'surrogate-key']
   */
  tagHeaders?: readonly string[] | false;
  /**
   * Where tag versions are kept (see {@link TagStore}); a shared store provides one.
   * @defaultValue in process memory (LocalTags)
   */
  tags?: TagStore;
  /**
   * Cross-process single-flight (a shared store provides one).
   * @defaultValue undefined (single-flight within this process only)
   */
  lock?: MissLock;
  /**
   * Longest time in ms a request waits for an identical request in flight (in this process or,
   * with a lock, another) before going to the origin itself.
   * @defaultValue 30000
   */
  lockTimeoutMs?: number;
  /**
   * Serve a stale response when the origin fails (network error, incomplete body or 5xx),
   * within this window.
   * @defaultValue false
   */
  staleIfError?: boolean | ExpireAfter;
  /**
   * Called with one line per decision (looked up, served fresh, stale, revalidated, stored,
   * not stored and why). The library never writes to the console.
   * @defaultValue undefined
   */
  debug?: DebugLogger;
}

/** The resolved, validated settings of a backend. */
export interface CacheSettings {
  readonly cacheName: string;
  readonly expireAfter: ResolvedExpiry;
  /** True when `expireAfter` was given (with `cacheControl`, it then fills in for responses that say nothing). */
  readonly expireAfterSet: boolean;
  readonly urlRules: UrlExpiryRules;
  /** `undefined`: the default (200 without `cacheControl`, what RFC 9111 allows with it). */
  readonly allowedCodes: ReadonlySet<number> | undefined;
  readonly allowedMethods: ReadonlySet<string>;
  /** Lower-case header names, or `true` for all. */
  readonly includeHeaders: boolean | readonly string[];
  readonly ignoredParams: readonly string[];
  readonly autoclose: boolean;
  readonly cacheControl: boolean;
  readonly shared: boolean;
  readonly credentials: CredentialsMode;
  readonly maxVariants: number;
  /** Lower-case names of the headers that tag a response. */
  readonly tagHeaders: ReadonlySet<string>;
  readonly filterFn: FilterFn | undefined;
  readonly lockTimeoutMs: number;
  /** ms, or undefined when off. */
  readonly staleIfError: number | undefined;
  readonly debug: DebugLogger | undefined;
}

const DEFAULT_METHODS = ['GET', 'HEAD'] as const;
const DEFAULT_TAG_HEADERS = ['cache-tag', 'surrogate-key'] as const;
const CREDENTIALS_MODES: ReadonlySet<string> = new Set(['isolate', 'skip', 'share']);

/** Every option of {@link CacheBackendOptions}: the compiler checks that none is missing or extra. */
const BACKEND_OPTIONS: Readonly<Record<keyof CacheBackendOptions, true>> = {
  cacheName: true,
  expireAfter: true,
  urlsExpireAfter: true,
  allowedCodes: true,
  allowedMethods: true,
  includeHeaders: true,
  ignoredParams: true,
  autoclose: true,
  cacheControl: true,
  shared: true,
  credentials: true,
  maxVariants: true,
  filterFn: true,
  responses: true,
  redirects: true,
  tagHeaders: true,
  tags: true,
  lock: true,
  lockTimeoutMs: true,
  staleIfError: true,
  debug: true,
  secretKey: true,
  salt: true,
  serializer: true,
  clock: true,
};

/** The names of every CacheBackend option, for the store packages' own lists. */
export const BACKEND_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(BACKEND_OPTIONS));

/**
 * Rejects an option of `options` that `known` does not name: a misspelt option would
 * otherwise be ignored (`expireAfer: 60` would mean "never expires").
 * @throws CacheConfigError naming the option and its value.
 */
export function checkOptionNames(options: object, known: ReadonlySet<string>, of: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) invalidOption(name, (options as Record<string, unknown>)[name], `no such option of ${of}`);
  }
}

/** Validates `options` and fills in every default. */
export function resolveSettings(options: CacheBackendOptions, sharedStore: boolean): CacheSettings {
  if (typeof options !== 'object' || options === null) invalidOption('options', options, 'an options object');
  const {
    cacheName = DEFAULT_CACHE_NAME,
    expireAfter,
    urlsExpireAfter,
    allowedCodes,
    allowedMethods = DEFAULT_METHODS,
    includeHeaders = false,
    ignoredParams = [],
    autoclose = false,
    cacheControl = false,
    shared = sharedStore,
    credentials = 'isolate',
    maxVariants = 8,
    tagHeaders = DEFAULT_TAG_HEADERS,
    tags,
    filterFn,
    lockTimeoutMs = 30_000,
    staleIfError = false,
    debug,
    responses,
    redirects,
    lock,
  } = options;
  if (typeof cacheName !== 'string' || cacheName === '') invalidOption('cacheName', cacheName, 'a non-empty string');
  if (
    allowedCodes !== undefined &&
    (!Array.isArray(allowedCodes) || !allowedCodes.every((c) => Number.isInteger(c) && c >= 100 && c <= 599))
  ) {
    invalidOption('allowedCodes', allowedCodes, 'an array of HTTP status codes');
  }
  if (!Array.isArray(allowedMethods) || !allowedMethods.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) {
    invalidOption('allowedMethods', allowedMethods, 'an array of method names');
  }
  if (
    !(
      typeof includeHeaders === 'boolean' ||
      (Array.isArray(includeHeaders) && includeHeaders.every((h) => typeof h === 'string'))
    )
  ) {
    invalidOption('includeHeaders', includeHeaders, 'a boolean or an array of header names');
  }
  if (!Array.isArray(ignoredParams) || !ignoredParams.every((p) => typeof p === 'string')) {
    invalidOption('ignoredParams', ignoredParams, 'an array of names');
  }
  for (const [name, value] of [
    ['autoclose', autoclose],
    ['cacheControl', cacheControl],
    ['shared', shared],
  ] as const) {
    if (typeof value !== 'boolean') invalidOption(name, value, 'a boolean');
  }
  if (typeof credentials !== 'string' || !CREDENTIALS_MODES.has(credentials)) {
    invalidOption('credentials', credentials, "'isolate', 'skip' or 'share'");
  }
  if (!Number.isInteger(maxVariants) || maxVariants < 1 || maxVariants > 64)
    invalidOption('maxVariants', maxVariants, 'an integer from 1 to 64');
  if (filterFn !== undefined && typeof filterFn !== 'function') invalidOption('filterFn', filterFn, 'a function');
  if (debug !== undefined && typeof debug !== 'function')
    invalidOption('debug', debug, 'a function (message, details) => void');
  checkMs('lockTimeoutMs', lockTimeoutMs);
  if (tags !== undefined) checkTagStore(tags);
  if (responses !== undefined) checkStore('responses', responses);
  if (redirects !== undefined) checkStore('redirects', redirects);
  if (
    lock !== undefined &&
    (typeof lock !== 'object' || lock === null || typeof lock.acquire !== 'function' || typeof lock.wait !== 'function')
  ) {
    invalidOption('lock', lock, 'a MissLock: an object with acquire(key) and wait(key)');
  }
  return {
    cacheName,
    expireAfter: parseExpireAfter(expireAfter ?? -1, 'expireAfter'),
    expireAfterSet: expireAfter !== undefined,
    urlRules: new UrlExpiryRules(urlsExpireAfter, 'urlsExpireAfter'),
    allowedCodes: allowedCodes === undefined ? undefined : new Set(allowedCodes),
    allowedMethods: new Set(allowedMethods.map((m) => m.toUpperCase())),
    includeHeaders: Array.isArray(includeHeaders) ? includeHeaders.map((h) => h.toLowerCase()) : includeHeaders,
    ignoredParams: [...ignoredParams],
    autoclose,
    cacheControl,
    shared,
    credentials: credentials as CredentialsMode,
    maxVariants,
    tagHeaders: tagHeaderNames(tagHeaders),
    filterFn,
    lockTimeoutMs,
    debug,
    staleIfError: staleWindow(staleIfError, 'staleIfError'),
  };
}

/**
 * A timer option in ms: a positive number no longer than Node's longest timer (2^31 − 1 ms;
 * a longer one would fire after 1 ms).
 * @throws CacheConfigError naming the option and the value.
 */
export function checkMs(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    invalidOption(option, value, `a positive number of milliseconds, at most ${MAX_TIMER_MS}`);
  }
  return value;
}

/** A stale-if-error window in ms from `true` (no limit), `false`, or an ExpireAfter. */
export function staleWindow(value: unknown, option: string): number | undefined {
  if (value === false || value === undefined) return undefined;
  if (value === true) return Infinity;
  const parsed = parseExpireAfter(value, option);
  if (parsed.kind === 'never') return Infinity;
  if (parsed.kind === 'relative') return parsed.ms;
  if (parsed.kind === 'skip') return undefined;
  return invalidOption(option, value, 'true, false or a relative duration');
}

function checkStore(option: string, store: unknown): void {
  const s = store as Record<string, unknown> | null;
  const methods = ['read', 'write', 'delete', 'bulkDelete', 'clear', 'contains', 'keys', 'values'];
  if (typeof s !== 'object' || s === null || !methods.every((m) => typeof s[m] === 'function')) {
    invalidOption(
      option,
      store,
      'a store (a BaseCache: read, write, delete, bulkDelete, clear, contains, keys, values)',
    );
  }
}
