import { CacheSerializationError, CacheVersionError } from './errors.js';
import { isFiniteNumber, isPlainObject } from './guards.js';
import { isAscii } from 'node:buffer';
import { CachedHeaders, flatGet, flattenHeaders, intern, pairsOfFlat, type HeaderPair } from './headers.js';

/** Version of the stored entry format. An entry of another version is a miss. */
export const FORMAT_VERSION = 2;

/** One redirect hop on the way to the final response. */
export interface RedirectHop {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

/** Freshness facts decided when the response was stored (see freshness.ts). */
export interface CachePolicy {
  /** Must be revalidated before every use (`no-cache`, or `max-age=0` with validators). */
  readonly noCache?: boolean;
  /** Never served stale, whatever the request allows (`must-revalidate`, `proxy-revalidate` when shared). */
  readonly mustRevalidate?: boolean;
  /** `stale-while-revalidate` window in ms. */
  readonly staleWhileRevalidate?: number;
  /** `stale-if-error` window in ms. */
  readonly staleIfError?: number;
  /** `immutable`: not revalidated on `refresh`. */
  readonly immutable?: boolean;
  /** Age in ms the response already had when received (RFC 9111 §4.2.3 corrected initial age). */
  readonly initialAge?: number;
}

/** The fields of a cached response. */
export interface CachedResponseInit {
  readonly method: string;
  /** The requested URL (normalised). */
  readonly url: string;
  /** The URL of the final response after redirects. */
  readonly finalUrl: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: readonly HeaderPair[];
  /** The exact bytes the origin sent, after content decoding. */
  readonly body: Uint8Array;
  /** Epoch ms when stored. */
  readonly createdAt: number;
  /** Epoch ms when it stops being fresh; `null` = never. */
  readonly expires: number | null;
  readonly history?: readonly RedirectHop[];
  /** What was sent, with ignored params and credentials redacted. */
  readonly requestHeaders?: readonly HeaderPair[];
  /** Epoch ms the request left and the response arrived (RFC 9111 §4.2.3). */
  readonly requestTime?: number;
  readonly responseTime?: number;
  readonly policy?: CachePolicy;
  /** Request header values selected by `Vary` when stored (`null`: absent; credentials as an HMAC). */
  readonly vary?: ReadonlyArray<readonly [name: string, value: string | null]>;
  /** Keys of the redirect aliases written with it (deleted with it). */
  readonly aliases?: readonly string[];
  /** Tags, for `invalidateTags`. */
  readonly tags?: readonly string[];
  /** The version of each tag when stored (one per tag); an entry is live while they are current. */
  readonly tagVersions?: readonly string[];
}

/** @internal The stored body; not exposed so no caller can mutate a shared entry. */
export const kBody: unique symbol = Symbol('axios-client-cache.body');
/** @internal The response headers as a flat `[name, value, …]` array. */
export const kHeaders: unique symbol = Symbol('axios-client-cache.headers');
const BRAND = Symbol.for('axios-client-cache.cached-response');

const EMPTY_HISTORY: readonly RedirectHop[] = Object.freeze([]);
const EMPTY_VARY: ReadonlyArray<readonly [string, string | null]> = Object.freeze([]);
const EMPTY_POLICY: CachePolicy = Object.freeze({});

/** The rarely set fields, shared by every entry that has none of them. */
interface Extra {
  /** Only when it differs from `url`. */
  readonly finalUrl: string | undefined;
  /** createdAt − responseTime (usually 0). */
  readonly responseAgo: number;
  readonly history: readonly RedirectHop[];
  readonly policy: CachePolicy;
  readonly vary: ReadonlyArray<readonly [string, string | null]>;
  readonly aliases: readonly string[];
  readonly tags: readonly string[];
  readonly tagVersions: readonly string[];
}
const EMPTY_STRINGS: readonly string[] = Object.freeze([]);
const EMPTY_EXTRA: Extra = Object.freeze({
  finalUrl: undefined,
  responseAgo: 0,
  history: EMPTY_HISTORY,
  policy: EMPTY_POLICY,
  vary: EMPTY_VARY,
  aliases: EMPTY_STRINGS,
  tags: EMPTY_STRINGS,
  tagVersions: EMPTY_STRINGS,
});

function frozenStrings(list: readonly string[] | undefined): readonly string[] {
  return list === undefined || list.length === 0 ? EMPTY_STRINGS : Object.freeze([...list]);
}

function extraOf(init: CachedResponseInit): Extra {
  const { history, policy, vary, aliases, tags, tagVersions } = init;
  const finalUrl = init.finalUrl === init.url ? undefined : init.finalUrl;
  const responseAgo = init.createdAt - (init.responseTime ?? init.createdAt);
  const noHistory = history === undefined || history.length === 0;
  const noPolicy = policy === undefined || policy === EMPTY_POLICY || Object.keys(policy).length === 0;
  const noVary = vary === undefined || vary.length === 0;
  const noLists = (aliases === undefined || aliases.length === 0) && (tags === undefined || tags.length === 0);
  if (noHistory && noPolicy && noVary && noLists && finalUrl === undefined && responseAgo === 0) return EMPTY_EXTRA;
  return Object.freeze({
    finalUrl,
    responseAgo,
    history: noHistory
      ? EMPTY_HISTORY
      : Object.freeze(history.map((h) => Object.freeze({ method: h.method, url: h.url, status: h.status }))),
    policy: noPolicy ? EMPTY_POLICY : Object.freeze({ ...policy }),
    vary: noVary ? EMPTY_VARY : Object.freeze(vary.map((p) => Object.freeze([p[0], p[1]] as const))),
    aliases: frozenStrings(aliases),
    tags: frozenStrings(tags),
    tagVersions: frozenStrings(tagVersions),
  });
}

/**
 * The clock of the backend that handed an entry out, when it is not `Date.now` (tests inject
 * one): `isExpired` follows it. Entries are frozen and shared, so it is kept beside them.
 */
const clocks = new WeakMap<CachedResponse, () => number>();

/** @internal `isExpired` of `entry` follows `clock` from now on. */
export function useClock(entry: CachedResponse, clock: () => number): void {
  if (clock !== Date.now) clocks.set(entry, clock);
}

/** UTF-8 text of non-ASCII bodies, made once per entry (entries themselves are frozen). */
const texts = new WeakMap<CachedResponse, string>();

/**
 * The body as kept in memory: an ASCII body (most JSON and text) as a one-byte string,
 * which costs its length plus a few bytes and is its own UTF-8 decoding; anything else as
 * bytes in an ArrayBuffer of its own (never a slice of Node's shared pool, which would pin
 * 8 KiB slabs for as long as the entry lives).
 */
type Body = string | Uint8Array;

function keepBody(body: Uint8Array): Body {
  if (body.byteLength > 0 && isAscii(body))
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  if (body.byteLength === 0) return '';
  return new Uint8Array(body);
}

function bodyBuffer(body: Body): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'latin1') : Buffer.from(body);
}

