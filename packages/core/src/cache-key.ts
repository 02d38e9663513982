/**
 * Cache keys: a sha256 over a canonical, unambiguous encoding of a request: equal requests give
 * equal keys, and different requests never share one.
 *
 * The encoding is `JSON.stringify([version, METHOD, normalisedUrl, headers | null])` followed by
 * the canonical body bytes. A JSON array is self-delimiting (its end is found by bracket matching
 * outside strings), so no field can bleed into the next and the body can be appended raw.
 *
 * This module never imports axios at runtime: requests are described structurally.
 */
import * as crypto from 'node:crypto';
import { CacheConfigError, describeValue, invalidOption } from './errors.js';
import { headerFields, headerText, readHeader } from './headers.js';
import { isPlainObject } from './guards.js';

/** The parts of a request that decide its cache key. Field meanings follow axios's config. */
export interface KeyRequestParts {
  /** HTTP method, any case. @defaultValue `'GET'` */
  method?: string;
  /** Absolute URL, or a URL relative to `baseURL`. */
  url?: string;
  /** Joined to a relative `url` by string concatenation, as axios does. */
  baseURL?: string;
  /** axios semantics: when `false`, `baseURL` is prefixed even to absolute URLs. @defaultValue `true` */
  allowAbsoluteUrls?: boolean;
  /**
   * Query parameters merged into the URL's own: a plain object (values: primitives, arrays,
   * nested objects, Dates; flattened like axios does), a `URLSearchParams`, or `undefined`.
   */
  params?: unknown;
  /**
   * The request body: `undefined`/`null`, a string, bytes (Buffer, Uint8Array, ArrayBuffer, any
   * typed array or DataView), a `URLSearchParams`, or a plain object/array (sent as JSON).
   * Anything else (FormData, Blob, streams, class instances) makes the request uncacheable:
   * key functions throw a {@link CacheConfigError} whose message starts with
   * `Uncacheable request body:` so the caller can send the request around the cache.
   */
  data?: unknown;
  /**
   * Request headers: a plain object or an axios `AxiosHeaders` (anything with `toJSON()`).
   * Values may be string, number, boolean, string[], null or undefined; `null`, `undefined` and
   * `false` mean "not sent", as in axios.
   */
  headers?: unknown;
}

/** What goes into a key besides the method, URL and body. */
export interface KeyOptions {
  /**
   * `true`: every request header is part of the key; an array: only the named headers
   * (case-insensitive); `false`: none.
   * @defaultValue `false`
   */
  includeHeaders?: boolean | readonly string[];
  /**
   * Names removed from the query (a name also removes its bracketed forms: `filter` removes
   * `filter[a]` and `filter[]`), from the top-level keys of JSON and form bodies and from the
   * headers (case-insensitive) before hashing. Use it for credentials and cache-busters.
   * @defaultValue `[]`
   */
  ignoredParams?: readonly string[];
}

/**
 * What a request sends besides method, URL, body and headers that changes the answer, and so
 * enters the key: credentials (as an HMAC, never in clear), a `Host` header, `decompress: false`
 * (the stored body is then the raw encoded bytes), `maxRedirects: 0` (the answer is the redirect
 * itself) and a `socketPath` (another server behind the same URL).
 */
export interface KeyExtras {
  /** HMAC-SHA256 hex of the request's credentials; see request-plan.ts. */
  readonly credentials?: string | undefined;
  /** The `Host` header, lower case. */
  readonly host?: string | undefined;
  /** `decompress: false`. */
  readonly raw?: boolean | undefined;
  /** `maxRedirects: 0`. */
  readonly noRedirects?: boolean | undefined;
  readonly socketPath?: string | undefined;
}

