/**
 * The HTTP policy: every rule about whether a response may be stored, for how long, for
 * whom, and how a stored one may be used — RFC 9111 (with RFC 5861's stale-* extensions)
 * when `cacheControl` is on, the expireAfter settings otherwise, and the shared-cache rules
 * in every mode. One object per backend; no I/O; each answer a plain value with, where the
 * answer is "no", a named reason.
 */
import { CachedResponse, responsesIn, type CachePolicy, type StoredResponse } from './cached-response.js';
import {
  deltaSeconds,
  parseAge,
  parseCacheControl,
  parseContentRange,
  resolveRange,
  validDelta,
  varyNames,
  type ContentRange,
  type Directives,
} from './cache-control.js';
import { CREDENTIAL_HEADERS } from './cache-key.js';
import { expiresAt, parseHttpDate } from './expiry.js';
import { headerValue, storableHeaders, type HeaderPair } from './headers.js';
import type { CacheSettings } from './options.js';
import type { NotStoredReason } from './reasons.js';
import type { RequestPlan } from './request-plan.js';

/** What to store with a response, decided by {@link HttpPolicy.storable}. */
export interface Storable {
  readonly ok: true;
  /** Epoch ms when it stops being fresh; `null` = never. */
  readonly expires: number | null;
  readonly policy: CachePolicy;
  /** The selecting request headers (`Vary`) and their values, as stored (credentials as an HMAC). */
  readonly vary: ReadonlyArray<readonly [string, string | null]>;
}

/** A response that must not be stored, and why. */
export interface NotStorable {
  readonly ok: false;
  readonly reason: NotStoredReason;
}

/** What the policy needs of a response from the origin. */
export interface ResponseFacts {
  readonly status: number;
  /** Storable header fields (hop-by-hop fields already dropped). */
  readonly headers: readonly HeaderPair[];
  /** Epoch ms the request left and the response arrived (RFC 9111 §4.2.3). */
  readonly requestTime: number;
  readonly responseTime: number;
}

/** How a stored response may be used now, decided by {@link HttpPolicy.use}. */
export type Use =
  /** Serve it. */
  | 'fresh'
  /** Serve it stale: the request's `max-stale` allows it. */
  | 'stale-ok'
  /** Serve it stale and revalidate in the background (RFC 5861). */
  | 'stale-while-revalidate'
  /** Ask the origin first (conditionally when it has validators). */
  | 'revalidate';

/** Status codes whose caching rules this cache implements (RFC 9110 §15), for `must-understand`. */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407,
  408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505,
]);
/** Status codes cacheable by default, without explicit freshness (RFC 9110 §15.1). */
const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);
/** Fields a 304 does not replace in the stored response (RFC 9111 §3.2: they describe the body). */
const NOT_UPDATED: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'content-range',
]);
/** Selecting headers whose value is a set: list order does not change the answer. */
const SET_VALUED: ReadonlySet<string> = new Set(['accept', 'accept-encoding', 'accept-language', 'accept-charset']);
/** Heuristic freshness: this fraction of the time since Last-Modified (RFC 9111 §4.2.2), at most a day. */
const HEURISTIC_FRACTION = 0.1;
const HEURISTIC_MAX_MS = 86_400_000;
/** Shortest and longest time a stale response with validators is kept for revalidation. */
const VALIDATOR_KEEP_MIN_MS = 60_000;
const VALIDATOR_KEEP_MAX_MS = 86_400_000;

const EMPTY_VARY: ReadonlyArray<readonly [string, string | null]> = Object.freeze([]);
const NO: { readonly [R in NotStoredReason]: NotStorable } = Object.freeze(
  Object.fromEntries(
    (
      [
        'status',
        'no-store',
        'private',
        'set-cookie',
        'vary-star',
        'authorization',
        'partial',
        'expire-after-0',
        'stale',
        'filter',
        'too-large',
        'incomplete',
        'tag-invalidated',
        'tag-store',
        'closed',
      ] as const
    ).map((reason) => [reason, Object.freeze({ ok: false, reason })]),
  ) as { [R in NotStoredReason]: NotStorable },
);

/** The HTTP rules of one backend. */
export class HttpPolicy {
  readonly #settings: CacheSettings;
  readonly #protect: (value: string) => string;
  /** Selecting headers kept as an HMAC: credentials, and the `ignoredParams` names (lower case). */
  readonly #secretNames: ReadonlySet<string>;

