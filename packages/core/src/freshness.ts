/**
 * Where freshness is decided: how long a response may be served (at store time) and
 * whether a stored response may be served now (at read time). HTTP rules follow RFC 9111
 * (and RFC 5861 for the stale-* extensions) when `cacheControl` is on; otherwise only
 * the expireAfter settings count.
 */
import type { CachedResponse, CachePolicy } from './cached-response.js';
import { expiresAt, parseHttpDate, type ResolvedExpiry } from './expiry.js';
import { headerValue, type HeaderPair } from './headers.js';

/** Parsed `Cache-Control`: directive name (lower case) → argument, or `true` without one. */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

/** Parses a `Cache-Control` value (RFC 9111 §5.2): comma-separated, quoted args unquoted. */
export function parseCacheControl(value: string | undefined | null): Directives {
  if (!value) return EMPTY;
  const out = new Map<string, string | true>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || out.has(name)) continue; // first occurrence wins
    if (eq === -1) out.set(name, true);
    else out.set(name, part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** A delta-seconds argument in ms; `undefined` when absent or not a non-negative integer. */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const v = directives.get(name);
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Math.min(Number(v), 2 ** 31) * 1000;
}

/** The request-side directives that change how a stored response may be used. */
export interface RequestDirectives {
  readonly noCache: boolean;
  readonly noStore: boolean;
  readonly onlyIfCached: boolean;
  readonly maxAge?: number;
  readonly minFresh?: number;
  /** ms of staleness accepted; `Infinity` for a bare `max-stale`. */
  readonly maxStale?: number;
}

/** Reads request `Cache-Control` (and `Pragma: no-cache` when there is none). */
export function requestDirectives(cacheControl: string | undefined, pragma?: string): RequestDirectives {
  const d = parseCacheControl(cacheControl);
  const maxStale = d.get('max-stale');
  return {
    noCache: d.has('no-cache') || (!cacheControl && /(^|,)\s*no-cache\s*(,|$)/i.test(pragma ?? '')),
    noStore: d.has('no-store'),
    onlyIfCached: d.has('only-if-cached'),
    maxAge: deltaSeconds(d, 'max-age'),
    minFresh: deltaSeconds(d, 'min-fresh'),
    maxStale: maxStale === true ? Infinity : deltaSeconds(d, 'max-stale'),
  };
}

/** Status codes cacheable by default (RFC 9110 §15.1). */
const HEURISTIC_STATUSES = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/** Inputs to {@link decideStorage}. */
export interface StorageInput {
  readonly status: number;
  readonly headers: readonly HeaderPair[];
  readonly requestHeaders: { get(name: string): string | undefined };
  readonly requestTime: number;
  readonly responseTime: number;
  /** The expiry from settings, by precedence: per-request, urlsExpireAfter, instance. */
  readonly settingsExpiry: ResolvedExpiry;
  /** True when `expireAfter` was set per request or by a URL rule, not just the default. */
  readonly cacheControl: boolean;
  readonly shared: boolean;
  /** `includeHeaders` covers `authorization`: the key separates users. */
  readonly keyedByAuthorization: boolean;
}

/** What to store: or `undefined` when the response must not be stored. */
export interface StorageDecision {
  readonly expires: number | null;
  readonly policy: CachePolicy;
  /** Request header names selected by `Vary`. */
  readonly vary: readonly string[];
}

/**
 * Decides whether and how long a response may be stored. Precedence (SPEC §4): with
 * `cacheControl`, request `Cache-Control` then response `Cache-Control` / `Expires`; then
 * the settings' expiry.
 */