/**
 * A stored response: an immutable (frozen), serializable record. `body` returns a copy;
 * the adapter hands axios fresh data on every hit.
 */
export class CachedResponse {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly createdAt: number;
  // Memory matters here (a cache holds many entries): times are kept as small integer
  // offsets from createdAt (no boxed doubles), rarely used fields share one frozen empty
  // record, and both header lists share one flat array.
  /** expires − createdAt, or null. */
  readonly #expiresIn: number | null;
  /** createdAt − requestTime. */
  readonly #requestAgo: number;
  readonly #extra: Extra;
  /** Index in the flat header array where the request headers start. */
  readonly #split: number;
  /** @internal */
  readonly [kBody]: Body;
  /** @internal Response then request headers: `[n0, v0, n1, v1, …]`. */
  readonly [kHeaders]: readonly string[];

  constructor(init: CachedResponseInit) {
    this.method = intern(init.method);
    this.url = init.url;
    this.status = init.status;
    this.statusText = intern(init.statusText);
    if (!(init.body instanceof Uint8Array)) fail('body is not bytes');
    this[kBody] = keepBody(init.body);
    const createdAt = init.createdAt;
    this.createdAt = createdAt;
    this.#expiresIn = init.expires === null ? null : init.expires - createdAt;
    this.#requestAgo = createdAt - (init.requestTime ?? createdAt);
    const requestHeaders = init.requestHeaders ?? [];
    const flat = flattenHeaders(init.headers, requestHeaders);
    this.#split = flat.length - requestHeaders.length * 2;
    this[kHeaders] = flat;
    this.#extra = extraOf(init);
    if (new.target === CachedResponse) Object.freeze(this);
  }

