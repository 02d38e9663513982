import { CacheSerializationError } from './errors.js';
import { CachedHeaders, type HeaderPair } from './headers.js';

/** Version of the stored entry format. An entry of another version is a miss. */
export const FORMAT_VERSION = 1;

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
  /** Request header values selected by `Vary` when stored (`null`: absent). */
  readonly vary?: ReadonlyArray<readonly [name: string, value: string | null]>;
}

/** @internal The stored bytes; not exposed so no caller can mutate a shared entry. */
export const kBody: unique symbol = Symbol('axios-client-cache.body');
const kText = Symbol('axios-client-cache.text');

/**
 * A stored response: an immutable, serializable record. `body` returns a copy; the
 * adapter hands axios fresh data on every hit.
 */
export class CachedResponse {
  readonly method: string;
  readonly url: string;
  readonly finalUrl: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: CachedHeaders;
  readonly createdAt: number;
  readonly expires: number | null;
  readonly history: readonly RedirectHop[];
  readonly requestHeaders: readonly HeaderPair[];
  readonly requestTime: number;
  readonly responseTime: number;
  readonly policy: CachePolicy;
  readonly vary: ReadonlyArray<readonly [string, string | null]>;
  /** Always true: this response came from the cache. */
  readonly fromCache = true as const;
  /** @internal */
  readonly [kBody]: Buffer;
  /** @internal the body decoded as UTF-8, made once */
  private [kText]: string | undefined;

  constructor(init: CachedResponseInit) {
    this.method = init.method;
    this.url = init.url;
    this.finalUrl = init.finalUrl;
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = new CachedHeaders(init.headers);
    this[kBody] = Buffer.from(init.body);
    this.createdAt = init.createdAt;
    this.expires = init.expires;
    this.history = Object.freeze((init.history ?? []).map((h) => Object.freeze({ ...h })));
    this.requestHeaders = Object.freeze((init.requestHeaders ?? []).map((p) => Object.freeze([p[0], p[1]] as const)));
    this.requestTime = init.requestTime ?? init.createdAt;
    this.responseTime = init.responseTime ?? init.createdAt;
    this.policy = Object.freeze({ ...init.policy });
    this.vary = Object.freeze((init.vary ?? []).map((p) => Object.freeze([p[0], p[1]] as const)));
    this[kText] = undefined;
  }

  /** A copy of the body bytes. */
  get body(): Uint8Array {
    return Uint8Array.prototype.slice.call(this[kBody]);
  }

  /** Size in bytes of the body plus headers; what bounded stores count. */
  get byteSize(): number {
    let n = this[kBody].byteLength + this.url.length + this.finalUrl.length + 64;
    for (const [k, v] of this.headers) n += k.length + v.length + 4;
    return n;
  }

  /** True when no longer fresh at `now` (default: the current time). */
  isExpiredAt(now: number): boolean {
    return this.expires !== null && this.expires <= now;
  }

  /** True when no longer fresh. */
  get isExpired(): boolean {
    return this.isExpiredAt(Date.now());
  }

  /** Response `ETag`, if any. */
  get etag(): string | undefined {
    return this.headers.get('etag');
  }

