import type { CacheBackend } from './backend.js';
import { normalizeUrl, type KeyRequestParts } from './cache-key.js';
import { parseExpireAfter, type ExpireAfter, type ResolvedExpiry } from './expiry.js';
import { requestDirectives, type RequestDirectives } from './freshness.js';
import { headerValue, toHeaderPairs } from './headers.js';
import type { CacheSettings } from './options.js';

/** Per-request inputs of {@link CacheBackend.request}. */
export interface RequestInfo extends Omit<KeyRequestParts, 'method' | 'url'> {
  /** Expiry for this request only; beats urlsExpireAfter and the instance setting. */
  expireAfter?: ExpireAfter;
  /** Revalidate with the origin before using a stored response. */
  refresh?: boolean;
}

/**
 * What the cache does for one request, decided from the settings and the request
 * (the seed's CacheActions).
 */
export class CacheActions {
  constructor(
    /** The request's cache key. */
    readonly key: string,
    /** The expiry from settings by precedence: per request, urlsExpireAfter, instance. */
    readonly expireAfter: ResolvedExpiry,
    /** Ask the origin (conditionally when possible) before using a stored response. */
    readonly revalidate: boolean,
    /** Do not look in the cache. */
    readonly skipRead: boolean,
    /** Do not store the response. */
    readonly skipWrite: boolean,
    /** Request `Cache-Control` directives, when `cacheControl` is on. */
    readonly directives: RequestDirectives | undefined,
  ) {}

  /** Decides the actions for a request. */
  static fromRequest(backend: CacheBackend, method: string, url: string, info: RequestInfo): CacheActions {
    const { expireAfter, refresh = false, ...request } = info;
    const key = backend.createKey(method, url, request);
    const perRequest = expireAfter === undefined ? undefined : parseExpireAfter(expireAfter, 'expireAfter');
    const normalized = normalizeUrl({ ...request, method, url });
    const expiry = chooseExpiry(backend.settings, perRequest, () => backend.matchTarget(normalized));
    const headers = toHeaderPairs(request.headers);
    const directives = backend.settings.cacheControl
      ? requestDirectives(headerValue(headers, 'cache-control'), headerValue(headers, 'pragma'))
      : undefined;
    const skip = expiry.kind === 'skip' || directives?.noStore === true;
    return new CacheActions(key, expiry, refresh || directives?.noCache === true, skip, skip, directives);
  }
}

/** The settings' expiry for a request: per request, then urlsExpireAfter, then the instance. */
export function chooseExpiry(settings: CacheSettings, perRequest: ResolvedExpiry | undefined, target: () => string): ResolvedExpiry {
  if (perRequest !== undefined) return perRequest;
  if (settings.urlRules.size > 0) {
    const byUrl = settings.urlRules.match(target());
    if (byUrl !== undefined) return byUrl;
  }
  return settings.expireAfter;
}