  /** `protect`: how a credential header's value is kept when `Vary` selects on it (an HMAC). */
  constructor(settings: CacheSettings, protect: (value: string) => string) {
    this.#settings = settings;
    this.#protect = protect;
    this.#secretNames = new Set([...CREDENTIAL_HEADERS, ...settings.ignoredParams.map((p) => p.toLowerCase())]);
  }

  // -------------------------------------------------------------------------------------------
  // Storing (RFC 9111 §3)

  /** Whether `response` to `plan` may be stored, until when, and under which selecting headers. */
  storable(plan: RequestPlan, response: ResponseFacts): Storable | NotStorable {
    return this.#storable(plan, response, parseCacheControl(headerValue(response.headers, 'cache-control')));
  }

  /** {@link storable}, with the response's Cache-Control already parsed (`res`). */
  #storable(plan: RequestPlan, response: ResponseFacts, res: Directives): Storable | NotStorable {
    const { status, headers } = response;
    const settings = this.#settings;
    const shared = settings.shared;
    // §3: a final response only; a part is never stored under the full key.
    if (status < 200) return NO.status;
    if (status === 206) return NO.partial;
    // RFC 9111 §5.2.2.3: with must-understand, a cache stores only what it understands the status
    // of, and may then ignore no-store (which is there for caches that do not).
    const understood = settings.cacheControl && res.has('must-understand');
    if (understood && !UNDERSTOOD_STATUSES.has(status)) return NO.status;
    // Who may see it: these hold in a shared cache whatever `cacheControl` says.
    if (res.has('no-store') && !understood && (settings.cacheControl || shared)) return NO['no-store'];
    if (shared && res.has('private')) return NO.private;
    if (shared && headers.some(([name]) => name === 'set-cookie')) return NO['set-cookie'];
    const names = varyNames(headerValue(headers, 'vary'));
    if (names.includes('*')) return NO['vary-star'];
    const vary =
      names.length === 0
        ? EMPTY_VARY
        : Object.freeze(names.map((name) => Object.freeze([name, this.varyValue(plan, name)] as const)));

    if (!settings.cacheControl) {
      if (!(settings.allowedCodes ?? DEFAULT_CODES).has(status)) return NO.status;
      return { ok: true, expires: expiresAt(plan.expiry, response.responseTime), policy: NO_POLICY, vary };
    }

    // RFC 9111 §3.5: a shared cache stores an answer to an authorized request only when told it may.
    if (shared && plan.authorized && !(res.has('public') || res.has('s-maxage') || res.has('must-revalidate')))
      return NO.authorization;
    const lifetime = this.#explicitLifetime(res, headers, shared, response.responseTime);
    if (
      settings.allowedCodes !== undefined
        ? !settings.allowedCodes.has(status)
        : !this.#storableStatus(status, res, lifetime)
    ) {
      return NO.status;
    }