const KEY_VERSION = 'acc1';
const DEFAULT_MEMO_SIZE = 4096;
/** String bodies longer than this are not used as memo keys (they would bloat the memo). */
const MAX_MEMO_BODY = 4096;
/** Request headers never stored in clear: credentials (docs/guide.md, "Shared caches") and common API-key headers. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
]);
const REDACTED = 'REDACTED';

// ---------------------------------------------------------------------------------------------
// Options

interface ResolvedKeyOptions {
  readonly includeAll: boolean;
  readonly include: ReadonlySet<string> | null;
  readonly ignored: ReadonlySet<string>;
  readonly ignoredLower: ReadonlySet<string>;
}

const NO_IGNORED: ReadonlySet<string> = new Set();

function resolveKeyOptions(options: KeyOptions | undefined): ResolvedKeyOptions {
  const includeHeaders = options?.includeHeaders ?? false;
  const ignoredParams = options?.ignoredParams ?? [];
  let include: Set<string> | null = null;
  if (Array.isArray(includeHeaders)) {
    for (const name of includeHeaders) {
      if (typeof name !== 'string')
        invalidOption('includeHeaders', includeHeaders, 'a boolean or an array of header names');
    }
    include = new Set(includeHeaders.map((h: string) => h.toLowerCase()));
  } else if (typeof includeHeaders !== 'boolean') {
    invalidOption('includeHeaders', includeHeaders, 'a boolean or an array of header names');
  }
  if (!Array.isArray(ignoredParams) || ignoredParams.some((p) => typeof p !== 'string')) {
    invalidOption('ignoredParams', ignoredParams, 'an array of parameter names');
  }
  const ignored = ignoredParams.length === 0 ? NO_IGNORED : new Set<string>(ignoredParams);
  return {
    includeAll: includeHeaders === true,
    include,
    ignored,
    ignoredLower: ignored.size === 0 ? NO_IGNORED : new Set([...ignored].map((p) => p.toLowerCase())),
  };
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding

const HEX = '0123456789ABCDEF';
const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
// Sub-delims, ':', '@' and '/' may appear raw in a path; encoding them would change its meaning.
const PATH_KEEP = new Set("!$&'()*+,;=:@/");
/** A path of unreserved and kept characters only: already canonical (most paths). */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const NO_KEEP: ReadonlySet<string> = new Set();

function isUnreservedByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2e ||
    b === 0x5f ||
    b === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Replaces lone surrogates with U+FFFD, as UTF-8 encoders (and `new URL`) do. */
function wellFormed(s: string): string {
  return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, '\uFFFD') : s;
}