  /** Epoch ms when it stops being fresh; `null` = never. */
  get expires(): number | null {
    const e = this.#expiresIn;
    return e === null ? null : this.createdAt + e;
  }

  /** Epoch ms the request left (RFC 9111 §4.2.3). */
  get requestTime(): number {
    return this.createdAt - this.#requestAgo;
  }

  /** Epoch ms the response arrived (RFC 9111 §4.2.3). */
  get responseTime(): number {
    return this.createdAt - this.#extra.responseAgo;
  }

  /** The URL of the final response after redirects. */
  get finalUrl(): string {
    return this.#extra.finalUrl ?? this.url;
  }

  /** Redirect hops on the way to the final response. */
  get history(): readonly RedirectHop[] {
    return this.#extra.history;
  }

  /** Freshness facts decided when stored. */
  get policy(): CachePolicy {
    return this.#extra.policy;
  }

  /** Request header values selected by `Vary` when stored (`null`: absent; credentials as an HMAC). */
  get vary(): ReadonlyArray<readonly [string, string | null]> {
    return this.#extra.vary;
  }

  /** Keys of the redirect aliases written with it. */
  get aliases(): readonly string[] {
    return this.#extra.aliases;
  }

  /** Tags, for `invalidateTags`. */
  get tags(): readonly string[] {
    return this.#extra.tags;
  }

  /** The version of each tag when stored (see {@link TagStore}). */
  get tagVersions(): readonly string[] {
    return this.#extra.tagVersions;
  }

  /** @internal Number of strings of response headers at the start of `[kHeaders]`. */
  get headerEnd(): number {
    return this.#split;
  }

  /**
   * True for a CachedResponse made by any copy of this package (an ESM and a CJS one
   * loaded side by side): decided by a global symbol brand, not the prototype chain.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== CachedResponse) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  /** Always true: this response came from the cache. */
  get fromCache(): true {
    return true;
  }