    const date = parseHttpDate(headerValue(headers, 'date') ?? '') ?? response.responseTime;
    const initialAge = initialAgeOf(headers, date, response);
    const policy = policyOf(res, shared, initialAge);
    const now = response.responseTime;
    let expires: number | null;
    if (lifetime !== undefined) expires = now + lifetime - initialAge;
    else if (plan.expirySet && plan.expiry.kind === 'skip') return NO['expire-after-0'];
    else if (plan.expirySet) expires = expiresAt(plan.expiry, now);
    else {
      // RFC 9111 §4.2.2: heuristic freshness where allowed, else usable only after validation.
      const heuristic = this.#heuristicLifetime(status, res, headers, date);
      expires = now + (heuristic ?? 0) - (heuristic === undefined ? 0 : initialAge);
    }
    return { ok: true, expires, policy, vary };
  }

  /** True when `status` (with these headers) may be stored at all; used for entries already stored too. */
  statusAllowed(status: number, headers: readonly HeaderPair[]): boolean {
    const codes = this.#settings.allowedCodes;
    if (codes !== undefined) return codes.has(status);
    if (!this.#settings.cacheControl) return DEFAULT_CODES.has(status);
    const res = parseCacheControl(headerValue(headers, 'cache-control'));
    return this.#storableStatus(status, res, this.#explicitLifetime(res, headers, this.#settings.shared, 0));
  }

  /** A heuristically cacheable status, or any final status with explicit freshness (RFC 9111 §3). */
  #storableStatus(status: number, res: Directives, lifetime: number | undefined): boolean {
    if (status < 200 || status === 206 || status === 304) return false;
    return HEURISTIC_STATUSES.has(status) || lifetime !== undefined || res.has('public');
  }

  /**
   * The freshness lifetime the response states (RFC 9111 §4.2.1): `s-maxage` (shared), then
   * `max-age`, then `Expires` − `Date` (the time it arrived when `Date` is missing or invalid).
   * An invalid value means already stale (0): RFC 9111 encourages treating invalid freshness
   * information as stale, and a default must not stand in for it. `undefined`: the response
   * says nothing.
   */
  #explicitLifetime(
    res: Directives,
    headers: readonly HeaderPair[],
    shared: boolean,
    received: number,
  ): number | undefined {
    const sMaxAge = shared ? deltaSeconds(res, 's-maxage') : undefined;
    if (sMaxAge !== undefined) return sMaxAge === 'invalid' ? 0 : sMaxAge;
    const maxAge = deltaSeconds(res, 'max-age');
    if (maxAge !== undefined) return maxAge === 'invalid' ? 0 : maxAge;
    const expiresHeader = headerValue(headers, 'expires');
    if (expiresHeader === undefined) return undefined;
    const expires = parseHttpDate(expiresHeader);
    if (expires === undefined) return 0; // RFC 9111 §5.3: an invalid Expires (such as "0") is in the past
    const date = parseHttpDate(headerValue(headers, 'date') ?? '');
    return Math.max(0, expires - (date ?? received));
  }

  /** RFC 9111 §4.2.2: a fraction of the time since Last-Modified, for statuses that allow it. */
  #heuristicLifetime(
    status: number,
    res: Directives,
    headers: readonly HeaderPair[],
    date: number,
  ): number | undefined {
    if (!HEURISTIC_STATUSES.has(status) && !res.has('public')) return undefined;
    const lastModified = parseHttpDate(headerValue(headers, 'last-modified') ?? '');
    if (lastModified === undefined || lastModified >= date) return undefined;
    return Math.min((date - lastModified) * HEURISTIC_FRACTION, HEURISTIC_MAX_MS);
  }

  // -------------------------------------------------------------------------------------------
  // Selecting (RFC 9111 §4.1)

  /**
   * The stored response (or the newest of a URL's variants) whose selecting headers match the
   * request's, if any. A stored part (206) is never the answer to a request as a whole.
   */
  choose(stored: StoredResponse | undefined, plan: RequestPlan): CachedResponse | undefined {
    if (stored === undefined) return undefined;
    if (stored instanceof CachedResponse)
      return stored.status !== 206 && this.selects(stored, plan) ? stored : undefined;
    const variants = stored.variants;
    // The request's value of each selecting header, made once for all the variants.
    const values = new Map<string, string | null>();
    for (let i = variants.length - 1; i >= 0; i--) {
      const variant = variants[i] as CachedResponse;
      if (variant.status !== 206 && this.#selects(variant, plan, values)) return variant;
    }
    return undefined;
  }

  /** True when the request's selecting headers match those the stored response was made for. */
  selects(entry: CachedResponse, plan: RequestPlan): boolean {
    return entry.vary.length === 0 || this.#selects(entry, plan, new Map());
  }

  #selects(entry: CachedResponse, plan: RequestPlan, values: Map<string, string | null>): boolean {
    const vary = entry.vary;
    for (let i = 0; i < vary.length; i++) {
      const [name, value] = vary[i] as readonly [string, string | null];
      let mine = values.get(name);
      if (mine === undefined) values.set(name, (mine = this.varyValue(plan, name)));
      if (mine === value) continue;
      // RFC 9111 §4.1 allows content negotiation: a response in the language the request prefers.
      if (name === 'accept-language' && preferredLanguageServed(entry, plan.header('accept-language'))) continue;
      return false;
    }
    return true;
  }

  /**
   * A selecting header's value as compared and stored: whitespace around list members
   * dropped, set-valued fields (`Accept-Language`…) sorted and lower-cased, a credential
   * as an HMAC (never in clear); `null` when the request does not send it.
   */
  varyValue(plan: RequestPlan, name: string): string | null {
    const raw = plan.header(name);
    if (raw === undefined) return null;
    let value = raw
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .join(', ');
    if (SET_VALUED.has(name)) value = value.toLowerCase().split(', ').sort().join(', ');
    if (this.#secretNames.has(name)) {
      return `hmac:${this.#protect(`${name}:${value}`)}`;
    }
    return value;
  }

  // -------------------------------------------------------------------------------------------
  // Using (RFC 9111 §4.2, RFC 5861)

  /** How `entry` may answer `plan` at `now`. */
  use(entry: CachedResponse, plan: RequestPlan, now: number): Use {
    const facts = entry.policy;
    const req = plan.directives;
    const fresh = entry.expires === null || now + (req?.minFresh ?? 0) < entry.expires;
    // `refresh` is a soft reload: an `immutable` response still fresh needs no revalidation (RFC 8246).
    if (plan.refresh && !(facts.immutable === true && fresh)) return 'revalidate';
    if (facts.noCache === true || req?.noCache === true) return 'revalidate';
    // RFC 8246 §2.1: a fresh immutable response is not revalidated on a reload (request max-age=0);
    // an explicit no-cache (a forced reload) still does.
    if (req?.maxAge !== undefined && !(facts.immutable === true && fresh) && this.age(entry, now) > req.maxAge)
      return 'revalidate';
    if (fresh) return 'fresh';
    if (facts.mustRevalidate === true) return 'revalidate';
    const staleness = now - (entry.expires as number);
    if (req?.maxStale !== undefined && staleness <= req.maxStale) return 'stale-ok';
    if (facts.staleWhileRevalidate !== undefined && staleness <= facts.staleWhileRevalidate)
      return 'stale-while-revalidate';
    return 'revalidate';
  }

  /** True when a stale `entry` may answer for an origin failure (RFC 5861 §4, or the settings' window). */
  staleOnError(entry: CachedResponse, plan: RequestPlan, now: number): boolean {
    if (entry.policy.mustRevalidate === true) return false;
    const staleness = entry.expires === null ? 0 : now - entry.expires;
    return staleness <= Math.max(entry.policy.staleIfError ?? 0, plan.staleIfError ?? 0);
  }

  /** Current age in ms (RFC 9111 §4.2.3). */
  age(entry: CachedResponse, now: number): number {
    return ageOf(entry, now);
  }

  /**
   * Epoch ms until which a stored response is kept (what the store's TTL is derived from):
   * past its freshness by the longest of its stale-while-revalidate and stale-if-error
   * windows and the backend's `staleIfError`, and, when it has validators, as long again as it
   * was fresh (at least a minute, at most a day) so a conditional request can still revalidate
   * it. `null`: kept until deleted or evicted.
   */
  retainUntil(entry: CachedResponse): number | null {
    const expires = entry.expires;
    if (expires === null) return null;
    const facts = entry.policy;
    let window = Math.max(facts.staleWhileRevalidate ?? 0, facts.staleIfError ?? 0);
    const backendWindow = this.#settings.staleIfError;
    if (backendWindow !== undefined && facts.mustRevalidate !== true) {
      if (!Number.isFinite(backendWindow)) return null;
      window = Math.max(window, backendWindow);
    }
    if (entry.etag !== undefined || entry.lastModified !== undefined) {
      window = Math.max(
        window,
        Math.min(Math.max(expires - entry.createdAt, VALIDATOR_KEEP_MIN_MS), VALIDATOR_KEEP_MAX_MS),
      );
    }
    return expires + window;
  }

  // -------------------------------------------------------------------------------------------
  // Revalidating (RFC 9111 §4.3)

  /** The conditional headers that revalidate `entry`, or `undefined` when it has no validator. */
  revalidationHeaders(entry: CachedResponse): HeaderPair[] | undefined {
    const etag = entry.etag;
    const lastModified = entry.lastModified;
    if (etag === undefined && lastModified === undefined) return undefined;
    const out: HeaderPair[] = [];
    if (etag !== undefined) out.push(['if-none-match', etag]);
    if (lastModified !== undefined) out.push(['if-modified-since', lastModified]);
    return out;
  }

  /**
   * The stored response freshened by a 304 (RFC 9111 §4.3.4): the 304's fields replace the
   * stored ones (but those describing the body), and freshness is decided again from the
   * merged fields. A 304 that says `no-store` (or anything else not storable) drops the entry.
   */
  revalidated(
    entry: CachedResponse,
    plan: RequestPlan,
    notModified: ResponseFacts,
  ): (Storable | NotStorable) & { readonly headers: readonly HeaderPair[] } {
    const fresh = storableHeaders(notModified.headers);
    const replaced = new Set(fresh.map(([name]) => name).filter((name) => !NOT_UPDATED.has(name)));
    const headers = [
      ...entry.headers.pairs().filter(([name]) => !replaced.has(name)),
      ...fresh.filter(([name]) => replaced.has(name)),
    ];
    // The merged fields are the caller's answer even when they may not be stored.
    return { ...this.storable(plan, { ...notModified, status: entry.status, headers }), headers };
  }

  /**
   * RFC 9111 §4.3.4: whether a 304 is about `entry` at all, so that it may freshen it. A 304
   * with a strong ETag updates only a response with the same strong ETag; one with a weak ETag
   * only a response whose ETag matches it weakly; one with only a `Last-Modified` only a
   * response with that `Last-Modified`. A 304 with no validator at all answers the validators
   * the cache sent (RFC 9110 §15.4.5 asks for the ETag, but not every server sends it) and
   * updates the response they came from.
   */
  updates(entry: CachedResponse, notModified: ResponseFacts): boolean {
    let etag: string | undefined;
    let lastModified: string | undefined;
    for (const [name, value] of notModified.headers) {
      if (name === 'etag') etag ??= value.trim();
      else if (name === 'last-modified') lastModified ??= value.trim();
    }
    const stored = entry.etag?.trim();
    if (etag !== undefined) {
      if (stored === undefined) return false;
      if (!isWeak(etag)) return !isWeak(stored) && stored === etag;
      return opaqueTag(stored) === opaqueTag(etag);
    }
    const storedModified = entry.lastModified?.trim();
    if (lastModified !== undefined) return storedModified === lastModified;
    return true;
  }

  /**
   * RFC 9111 §4.3.2: whether the caller's own conditional request, answered from `entry`, is a
   * 304. `If-None-Match` (weak comparison, RFC 9110 §13.1.2) takes precedence over
   * `If-Modified-Since` (§13.1.3), which compares with the stored `Last-Modified`, else its
   * `Date`, else when it was received. Only for GET and HEAD.
   */
  notModified(entry: CachedResponse, plan: RequestPlan): boolean {
    if (plan.method !== 'GET' && plan.method !== 'HEAD') return false;
    const ifNoneMatch = plan.header('if-none-match');
    if (ifNoneMatch !== undefined) {
      const etag = entry.etag;
      if (ifNoneMatch.trim() === '*') return true;
      if (etag === undefined) return false;
      const stored = opaqueTag(etag);
      return entityTags(ifNoneMatch).some((tag) => opaqueTag(tag) === stored);
    }
    const ifModifiedSince = plan.header('if-modified-since');
    if (ifModifiedSince === undefined) return false;
    const since = parseHttpDate(ifModifiedSince);
    if (since === undefined) return false;
    const headers = entry.headers;
    const modified =
      parseHttpDate(headers.get('last-modified') ?? '') ??
      parseHttpDate(headers.get('date') ?? '') ??
      entry.responseTime;
    return modified <= since;
  }

  /** The fields of a 304 made from `entry` (RFC 9110 §15.4.5: those a 200 would have carried that describe it for caches). */
  notModifiedHeaders(entry: CachedResponse): HeaderPair[] {
    const pairs = entry.headers.pairs();
    const hasEtag = pairs.some(([name]) => name === 'etag');
    return pairs.filter(([name]) => NOT_MODIFIED_FIELDS.has(name) || (name === 'last-modified' && !hasEtag));
  }

  // -------------------------------------------------------------------------------------------
  // Ranges (RFC 9110 §14, RFC 9111 §3.3–§3.4)

  /**
   * The answer to the request's byte range from a stored complete response (RFC 9110 §14.2):
   * a 206 with the bytes and `Content-Range`, or a 416 when the range is past its end;
   * `'full'` when the whole response is the answer (`If-Range` does not hold, or it is not a 200).
   */
  rangeOfComplete(entry: CachedResponse, plan: RequestPlan): CachedResponse | 'full' {
    const range = plan.range;
    if (range === undefined || entry.status !== 200 || !this.#ifRangeHolds(entry, plan)) return 'full';
    const length = entry.bodySize;
    const wanted = resolveRange(range, length);
    if (wanted === undefined) {
      return entry.with({
        status: 416,
        statusText: 'Range Not Satisfiable',
        body: new Uint8Array(0),
        headers: [
          ...withoutBodyFields(entry.headers.pairs()),
          ['content-range', `bytes */${length}`],
          ['content-length', '0'],
        ],
      });
    }
    return slice(entry, wanted.first, wanted.last, length, 0);
  }

  /**
   * The answer to the request's byte range from stored parts (206s of one representation), when
   * a fresh one holds it; `undefined` otherwise.
   */
  rangeOfParts(stored: StoredResponse | undefined, plan: RequestPlan, now: number): CachedResponse | undefined {
    const range = plan.range;
    if (range === undefined) return undefined;
    for (const part of partsOf(stored)) {
      const held = parseContentRange(part.headers.get('content-range'));
      if (
        held === undefined ||
        !this.selects(part, plan) ||
        this.use(part, plan, now) !== 'fresh' ||
        !this.#ifRangeHolds(part, plan)
      )
        continue;
      // The same range as the part was stored for: the origin's own answer to it, as it was.
      if (sameRange(part, plan.header('range'))) return part;
      const wanted = resolveRange(range, held.length);
      if (wanted !== undefined && wanted.first >= held.first && wanted.last <= held.last) {
        return slice(part, wanted.first, wanted.last, held.length, held.first);
      }
    }
    return undefined;
  }

  /** A fresh stored part that starts at byte 0, for a request of the whole: the rest is all the origin need send. */
  leadingPart(stored: StoredResponse | undefined, plan: RequestPlan, now: number): CachedResponse | undefined {
    if (plan.range !== undefined || plan.method !== 'GET') return undefined;
    return partsOf(stored).find(
      (part) =>
        parseContentRange(part.headers.get('content-range'))?.first === 0 &&
        this.selects(part, plan) &&
        this.use(part, plan, now) === 'fresh',
    );
  }

  /** The request headers that ask for what `part` lacks, if it is still the same representation (`If-Range`). */
  restOfHeaders(part: CachedResponse): HeaderPair[] {
    const held = parseContentRange(part.headers.get('content-range')) as ContentRange;
    const validator = strongEtag(part.etag) ?? part.lastModified;
    return [
      ['range', `bytes=${held.last + 1}-`],
      ...(validator === undefined ? [] : [['if-range', validator] as HeaderPair]),
    ];
  }

  /**
   * Whether a 206 may be stored as a part: a single byte range of known length (`Content-Range`),
   * and storable as its whole response would be (RFC 9111 §3.3, §3.4).
   */
  storablePart(plan: RequestPlan, response: ResponseFacts): Storable | NotStorable {
    if (response.status !== 206 || parseContentRange(headerValue(response.headers, 'content-range')) === undefined)
      return NO.partial;
    return this.storable(plan, { ...response, status: 200 });
  }

  /**
   * Stored parts plus a new one: the parts of the new one's representation (same length and
   * validator), the new one last; when together they hold every byte, the complete response
   * they make (RFC 9110 §15.3.7.3).
   */
  withPart(
    stored: StoredResponse | undefined,
    part: CachedResponse,
    maxParts: number,
  ): CachedResponse[] | CachedResponse {
    const held = parseContentRange(part.headers.get('content-range')) as ContentRange;
    const same = partsOf(stored).filter((p) => {
      const r = parseContentRange(p.headers.get('content-range'));
      return (
        r !== undefined &&
        r.length === held.length &&
        sameRepresentation(p, part) &&
        !(r.first === held.first && r.last === held.last)
      );
    });
    const parts = [...same.slice(Math.max(0, same.length - (maxParts - 1))), part];
    const complete = combine(parts, held.length);
    return complete ?? parts;
  }

  /** The complete response made of `part` (bytes 0–n) and the origin's 206 for the rest, when they fit together. */
  completed(
    part: CachedResponse,
    rest: ResponseFacts & { readonly body: Uint8Array },
  ): { headers: HeaderPair[]; body: Uint8Array } | undefined {
    const held = parseContentRange(part.headers.get('content-range'));
    const more = parseContentRange(headerValue(rest.headers, 'content-range'));
    if (
      held === undefined ||
      more === undefined ||
      rest.status !== 206 ||
      more.length !== held.length ||
      more.first !== held.last + 1 ||
      more.last !== held.length - 1 ||
      (part.etag !== undefined && strongEtag(headerValue(rest.headers, 'etag')) !== strongEtag(part.etag))
    ) {
      return undefined;
    }
    const body = Buffer.concat([part.bodyBuffer(), rest.body]);
    return { headers: [...withoutBodyFields(rest.headers), ['content-length', String(body.length)]], body };
  }

  /** RFC 9110 §13.1.5: `If-Range` holds for `entry` when absent, the same strong entity tag, or its exact Last-Modified date. */
  #ifRangeHolds(entry: CachedResponse, plan: RequestPlan): boolean {
    const ifRange = plan.header('if-range')?.trim();
    if (ifRange === undefined) return true;
    if (ifRange.startsWith('"') || /^W\//i.test(ifRange))
      return strongEtag(ifRange) !== undefined && strongEtag(ifRange) === strongEtag(entry.etag);
    const lastModified = entry.lastModified;
    return (
      lastModified !== undefined &&
      parseHttpDate(ifRange) !== undefined &&
      parseHttpDate(ifRange) === parseHttpDate(lastModified)
    );
  }

  /**
   * RFC 9110 §9.3.3: a response to a POST may answer a later GET of the same URI when it has
   * explicit freshness and a `Content-Location` equal to the POST's target. Whether this one
   * may (with cacheControl), and how it is stored for that GET.
   */
  postAsGet(plan: RequestPlan, response: ResponseFacts): Storable | NotStorable {
    if (plan.method !== 'POST' || !this.#settings.cacheControl || response.status < 200 || response.status >= 300)
      return NO.status;
    const location = headerValue(response.headers, 'content-location');
    let same = false;
    try {
      same = location !== undefined && new URL(location, plan.url).href === new URL(plan.url).href;
    } catch {
      // not a URL
    }
    const res = parseCacheControl(headerValue(response.headers, 'cache-control'));
    if (
      !same ||
      this.#explicitLifetime(res, response.headers, this.#settings.shared, response.responseTime) === undefined
    )
      return NO.status;
    return this.#storable(plan, response, res);
  }

  // -------------------------------------------------------------------------------------------
  // Invalidating (RFC 9111 §4.4)

  /**
   * The URLs whose stored responses a successful unsafe request invalidates: its target, and
   * a same-origin `Location` / `Content-Location`.
   */
  invalidationTargets(plan: RequestPlan, status: number, headers: readonly HeaderPair[]): string[] {
    if (!plan.invalidates || status >= 400 || plan.url === '') return [];
    let target: URL;
    try {
      target = new URL(plan.url);
    } catch {
      return [];
    }
    const urls = [target.href];
    for (const [name, value] of headers) {
      if (name !== 'location' && name !== 'content-location') continue;
      try {
        const other = new URL(value, target);
        if (other.origin === target.origin && !urls.includes(other.href)) urls.push(other.href);
      } catch {
        // not a URL: nothing to invalidate
      }
    }
    return urls;
  }
}

/** The current age of a stored response in ms (RFC 9111 §4.2.3): its corrected initial age plus its time in the cache. */
export function ageOf(entry: CachedResponse, now: number): number {
  return (entry.policy.initialAge ?? 0) + Math.max(0, now - entry.responseTime);
}

const DEFAULT_CODES: ReadonlySet<number> = new Set([200]);
/** What a 304 carries of the stored response (RFC 9110 §15.4.5). */
const NOT_MODIFIED_FIELDS: ReadonlySet<string> = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
]);