/** Percent-encodes a decoded string: everything but the unreserved characters, as UTF-8. */
function encodeComponent(s: string): string {
  if (ALL_UNRESERVED.test(s)) return s;
  return encodeURIComponent(wellFormed(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Normalises an already-encoded URL component without decoding it into a string (so invalid
 * UTF-8 stays distinct): `%XX` of an unreserved character is decoded, other escapes get
 * upper-case hex, a `%` that starts no escape becomes `%25`, characters outside the unreserved
 * set and `keep` are encoded, and (in queries and form bodies) `+` is a space.
 */
function canonicalComponent(raw: string, keep: ReadonlySet<string>, plusIsSpace: boolean): string {
  if (keep === PATH_KEEP ? PLAIN_PATH.test(raw) : ALL_UNRESERVED.test(raw)) return raw;
  let out = '';
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const h = i + 2 < n ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexValue(raw.charCodeAt(i + 2)) : -1;
      if (l >= 0) {
        const b = h * 16 + l;
        out += isUnreservedByte(b) ? String.fromCharCode(b) : `%${HEX[h]}${HEX[l]}`;
        i += 2;
      } else {
        out += '%25';
      }
    } else if (c === 0x2b /* + */ && plusIsSpace) {
      out += '%20';
    } else if (c < 0x80) {
      // encodeURIComponent would leave !'()* alone: encode ASCII by hand.
      out += isUnreservedByte(c) || keep.has(raw[i] as string) ? raw[i] : `%${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (raw.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += encodeURIComponent(raw.slice(i, i + 2));
      i++;
    } else {
      out += encodeURIComponent((c & 0xf800) === 0xd800 ? '\uFFFD' : (raw[i] as string));
    }
  }
  return out;
}

/** Form/query decoding for comparisons only: `+` is a space; undecodable text is kept. */
function decodeLoose(raw: string): string {
  const s = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Query parameters

/** A (name, value) pair, both in canonical encoding. */
type Pair = [string, string];

function parseQueryString(query: string, out: Pair[]): void {
  if (query.length === 0) return;
  for (const piece of query.split('&')) {
    if (piece.length === 0) continue;
    const eq = piece.indexOf('=');
    // `a` and `a=` are the same parameter to every server framework, so they share a key.
    const name = eq === -1 ? piece : piece.slice(0, eq);
    const value = eq === -1 ? '' : piece.slice(eq + 1);
    out.push([canonicalComponent(name, NO_KEEP, true), canonicalComponent(value, NO_KEEP, true)]);
  }
}

function isURLSearchParams(value: unknown): value is URLSearchParams {
  return (
    value instanceof URLSearchParams ||
    (typeof value === 'object' &&
      value !== null &&
      Object.prototype.toString.call(value) === '[object URLSearchParams]')
  );
}

function isVisitable(value: unknown): value is Record<string, unknown> | unknown[] {
  return Array.isArray(value) || isPlainObject(value);
}

function removeBrackets(key: string): string {
  return key.endsWith('[]') ? key.slice(0, -2) : key;
}

function paramValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Flattens a params object exactly as axios's default serializer (`toFormData` visitor with
 * `dots: false`, `indexes: false`) names it, so `{ a: [1, 2] }` has the key of `?a[]=1&a[]=2`.
 */
function flattenParams(params: object, out: Pair[]): void {
  const push = (name: string, value: unknown): void => {
    out.push([encodeComponent(name), encodeComponent(paramValue(value))]);
  };
  const renderKey = (path: string[] | undefined, key: string): string =>
    path
      ? path
          .concat(key)
          .map((token, i) => (i ? `[${removeBrackets(token)}]` : removeBrackets(token)))
          .join('')
      : key;
  const stack: object[] = [];
  const build = (value: object, path: string[] | undefined): void => {
    if (stack.includes(value))
      throw new CacheConfigError(`Invalid params: circular reference at ${describeValue(path?.join('.') ?? '')}`);
    stack.push(value);
    const isArray = Array.isArray(value);
    for (const rawKey of Object.keys(value)) {
      const el = (value as Record<string, unknown>)[rawKey];
      if (el === undefined || el === null) continue;
      const key = isArray ? rawKey : rawKey.trim();
      if (typeof el === 'object' && !path) {
        if (key.endsWith('{}')) {
          // axios sends JSON.stringify(el); canonical JSON keys it by value, like a JSON body.
          push(key, canonicalJson(el, NO_IGNORED));
          continue;
        }
        if (Array.isArray(el) && (key.endsWith('[]') || !el.some(isVisitable))) {
          const name = `${removeBrackets(key)}[]`;
          for (const item of el) if (item !== undefined && item !== null) push(name, item);
          continue;
        }
      }
      if (isVisitable(el)) build(el, path ? path.concat(key) : [key]);
      else push(renderKey(path, key), el);
    }
    stack.pop();
  };
  build(params, undefined);
}

function paramsPairs(params: unknown, out: Pair[]): void {
  if (params === undefined || params === null) return;
  if (isURLSearchParams(params)) {
    for (const [name, value] of params) out.push([encodeComponent(name), encodeComponent(value)]);
    return;
  }
  if (typeof params !== 'object') invalidOption('params', params, 'a plain object or a URLSearchParams');
  flattenParams(params, out);
}

function isIgnoredName(decodedName: string, ignored: ReadonlySet<string>): boolean {
  if (ignored.has(decodedName)) return true;
  const bracket = decodedName.indexOf('[');
  return bracket > 0 && ignored.has(decodedName.slice(0, bracket));
}

function filterIgnored(pairs: Pair[], ignored: ReadonlySet<string>): Pair[] {
  if (ignored.size === 0) return pairs;
  return pairs.filter(([name]) => !isIgnoredName(decodeLoose(name), ignored));
}

function sortPairs(pairs: Pair[]): Pair[] {
  // Array.prototype.sort is stable: values of one name keep their order.
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function joinPairs(pairs: Pair[]): string {
  let s = '';
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as Pair;
    s += `${(i ? '&' : '') + p[0]}=${p[1]}`;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// URLs

const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * Joins `url` to `baseURL` exactly as axios's `buildFullPath`/`combineURLs` do: by string
 * concatenation (`'https://a.com/v1'` + `'/users'` → `'https://a.com/v1/users'`, not RFC 3986
 * resolution), keeping an absolute `url` as is unless `allowAbsoluteUrls` is `false`.
 */
export function resolveUrl(url: string | undefined, baseURL: string | undefined, allowAbsoluteUrls?: boolean): string {
  const isRelative = typeof url !== 'string' || !ABSOLUTE_URL.test(url);
  if (baseURL && (isRelative || allowAbsoluteUrls === false)) {
    if (!url) return baseURL;
    let end = baseURL.length;
    while (end > 0 && baseURL.charCodeAt(end - 1) === 47) end--;
    return `${baseURL.slice(0, end)}/${url.replace(/^\/+/, '')}`;
  }
  return url ?? '';
}

function parseAbsolute(full: string): URL {
  try {
    return new URL(full);
  } catch {
    throw new CacheConfigError(
      `Invalid url: ${describeValue(full)} (expected an absolute URL, or a path with a baseURL)`,
    );
  }
}

function normalizeWith(parts: KeyRequestParts, ignored: ReadonlySet<string>): string {
  const u = parseAbsolute(resolveUrl(parts.url, parts.baseURL, parts.allowAbsoluteUrls));
  // WHATWG URL has already lower-cased scheme and host, dropped the default port, removed dot
  // segments and percent-encoded non-ASCII; what is left is the choice between equivalent escapes.
  // User info is a credential: it is left out here and keyed as one (KeyExtras.credentials).
  const path = canonicalComponent(u.pathname, PATH_KEEP, false);
  const opaque = u.host === '' && !u.pathname.startsWith('/');
  const prefix = opaque ? u.protocol : `${u.protocol}//${u.host}`;
  const pairs: Pair[] = [];
  parseQueryString(u.search.slice(1), pairs);
  paramsPairs(parts.params, pairs);
  const query = joinPairs(sortPairs(filterIgnored(pairs, ignored)));
  return prefix + path + (query ? `?${query}` : '');
}

/**
 * The normalised absolute URL of a request: joined to `baseURL`; scheme and host lower case;
 * default port, dot segments and fragment dropped; percent-encoding normalised (escapes of
 * unreserved characters decoded, other escapes upper-case; `%2F` stays distinct from `/`); the
 * URL's query and `params` merged into one list sorted by name (values of one name keep their
 * order), with `ignoredParams` names removed. In the query, `+` is a space and `a` equals `a=`.
 *
 * @throws {@link CacheConfigError} `Invalid url: …` when the result is not an absolute URL.
 */
export function normalizeUrl(parts: KeyRequestParts, ignoredParams?: ReadonlySet<string>): string {
  return normalizeWith(parts, ignoredParams ?? NO_IGNORED);
}

/**
 * The part of a normalised URL that `urlsExpireAfter` patterns are matched against:
 * `host[:port]/path?query`, without scheme and credentials.
 */
export function matchTarget(normalizedUrl: string): string {
  const scheme = /^[a-z][a-z\d+\-.]*:\/\//i.exec(normalizedUrl);
  let rest = scheme ? normalizedUrl.slice(scheme[0].length) : normalizedUrl;
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const authorityEnd = rest.search(/[/?]/);
  const at = rest.lastIndexOf('@', authorityEnd === -1 ? rest.length : authorityEnd);
  return at === -1 ? rest : rest.slice(at + 1);
}

// ---------------------------------------------------------------------------------------------
// Headers

/** All sendable headers as [lower-case name, value] pairs, in input order. */
function headerEntries(headers: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const fields = headerFields(headers);
  if (fields === undefined) return out;
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    const value = headerText(fields[name]);
    if (value !== undefined) out.push([name.toLowerCase(), value]);
  }
  return out;
}

function keyHeaders(headers: unknown, opts: ResolvedKeyOptions): Array<[string, string]> | null {
  if (!opts.includeAll && !opts.include) return null;
  // Credentials are keyed as an HMAC (KeyExtras.credentials), never in clear, whatever
  // includeHeaders or ignoredParams say.
  const selected = headerEntries(headers).filter(
    ([name]) =>
      (opts.includeAll || opts.include?.has(name) === true) &&
      !opts.ignoredLower.has(name) &&
      !CREDENTIAL_HEADERS.has(name),
  );
  // By name, then value, so `{ Accept, accept }` in either order gives one key.
  return selected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/**
 * Request headers (an object, AxiosHeaders, or `[name, value]` pairs) as they may be stored: lower-case names, values as strings (arrays joined by
 * `', '`), credentials (`authorization`, `proxy-authorization`, `cookie`, `set-cookie`,
 * `x-api-key`) and headers named in `ignoredParams` (case-insensitive) replaced by `'REDACTED'`.
 */
export function redactHeaders(headers: unknown, ignoredParams?: readonly string[]): Array<[string, string]> {
  const ignored = new Set((ignoredParams ?? []).map((p) => p.toLowerCase()));
  const entries = Array.isArray(headers)
    ? headers
        .filter((p): p is [string, unknown] => Array.isArray(p) && typeof p[0] === 'string')
        .map(([name, value]): [string, string] => [name.toLowerCase(), String(value)])
    : headerEntries(headers);
  return entries.map(([name, value]) => [name, CREDENTIAL_HEADERS.has(name) || ignored.has(name) ? REDACTED : value]);
}

/**
 * A URL as it may be stored: the values of query parameters named in `ignoredParams` (and
 * their bracketed forms) replaced by `'REDACTED'`, and user info (a name may be a token too)
 * replaced by `REDACTED@`.
 * Everything else is kept as written.
 */
export function redactUrl(url: string, ignoredParams?: readonly string[]): string {
  let out = url.replace(/^([a-z][a-z\d+\-.]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
  const ignored = new Set(ignoredParams ?? []);
  if (ignored.size === 0) return out;
  const hash = out.indexOf('#');
  const fragment = hash === -1 ? '' : out.slice(hash);
  if (hash !== -1) out = out.slice(0, hash);
  const q = out.indexOf('?');
  if (q === -1) return out + fragment;
  const query = out
    .slice(q + 1)
    .split('&')
    .map((piece) => {
      const eq = piece.indexOf('=');
      const name = eq === -1 ? piece : piece.slice(0, eq);
      return piece.length > 0 && isIgnoredName(decodeLoose(name), ignored) ? `${name}=${REDACTED}` : piece;
    })
    .join('&');
  return out.slice(0, q + 1) + query + fragment;
}

// ---------------------------------------------------------------------------------------------
// Bodies

function uncacheable(data: unknown, why?: string): never {
  let type: string;
  if (typeof data === 'object' && data !== null) {
    const ctor = (data as { constructor?: { name?: unknown } }).constructor;
    type = typeof ctor?.name === 'string' && ctor.name ? ctor.name : Object.prototype.toString.call(data).slice(8, -1);
  } else {
    type = typeof data;
  }
  throw new CacheConfigError(`Uncacheable request body: ${type}${why ? ` (${why})` : ''}`);
}

/** `JSON.stringify` with object keys sorted at every depth; `ignored` keys dropped at the top. */
function canonicalJson(root: unknown, ignored: ReadonlySet<string>): string {
  const stack: object[] = [];
  const ser = (holder: string, input: unknown, top: boolean): string | undefined => {
    let value = input;
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') value = toJSON.call(value, holder);
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'number':
        return Number.isFinite(value) ? JSON.stringify(value) : 'null';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return uncacheable(root, 'a BigInt is not JSON');
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (value === null) return 'null';
    const obj = value as object;
    if (stack.includes(obj)) uncacheable(root, 'circular JSON');
    stack.push(obj);
    let out: string;
    if (Array.isArray(obj)) {
      out = `[${obj.map((el, i) => ser(String(i), el, false) ?? 'null').join(',')}]`;
    } else {
      const record = obj as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        if (top && ignored.has(key)) continue;
        const s = ser(key, record[key], false);
        if (s !== undefined) parts.push(`${JSON.stringify(key)}:${s}`);
      }
      out = `{${parts.join(',')}}`;
    }
    stack.pop();
    return out;
  };
  return ser('', root, true) ?? 'null';
}

function canonicalFormPairs(pairs: Pair[], ignored: ReadonlySet<string>): string {
  return joinPairs(sortPairs(filterIgnored(pairs, ignored)));
}

const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;
const JSON_TYPE = /^\s*application\/([\w.+-]*\+)?json\s*(;|$)/i;

const textEncoder = new TextEncoder();

/**
 * The canonical body bytes, or undefined for no (or an empty) body. Strings are their UTF-8
 * bytes, so a string and a Buffer of the same bytes share a key; JSON is canonical JSON;
 * URLSearchParams are sorted. A string body is parsed as a form or JSON only when there are
 * `ignoredParams` to remove from it (its content-type says which).
 */
function canonicalBody(data: unknown, headers: unknown, ignored: ReadonlySet<string>): Uint8Array | undefined {
  let bytes: Uint8Array;
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') {
    let text = data;
    if (ignored.size > 0 && data.length > 0) {
      const type = readHeader(headers, 'content-type');
      if (type !== undefined && FORM_TYPE.test(type)) {
        const pairs: Pair[] = [];
        parseQueryString(data, pairs);
        text = canonicalFormPairs(pairs, ignored);
      } else if (type !== undefined && JSON_TYPE.test(type)) {
        let parsed: unknown;
        let ok = true;
        try {
          parsed = JSON.parse(data);
        } catch {
          ok = false; // not JSON after all: hashed as the bytes it is
        }
        if (ok && isPlainObject(parsed)) text = canonicalJson(parsed, ignored);
      }
    }
    bytes = textEncoder.encode(text);
  } else if (data instanceof Uint8Array) {
    bytes = data;
  } else if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object SharedArrayBuffer]') {
    bytes = new Uint8Array(data as ArrayBuffer);
  } else if (ArrayBuffer.isView(data)) {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else if (isURLSearchParams(data)) {
    const pairs: Pair[] = [];
    for (const [name, value] of data) pairs.push([encodeComponent(name), encodeComponent(value)]);
    bytes = textEncoder.encode(canonicalFormPairs(pairs, ignored));
  } else if (Array.isArray(data) || isPlainObject(data)) {
    bytes = textEncoder.encode(canonicalJson(data, ignored));
  } else {
    uncacheable(data);
  }
  return bytes.length === 0 ? undefined : bytes;
}

// ---------------------------------------------------------------------------------------------
// Keys

function extrasList(extras: KeyExtras | undefined): unknown[] | undefined {
  if (extras === undefined) return undefined;
  const { credentials, host, raw, noRedirects, socketPath } = extras;
  if (
    credentials === undefined &&
    host === undefined &&
    raw !== true &&
    noRedirects !== true &&
    socketPath === undefined
  )
    return undefined;
  return [credentials ?? null, host ?? null, raw === true, noRedirects === true, socketPath ?? null];
}

function canonicalWith(
  parts: KeyRequestParts,
  opts: ResolvedKeyOptions,
  extras?: KeyExtras,
): { text: string; body?: Uint8Array | undefined; url: string } {
  const method = parts.method === undefined ? 'GET' : String(parts.method).toUpperCase();
  const url = normalizeWith(parts, opts.ignored);
  const headers = keyHeaders(parts.headers, opts);
  const more = extrasList(extras);
  // Plain requests keep the four-field form: their keys do not change with KeyExtras.
  const text = JSON.stringify(
    more === undefined ? [KEY_VERSION, method, url, headers] : [KEY_VERSION, method, url, headers, more],
  );
  return { text, body: canonicalBody(parts.data, parts.headers, opts.ignored), url };
}

/**
 * The unambiguous encoding of a request that is hashed into its key: `text` is
 * `JSON.stringify(['acc1', METHOD, normalisedUrl, headers | null])` (headers as sorted
 * `[name, value]` pairs, only with `includeHeaders`), and `body` the canonical body bytes,
 * hashed right after `text`. Equal requests give equal encodings; different ones never do.
 *
 * @throws {@link CacheConfigError} `Invalid url: …` for a URL that cannot be resolved, and
 * `Uncacheable request body: <type>` for a body that cannot be keyed (FormData, streams, Blobs,
 * class instances, cyclic JSON): send such a request around the cache.
 */
export function canonicalRequest(
  parts: KeyRequestParts,
  options?: KeyOptions,
  extras?: KeyExtras,
): { text: string; body?: Uint8Array } {
  const { text, body } = canonicalWith(parts, resolveKeyOptions(options), extras);
  return body ? { text, body } : { text };
}

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'hex') => string;
// crypto.hash (Node >= 20.12) is ~3x cheaper than createHash for one short input.
const oneShotHash: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

function sha256Hex(text: string, body?: Uint8Array): string {
  if (!body) {
    return oneShotHash ? oneShotHash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
  }
  return crypto.createHash('sha256').update(text).update(body).digest('hex');
}

function keyWith(parts: KeyRequestParts, opts: ResolvedKeyOptions, extras?: KeyExtras): string {
  const { text, body } = canonicalWith(parts, opts, extras);
  return sha256Hex(text, body);
}

/** {@link keyWith}, and the normalised URL it keyed (the request's URL when no parameter is ignored). */
function keyAndUrlWith(
  parts: KeyRequestParts,
  opts: ResolvedKeyOptions,
  extras?: KeyExtras,
): { key: string; url: string } {
  const { text, body, url } = canonicalWith(parts, opts, extras);
  return { key: sha256Hex(text, body), url };
}

/**
 * The cache key of a request: sha256 hex of {@link canonicalRequest}. For many requests with the
 * same options, a {@link KeyMaker} is cheaper.
 *
 * @throws {@link CacheConfigError} as {@link canonicalRequest} does.
 */
export function createKey(
  method: string,
  url: string,
  request?: Omit<KeyRequestParts, 'method' | 'url'>,
  options?: KeyOptions,
  extras?: KeyExtras,
): string {
  return keyWith({ ...request, method, url }, resolveKeyOptions(options), extras);
}

function isSimpleParams(params: unknown): boolean {
  if (params === undefined) return true;
  if (!isPlainObject(params)) return false;
  for (const key in params) {
    if (!Object.hasOwn(params, key)) continue;
    const v = params[key];
    const t = typeof v;
    if (
      !(t === 'string' || t === 'boolean' || v === null || v === undefined || (t === 'number' && Number.isFinite(v)))
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Makes keys for one set of {@link KeyOptions}, memoising them: the cache-hit hot path.
 *
 * Simple requests (params absent or a plain object of strings, finite numbers, booleans and
 * nulls; body absent or a string of at most 4 KiB; `includeHeaders` off) are described by one
 * raw string, `JSON.stringify` of exactly the inputs their key depends on, which is looked up in
 * a bounded map before any URL parsing or hashing. The raw string is rebuilt on every call (so
 * a params object mutated between calls gets a fresh key) and two requests with the same raw
 * string always have the same key, so the memo can never return another request's key. Other
 * requests get the full canonical key every time.
 */
export class KeyMaker {
  readonly #opts: ResolvedKeyOptions;
  readonly #memo = new Map<string, string>();
  /**
   * Plain requests (method, baseURL and URL only: no params, body or extras), the most common
   * kind, are remembered by those three strings in nested maps: a lookup is three `Map.get`s of
   * strings the caller already has, with no string built per request.
   */
  readonly #plain = new Map<string, Map<string, Map<string, string>>>();
  #plainSize = 0;
  readonly #memoSize: number;
  readonly #headersInKey: boolean;
  readonly #protect: (credentials: string) => string;
  #lastUrl = '';

  /**
   * @param options - the key options, plus `memoSize`: how many raw requests to remember
   * (oldest forgotten first; `0` turns the memo off), and `protect`: turns raw credentials into
   * what the key holds (an HMAC). @defaultValue `memoSize: 4096`, `protect`: sha256 hex
   * @throws {@link CacheConfigError} for an invalid option.
   */
  constructor(options?: KeyOptions & { memoSize?: number; protect?: (credentials: string) => string }) {
    this.#opts = resolveKeyOptions(options);
    const memoSize = options?.memoSize ?? DEFAULT_MEMO_SIZE;
    if (typeof memoSize !== 'number' || !Number.isSafeInteger(memoSize) || memoSize < 0) {
      invalidOption('memoSize', memoSize, 'a non-negative integer');
    }
    this.#memoSize = memoSize;
    this.#headersInKey = this.#opts.includeAll || this.#opts.include !== null;
    this.#protect = options?.protect ?? ((credentials) => sha256Hex(credentials));
  }

  /**
   * The key of a request; equal to `createKey` with this maker's options and `extras` (whose
   * `credentials` are raw here: they are protected before they enter the key, and only kept in
   * clear in this process's memo).
   * @throws {@link CacheConfigError} as {@link canonicalRequest} does (nothing is memoised then).
   */
  keyFor(parts: KeyRequestParts, extras?: KeyExtras): string {
    this.#lastUrl = '';
    const { method, url, baseURL, params, data } = parts;
    if (
      extras === undefined &&
      params === undefined &&
      (data === undefined || data === null) &&
      typeof url === 'string' &&
      (method === undefined || typeof method === 'string') &&
      (baseURL === undefined || typeof baseURL === 'string') &&
      parts.allowAbsoluteUrls !== false &&
      !this.#headersInKey &&
      this.#memoSize > 0
    ) {
      return this.#plainKey(parts, method ?? 'get', baseURL ?? '', url);
    }
    const raw = this.#memoSize > 0 ? this.#rawKey(parts, extras) : undefined;
    if (raw === undefined) return this.#key(parts, extras);
    const hit = this.#memo.get(raw);
    if (hit !== undefined) return hit;
    const key = this.#key(parts, extras);
    if (this.#memo.size >= this.#memoSize) {
      // Map iterates in insertion order: the first key is the oldest. O(1).
      const oldest = this.#memo.keys().next();
      if (!oldest.done) this.#memo.delete(oldest.value);
    }
    this.#memo.set(raw, key);
    return key;
  }

  #plainKey(parts: KeyRequestParts, method: string, baseURL: string, url: string): string {
    let byBase = this.#plain.get(method);
    if (byBase === undefined) this.#plain.set(method, (byBase = new Map()));
    let byUrl = byBase.get(baseURL);
    if (byUrl === undefined) byBase.set(baseURL, (byUrl = new Map()));
    const hit = byUrl.get(url);
    if (hit !== undefined) return hit;
    const key = this.#fresh(parts, undefined);
    if (this.#plainSize >= this.#memoSize) {
      // Bounded: start over (a memo miss only costs the key's first-sight work).
      this.#plain.clear();
      this.#plainSize = 0;
      return this.#plainKey(parts, method, baseURL, url);
    }
    this.#plainSize++;
    byUrl.set(url, key);
    return key;
  }

  /**
   * The normalised URL of the request the last {@link keyFor} call keyed, when that call made
   * the key afresh and no parameter is ignored (so it is the request's URL, as `normalizeUrl`
   * gives it); `''` otherwise. Spares a miss parsing its URL a second time.
   */
  get lastUrl(): string {
    return this.#lastUrl;
  }

  #key(parts: KeyRequestParts, extras: KeyExtras | undefined): string {
    const credentials = extras?.credentials;
    return this.#fresh(
      parts,
      credentials === undefined ? extras : { ...extras, credentials: this.#protect(credentials) },
    );
  }

  #fresh(parts: KeyRequestParts, extras: KeyExtras | undefined): string {
    const { key, url } = keyAndUrlWith(parts, this.#opts, extras);
    if (this.#opts.ignored.size === 0) this.#lastUrl = url;
    return key;
  }

  /**
   * An injective description of the inputs the key depends on, or undefined when the request
   * is not simple enough to describe cheaply.
   */
  #rawKey(parts: KeyRequestParts, extras: KeyExtras | undefined): string | undefined {
    if (this.#headersInKey) return undefined;
    const { method, url, baseURL, allowAbsoluteUrls, params, data } = parts;
    if (method !== undefined && typeof method !== 'string') return undefined;
    if (url !== undefined && typeof url !== 'string') return undefined;
    if (baseURL !== undefined && typeof baseURL !== 'string') return undefined;
    if (allowAbsoluteUrls !== undefined && typeof allowAbsoluteUrls !== 'boolean') return undefined;
    if (!isSimpleParams(params)) return undefined;
    let contentType: string | undefined;
    if (data !== undefined && data !== null) {
      if (typeof data !== 'string' || data.length > MAX_MEMO_BODY) return undefined;
      // With ignoredParams a string body's key depends on its content-type (form/JSON parsing).
      if (this.#opts.ignored.size > 0 && data.length > 0) contentType = readHeader(parts.headers, 'content-type') ?? '';
    }
    const more = extrasList(extras);
    return JSON.stringify(
      more === undefined
        ? [method, baseURL, url, allowAbsoluteUrls, params, data ?? null, contentType]
        : [method, baseURL, url, allowAbsoluteUrls, params, data ?? null, contentType, more],
    );
  }
}