  /** Case-insensitive, multi-valued response headers. */
  get headers(): CachedHeaders {
    const flat = this[kHeaders];
    return new CachedHeaders([], this.#split === flat.length ? flat : flat.slice(0, this.#split));
  }

  /** What was sent, with ignored params and credentials redacted. */
  get requestHeaders(): readonly HeaderPair[] {
    return pairsOfFlat(this[kHeaders], this.#split);
  }

  /** A copy of the body bytes. */
  get body(): Uint8Array {
    const b = this[kBody];
    return typeof b === 'string' ? new Uint8Array(Buffer.from(b, 'latin1')) : b.slice();
  }

  /** @internal The body as a new Buffer (the caller owns it). */
  bodyBuffer(): Buffer {
    return bodyBuffer(this[kBody]);
  }

  /** Body length in bytes. */
  get bodySize(): number {
    const b = this[kBody];
    return typeof b === 'string' ? b.length : b.byteLength;
  }

  /** Size in bytes of the body plus headers; what bounded stores count. */
  get byteSize(): number {
    let n = this.bodySize + this.url.length + (this.#extra.finalUrl?.length ?? 0) + 64;
    const flat = this[kHeaders];
    for (let i = 0; i < this.#split; i++) n += (flat[i] as string).length + 2;
    return n;
  }

  /** True when no longer fresh at `now`. */
  isExpiredAt(now: number): boolean {
    return this.expires !== null && this.expires <= now;
  }

  /** True when no longer fresh (on the clock of the backend that handed it out). */
  get isExpired(): boolean {
    return this.isExpiredAt((clocks.get(this) ?? Date.now)());
  }

  /** Response `ETag`, if any. */
  get etag(): string | undefined {
    return flatGet(this[kHeaders], 'etag', this.#split);
  }

  /** Response `Last-Modified`, if any. */
  get lastModified(): string | undefined {
    return flatGet(this[kHeaders], 'last-modified', this.#split);
  }

  /** The body decoded as UTF-8 (a BOM, if any, is kept). */
  text(): string {
    const b = this[kBody];
    if (typeof b === 'string') return b;
    let t = texts.get(this);
    if (t === undefined) texts.set(this, (t = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')));
    return t;
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** The fields, for making a changed copy. */
  toInit(): CachedResponseInit {
    return {
      method: this.method,
      url: this.url,
      finalUrl: this.finalUrl,
      status: this.status,
      statusText: this.statusText,
      headers: pairsOfFlat(this[kHeaders], 0, this.#split),
      body: this.#bytes(),
      createdAt: this.createdAt,
      expires: this.expires,
      history: this.history,
      requestHeaders: this.requestHeaders,
      requestTime: this.requestTime,
      responseTime: this.responseTime,
      policy: this.policy,
      vary: this.vary,
      aliases: this.aliases,
      tags: this.tags,
      tagVersions: this.tagVersions,
    };
  }

  /** A copy with some fields replaced. */
  with(changes: Partial<CachedResponseInit>): CachedResponse {
    return new CachedResponse({ ...this.toInit(), ...changes });
  }

  /** The plain, versioned record a serializer packs. */
  toRecord(): ResponseRecord {
    return {
      t: 'response',
      v: FORMAT_VERSION,
      method: this.method,
      url: this.url,
      finalUrl: this.finalUrl,
      status: this.status,
      statusText: this.statusText,
      headers: pairsOfFlat(this[kHeaders], 0, this.#split).map(([k, v]) => [k, v]),
      body: this.#bytes(),
      createdAt: this.createdAt,
      expires: this.expires,
      history: this.history.map((h) => ({ method: h.method, url: h.url, status: h.status })),
      requestHeaders: this.requestHeaders.map(([k, v]) => [k, v]),
      requestTime: this.requestTime,
      responseTime: this.responseTime,
      policy: { ...this.policy },
      vary: this.vary.map(([k, v]) => [k, v]),
      aliases: [...this.aliases],
      tags: [...this.tags],
      tagVersions: [...this.tagVersions],
    };
  }

  #bytes(): Uint8Array {
    const b = this[kBody];
    return typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  }

  /**
   * Rebuilds a response from a record, checking every field's type.
   * @throws CacheSerializationError on a wrong shape or an unknown format version.
   */
  static fromRecord(raw: unknown): CachedResponse {
    const r = raw as Record<string, unknown>;
    if (!isPlainObject(r) || r.t !== 'response') fail('not a response record');
    if (r.v !== FORMAT_VERSION)
      throw new CacheVersionError(
        `Stored entry has format version ${String(r.v)}; this release reads ${FORMAT_VERSION}`,
      );
    const body = r.body;
    if (!(body instanceof Uint8Array)) fail('body is not bytes');
    const policy = r.policy ?? {};
    if (!isPlainObject(policy)) fail('policy');
    for (const [k, v] of Object.entries(policy)) {
      if (!POLICY_FIELDS.has(k) || !(typeof v === 'boolean' || isFiniteNumber(v))) fail(`policy.${k}`);
    }
    const expires = r.expires;
    if (!(expires === null || isFiniteNumber(expires))) fail('expires');
    const history = r.history ?? [];
    if (
      !Array.isArray(history) ||
      !history.every((h) => isPlainObject(h) && isString(h.method) && isString(h.url) && isFiniteNumber(h.status))
    )
      fail('history');
    const vary = r.vary ?? [];
    if (
      !Array.isArray(vary) ||
      !vary.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && (p[1] === null || isString(p[1])))
    )
      fail('vary');
    const aliases = r.aliases ?? [];
    if (!Array.isArray(aliases) || !aliases.every(isString)) fail('aliases');
    const tags = r.tags ?? [];
    if (!Array.isArray(tags) || !tags.every(isString)) fail('tags');
    const tagVersions = r.tagVersions ?? [];
    if (!Array.isArray(tagVersions) || !tagVersions.every(isString) || tagVersions.length !== tags.length)
      fail('tagVersions');
    for (const f of ['method', 'url', 'finalUrl', 'statusText'] as const) if (!isString(r[f])) fail(f);
    for (const f of ['status', 'createdAt', 'requestTime', 'responseTime'] as const) if (!isFiniteNumber(r[f])) fail(f);
    return new CachedResponse({
      method: r.method as string,
      url: r.url as string,
      finalUrl: r.finalUrl as string,
      status: r.status as number,
      statusText: r.statusText as string,
      headers: pairsOf(r.headers, 'headers'),
      body,
      createdAt: r.createdAt as number,
      expires: expires as number | null,
      history: history as RedirectHop[],
      requestHeaders: pairsOf(r.requestHeaders ?? [], 'requestHeaders'),
      requestTime: r.requestTime as number,
      responseTime: r.responseTime as number,
      policy: policy as CachePolicy,
      vary: vary as Array<[string, string | null]>,
      aliases: aliases as string[],
      tags: tags as string[],
      tagVersions: tagVersions as string[],
    });
  }
}

/** The serialized form of a {@link CachedResponse}. */
export interface ResponseRecord {
  t: 'response';
  v: number;
  method: string;
  url: string;
  finalUrl: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  createdAt: number;
  expires: number | null;
  history: RedirectHop[];
  requestHeaders: Array<[string, string]>;
  requestTime: number;
  responseTime: number;
  policy: CachePolicy;
  vary: Array<[string, string | null]>;
  aliases: string[];
  tags: string[];
  tagVersions: string[];
}

const POLICY_FIELDS = new Set([
  'noCache',
  'mustRevalidate',
  'staleWhileRevalidate',
  'staleIfError',
  'immutable',
  'initialAge',
]);

function fail(what: string): never {
  throw new CacheSerializationError(`Stored entry has a wrong shape: ${what}`);
}
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
/** A field name (RFC 9110 §5.1 token) and a value without control characters but tab (§5.5): what an HTTP parser gives. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FIELD_VALUE_INVALID = /[\u0000-\u0008\u000a-\u001f\u007f]/;

function pairsOf(v: unknown, what: string): HeaderPair[] {
  if (
    !Array.isArray(v) ||
    !v.every(
      (p) =>
        Array.isArray(p) &&
        p.length === 2 &&
        isString(p[0]) &&
        isString(p[1]) &&
        FIELD_NAME.test(p[0]) &&
        !FIELD_VALUE_INVALID.test(p[1]),
    )
  )
    fail(what);
  return v as HeaderPair[];
}

const VARIANTS_BRAND = Symbol.for('axios-client-cache.cached-variants');

/**
 * The variants of one URL (responses with `Vary`, each for other selecting request headers),
 * kept as one immutable entry under the URL's key: one read finds them all, and deleting the
 * key deletes every variant. Newest last.
 */
export class CachedVariants {
  readonly variants: readonly CachedResponse[];

  constructor(variants: readonly CachedResponse[]) {
    if (variants.length === 0 || !variants.every((v) => v instanceof CachedResponse)) fail('variants');
    this.variants = Object.freeze([...variants]);
    if (new.target === CachedVariants) Object.freeze(this);
  }

  /** True for a CachedVariants made by any copy of this package. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== CachedVariants) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === 'object' && value !== null && (value as { [VARIANTS_BRAND]?: unknown })[VARIANTS_BRAND] === true
    );
  }

  /** The most recently stored variant. */
  get newest(): CachedResponse {
    return this.variants[this.variants.length - 1] as CachedResponse;
  }

  /** The sum of the variants' sizes; what bounded stores count. */
  get byteSize(): number {
    let n = 0;
    for (const v of this.variants) n += v.byteSize;
    return n;
  }

  /** The plain, versioned record a serializer packs. */
  toRecord(): VariantsRecord {
    return { t: 'variants', v: FORMAT_VERSION, variants: this.variants.map((v) => v.toRecord()) };
  }

  /**
   * Rebuilds the variants from a record, checking every field.
   * @throws CacheSerializationError on a wrong shape or an unknown format version.
   */
  static fromRecord(raw: unknown): CachedVariants {
    const r = raw as Record<string, unknown>;
    if (!isPlainObject(r) || r.t !== 'variants') fail('not a variants record');
    if (r.v !== FORMAT_VERSION)
      throw new CacheVersionError(
        `Stored entry has format version ${String(r.v)}; this release reads ${FORMAT_VERSION}`,
      );
    const variants = r.variants;
    if (!Array.isArray(variants) || variants.length === 0 || variants.length > MAX_VARIANTS_READ) fail('variants');
    return new CachedVariants(variants.map((v) => CachedResponse.fromRecord(v)));
  }
}

/** The serialized form of {@link CachedVariants}. */
export interface VariantsRecord {
  t: 'variants';
  v: number;
  variants: ResponseRecord[];
}

/** Most variants a stored entry may hold when read (a bound on what an untrusted store can make us decode). */
const MAX_VARIANTS_READ = 256;

/** What a response store keeps under a key: one response, or the variants of one URL. */
export type StoredResponse = CachedResponse | CachedVariants;

/** The responses in a stored item: itself, or a URL's variants (newest last); none when nothing is stored. */
export function responsesIn(item: StoredResponse | undefined): readonly CachedResponse[] {
  return item === undefined ? [] : item instanceof CachedVariants ? item.variants : [item];
}

/** The response that stands for a stored item: itself, or the newest of a URL's variants. */
export function newestIn(item: StoredResponse): CachedResponse {
  return item instanceof CachedVariants ? item.newest : item;
}

/**
 * True for an item that can be shared between reads because it never changes: a frozen
 * `CachedResponse` or `CachedVariants`, or a primitive (an alias is a string).
 */
export function isImmutableItem(item: unknown): boolean {
  return (
    item instanceof CachedResponse ||
    item instanceof CachedVariants ||
    item === null ||
    (typeof item !== 'object' && typeof item !== 'function')
  );
}

/** Items a store keeps: responses (one, or a URL's variants), and redirect aliases (the key of a response). */
export type CacheItem = CachedResponse | CachedVariants | string;

/** Plain form of an item for a serializer. */
export function encodeItem(item: unknown): unknown {
  return item instanceof CachedResponse || item instanceof CachedVariants ? item.toRecord() : item;
}

/** Item from its plain form; a response or variants record is checked and rebuilt. */
export function decodeItem(raw: unknown): unknown {
  if (typeof raw === 'object' && raw !== null) {
    const t = (raw as { t?: unknown }).t;
    if (t === 'response') return CachedResponse.fromRecord(raw);
    if (t === 'variants') return CachedVariants.fromRecord(raw);
  }
  return raw;
}

Object.defineProperty(CachedResponse.prototype, BRAND, { value: true });
Object.defineProperty(CachedVariants.prototype, VARIANTS_BRAND, { value: true });