/**
 * True when `entry` has one `Content-Language` and it is the request's most preferred language
 * (the highest q-value, ties to the first; `*` and q=0 never count).
 */
function preferredLanguageServed(entry: CachedResponse, acceptLanguage: string | undefined): boolean {
  if (acceptLanguage === undefined) return false;
  const served = entry.headers.get('content-language')?.trim().toLowerCase();
  if (served === undefined || served === '' || served.includes(',')) return false;
  let best: string | undefined;
  let bestQ = 0;
  for (const part of acceptLanguage.split(',')) {
    const [range, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (!range || range === '*') continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > bestQ) {
      best = range;
      bestQ = q;
    }
  }
  return best === served;
}

/** The stored parts (206s) of what is stored under a URL's key. */
function partsOf(stored: StoredResponse | undefined): readonly CachedResponse[] {
  return responsesIn(stored).filter((r) => r.status === 206);
}

/** True when `part` was the answer to a request for exactly this `Range`. */
function sameRange(part: CachedResponse, range: string | undefined): boolean {
  if (range === undefined) return false;
  const normal = (value: string) => value.replace(/\s+/g, '').toLowerCase();
  return part.requestHeaders.some(([name, value]) => name === 'range' && normal(value) === normal(range));
}

/** A strong entity tag as it is (`undefined` for a weak or missing one): what strong comparison compares. */
function strongEtag(tag: string | undefined): string | undefined {
  const t = tag?.trim();
  return t === undefined || t === '' || /^W\//i.test(t) ? undefined : t;
}