  /** Response `Last-Modified`, if any. */
  get lastModified(): string | undefined {
    return this.headers.get('last-modified');
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return (this[kText] ??= this[kBody].toString('utf8'));
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** The fields, for making a changed copy. */
  toInit(): CachedResponseInit {
    return {
      method: this.method, url: this.url, finalUrl: this.finalUrl, status: this.status,
      statusText: this.statusText, headers: this.headers.pairs(), body: this[kBody],
      createdAt: this.createdAt, expires: this.expires, history: this.history,
      requestHeaders: this.requestHeaders, requestTime: this.requestTime,
      responseTime: this.responseTime, policy: this.policy, vary: this.vary,
    };
  }

  /** A copy with some fields replaced. */
  with(changes: Partial<CachedResponseInit>): CachedResponse {
    return new CachedResponse({ ...this.toInit(), ...changes });
  }

  /** The plain, versioned record a serializer packs. */
  toRecord(): ResponseRecord {
    return {
      t: 'response', v: FORMAT_VERSION, method: this.method, url: this.url, finalUrl: this.finalUrl,
      status: this.status, statusText: this.statusText,
      headers: this.headers.pairs().map(([k, v]) => [k, v]), body: this[kBody],
      createdAt: this.createdAt, expires: this.expires,
      history: this.history.map((h) => ({ method: h.method, url: h.url, status: h.status })),
      requestHeaders: this.requestHeaders.map(([k, v]) => [k, v]),
      requestTime: this.requestTime, responseTime: this.responseTime,
      policy: { ...this.policy }, vary: this.vary.map(([k, v]) => [k, v]),
    };
  }

  /**
   * Rebuilds a response from a record, checking every field's type.
   * @throws CacheSerializationError on a wrong shape or an unknown format version.
   */
  static fromRecord(raw: unknown): CachedResponse {
    const r = raw as Record<string, unknown>;
    if (!isPlainObject(r) || r['t'] !== 'response') fail('not a response record');
    if (r['v'] !== FORMAT_VERSION) fail(`unknown format version ${String(r['v'])}`);
    const body = r['body'];
    if (!(body instanceof Uint8Array)) fail('body is not bytes');
    const policy = r['policy'] ?? {};
    if (!isPlainObject(policy)) fail('policy');
    for (const [k, v] of Object.entries(policy)) {
      if (!POLICY_FIELDS.has(k) || !(typeof v === 'boolean' || isFiniteNumber(v))) fail(`policy.${k}`);
    }
    const expires = r['expires'];
    if (!(expires === null || isFiniteNumber(expires))) fail('expires');
    const history = r['history'] ?? [];
    if (!Array.isArray(history) || !history.every((h) => isPlainObject(h) && isString(h['method']) && isString(h['url']) && isFiniteNumber(h['status']))) fail('history');
    const vary = r['vary'] ?? [];
    if (!Array.isArray(vary) || !vary.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && (p[1] === null || isString(p[1])))) fail('vary');
    for (const f of ['method', 'url', 'finalUrl', 'statusText'] as const) if (!isString(r[f])) fail(f);
    for (const f of ['status', 'createdAt', 'requestTime', 'responseTime'] as const) if (!isFiniteNumber(r[f])) fail(f);
    return new CachedResponse({
      method: r['method'] as string, url: r['url'] as string, finalUrl: r['finalUrl'] as string,
      status: r['status'] as number, statusText: r['statusText'] as string,
      headers: pairsOf(r['headers'], 'headers'), body, createdAt: r['createdAt'] as number,
      expires: expires as number | null, history: history as RedirectHop[],
      requestHeaders: pairsOf(r['requestHeaders'] ?? [], 'requestHeaders'),
      requestTime: r['requestTime'] as number, responseTime: r['responseTime'] as number,
      policy: policy as CachePolicy, vary: vary as Array<[string, string | null]>,
    });
  }
}

/** The serialized form of a {@link CachedResponse}. */
export interface ResponseRecord {
  t: 'response';
  v: number;
  method: string; url: string; finalUrl: string; status: number; statusText: string;
  headers: Array<[string, string]>; body: Uint8Array; createdAt: number; expires: number | null;
  history: RedirectHop[]; requestHeaders: Array<[string, string]>; requestTime: number;
  responseTime: number; policy: CachePolicy; vary: Array<[string, string | null]>;
}

const POLICY_FIELDS = new Set(['noCache', 'mustRevalidate', 'staleWhileRevalidate', 'staleIfError', 'immutable', 'initialAge']);

function fail(what: string): never {
  throw new CacheSerializationError(`Stored entry has a wrong shape: ${what}`);
}
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function pairsOf(v: unknown, what: string): HeaderPair[] {
  if (!Array.isArray(v) || !v.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && isString(p[1]))) fail(what);
  return v as HeaderPair[];
}

/** Items a store keeps: responses, and redirect aliases (the key of a response). */
export type CacheItem = CachedResponse | string;

/** Plain form of an item for a serializer. */
export function encodeItem(item: unknown): unknown {
  return item instanceof CachedResponse ? item.toRecord() : item;
}

/** Item from its plain form; a response record is checked and rebuilt. */
export function decodeItem(raw: unknown): unknown {
  if (typeof raw === 'object' && raw !== null && (raw as { t?: unknown }).t === 'response') return CachedResponse.fromRecord(raw);
  return raw;
}