export function decideStorage(input: StorageInput): StorageDecision | undefined {
  const { headers, requestTime, responseTime, shared } = input;
  const now = responseTime;
  const authorized = input.requestHeaders.get('authorization') !== undefined && !input.keyedByAuthorization;
  if (!input.cacheControl) {
    if (input.settingsExpiry.kind === 'skip') return undefined;
    // Without HTTP rules a shared cache still never hands one user's response to another.
    if (shared && authorized) return undefined;
    return { expires: expiresAt(input.settingsExpiry, now), policy: {}, vary: [] };
  }

  const req = requestDirectives(input.requestHeaders.get('cache-control'), input.requestHeaders.get('pragma'));
  const res = parseCacheControl(headerValue(headers, 'cache-control'));
  if (req.noStore || res.has('no-store')) return undefined;
  if (shared && res.has('private')) return undefined;
  if (shared && authorized && !(res.has('public') || res.has('s-maxage') || res.has('must-revalidate'))) return undefined;
  const varyHeader = headerValue(headers, 'vary');
  const vary = varyHeader ? varyHeader.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean) : [];
  if (vary.includes('*')) return undefined;

  // RFC 9111 §4.2.3: corrected initial age.
  const date = parseHttpDate(headerValue(headers, 'date') ?? '') ?? responseTime;
  const ageValue = Number(headerValue(headers, 'age') ?? 0);
  const apparentAge = Math.max(0, responseTime - date);
  const initialAge = Math.max(apparentAge, (Number.isFinite(ageValue) && ageValue > 0 ? ageValue * 1000 : 0) + (responseTime - requestTime));

  const policy: { -readonly [K in keyof CachePolicy]: CachePolicy[K] } = {};
  if (res.has('no-cache')) policy.noCache = true;
  if (res.has('must-revalidate') || (shared && (res.has('proxy-revalidate') || res.has('s-maxage')))) policy.mustRevalidate = true;
  if (res.has('immutable')) policy.immutable = true;
  const swr = deltaSeconds(res, 'stale-while-revalidate');
  const sie = deltaSeconds(res, 'stale-if-error');
  if (swr) policy.staleWhileRevalidate = swr;
  if (sie) policy.staleIfError = sie;
  if (initialAge > 0) policy.initialAge = initialAge;

  // Request max-age first (the seed's documented order), then the response's own lifetime.
  let lifetime: number | undefined = req.maxAge;
  if (lifetime === undefined) lifetime = (shared ? deltaSeconds(res, 's-maxage') : undefined) ?? deltaSeconds(res, 'max-age');
  if (lifetime === undefined) {
    const expiresHeader = headerValue(headers, 'expires');
    if (expiresHeader !== undefined) {
      const expires = parseHttpDate(expiresHeader);
      // An invalid Expires (such as "0") means already expired (RFC 9111 §5.3).
      lifetime = expires === undefined ? 0 : Math.max(0, expires - date);
    }
  }
  if (lifetime !== undefined) return { expires: now + lifetime - initialAge, policy, vary };

  if (input.settingsExpiry.kind === 'skip') return undefined;
  if (input.settingsExpiry.kind === 'never' && !res.has('public') && HEURISTIC_STATUSES.has(input.status)) {
    // Heuristic freshness (RFC 9111 §4.2.2): 10% of the time since Last-Modified, at most a day.
    const lastModified = parseHttpDate(headerValue(headers, 'last-modified') ?? '');
    if (lastModified !== undefined && lastModified < date) {
      return { expires: now + Math.min((date - lastModified) / 10, 86_400_000) - initialAge, policy, vary };
    }
  }
  return { expires: expiresAt(input.settingsExpiry, now), policy, vary };
}

/** How a stored response may be used now. */
export type Usability =
  /** Serve it. */
  | 'fresh'
  /** Serve it stale (the request's max-stale allows it). */
  | 'stale-ok'
  /** Serve it stale and revalidate in the background. */
  | 'stale-while-revalidate'
  /** Ask the origin first (conditional request when it has validators). */
  | 'revalidate';

/** Current age in ms (RFC 9111 §4.2.3). */
export function currentAge(entry: CachedResponse, now: number): number {
  return (entry.policy.initialAge ?? 0) + Math.max(0, now - entry.responseTime);
}

/** Decides how `entry` may be used at `now` for a request with `req` directives. */
export function usability(entry: CachedResponse, now: number, req: RequestDirectives | undefined, refresh: boolean): Usability {
  if (refresh && !entry.policy.immutable) return 'revalidate';
  if (entry.policy.noCache) return 'revalidate';
  if (req === undefined) return entry.expires === null || now < entry.expires ? 'fresh' : staleUse(entry, now, undefined);
  if (req.noCache) return 'revalidate';
  if (req.maxAge !== undefined && currentAge(entry, now) > req.maxAge) return 'revalidate';
  if (entry.expires === null) return 'fresh';
  if (now + (req.minFresh ?? 0) < entry.expires) return 'fresh';
  return staleUse(entry, now, req);
}

function staleUse(entry: CachedResponse, now: number, req: RequestDirectives | undefined): Usability {
  const staleness = now - (entry.expires as number);
  if (entry.policy.mustRevalidate) return 'revalidate';
  if (req?.maxStale !== undefined && staleness <= req.maxStale) return 'stale-ok';
  if (entry.policy.staleWhileRevalidate !== undefined && staleness <= entry.policy.staleWhileRevalidate) return 'stale-while-revalidate';
  return 'revalidate';
}

/** True when a stale `entry` may answer for an origin error at `now`. */
export function canServeStaleOnError(entry: CachedResponse, now: number, requestWindow: number | undefined): boolean {
  if (entry.policy.mustRevalidate) return false;
  const staleness = entry.expires === null ? 0 : now - entry.expires;
  const window = Math.max(entry.policy.staleIfError ?? 0, requestWindow ?? 0);
  return staleness <= window;
}

/** Epoch ms after which a store may drop the entry: freshness plus any stale window. */
export function retainUntil(expires: number | null, policy: CachePolicy): number | null {
  if (expires === null) return null;
  return expires + Math.max(policy.staleWhileRevalidate ?? 0, policy.staleIfError ?? 0);
}

/** Merges a 304's headers into the stored ones (RFC 9111 §4.3.4): fields in the 304 replace. */
export function mergeHeaders(stored: readonly HeaderPair[], fresh: readonly HeaderPair[]): HeaderPair[] {
  const skip = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range']);
  const replaced = new Set(fresh.map(([k]) => k).filter((k) => !skip.has(k)));
  return [...stored.filter(([k]) => !replaced.has(k)), ...fresh.filter(([k]) => replaced.has(k))];
}