/** Two parts of one representation: the same strong ETag, or (without one) the same Last-Modified. */
function sameRepresentation(a: CachedResponse, b: CachedResponse): boolean {
  const tag = strongEtag(a.etag);
  if (tag !== undefined || strongEtag(b.etag) !== undefined) return tag === strongEtag(b.etag);
  return a.lastModified !== undefined && a.lastModified === b.lastModified;
}

/** The fields of a response but those that describe its body's extent. */
function withoutBodyFields(headers: readonly HeaderPair[]): HeaderPair[] {
  return headers.filter(([name]) => name !== 'content-length' && name !== 'content-range');
}

/** Bytes `first`–`last` of a representation of `length` bytes, from `entry` whose body starts at byte `offset`: a 206. */
function slice(entry: CachedResponse, first: number, last: number, length: number, offset: number): CachedResponse {
  const body = entry.bodyBuffer().subarray(first - offset, last - offset + 1);
  return entry.with({
    status: 206,
    statusText: 'Partial Content',
    body,
    headers: [
      ...withoutBodyFields(entry.headers.pairs()),
      ['content-range', `bytes ${first}-${last}/${length}`],
      ['content-length', String(body.length)],
    ],
  });
}

/** The complete response `parts` make when they hold every byte of a representation of `length` bytes. */
function combine(parts: readonly CachedResponse[], length: number): CachedResponse | undefined {
  const sorted = parts
    .map((part) => ({ part, range: parseContentRange(part.headers.get('content-range')) as ContentRange }))
    .sort((a, b) => a.range.first - b.range.first);
  let next = 0;
  const chunks: Buffer[] = [];
  for (const { part, range } of sorted) {
    if (range.first > next) return undefined;
    if (range.last >= next) {
      chunks.push(part.bodyBuffer().subarray(next - range.first));
      next = range.last + 1;
    }
  }
  if (next !== length) return undefined;
  const newest = parts[parts.length - 1] as CachedResponse;
  const body = Buffer.concat(chunks);
  return newest.with({
    status: 200,
    statusText: 'OK',
    body,
    headers: [...withoutBodyFields(newest.headers.pairs()), ['content-length', String(body.length)]],
  });
}

/** The entity tags of an `If-None-Match` list (commas inside quotes kept). */
function entityTags(value: string): string[] {
  return value.match(/(?:[Ww]\/)?"[^"]*"|[^\s,]+/g) ?? [];
}

function isWeak(tag: string): boolean {
  return tag.startsWith('W/') || tag.startsWith('w/');
}

/** An entity tag without its weakness flag: what weak comparison compares (RFC 9110 §8.8.3.2). */
function opaqueTag(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') || t.startsWith('w/') ? t.slice(2) : t;
}
const NO_POLICY: CachePolicy = Object.freeze({});

/** RFC 9111 §4.2.3: the corrected initial age. */
function initialAgeOf(headers: readonly HeaderPair[], date: number, response: ResponseFacts): number {
  const apparentAge = Math.max(0, response.responseTime - date);
  const age = parseAge(headerValue(headers, 'age')) ?? 0;
  return Math.max(apparentAge, age + (response.responseTime - response.requestTime));
}

function policyOf(res: Directives, shared: boolean, initialAge: number): CachePolicy {
  const policy: { -readonly [K in keyof CachePolicy]: CachePolicy[K] } = {};
  if (res.has('no-cache')) policy.noCache = true;
  if (res.has('must-revalidate') || (shared && (res.has('proxy-revalidate') || res.has('s-maxage'))))
    policy.mustRevalidate = true;
  if (res.has('immutable')) policy.immutable = true;
  const swr = validDelta(res, 'stale-while-revalidate');
  const sie = validDelta(res, 'stale-if-error');
  if (swr) policy.staleWhileRevalidate = swr;
  if (sie) policy.staleIfError = sie;
  if (initialAge > 0) policy.initialAge = initialAge;
  return Object.keys(policy).length === 0 ? NO_POLICY : policy;
}
