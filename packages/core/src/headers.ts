/** A header as stored: lower-case name, one value (a repeated header is several pairs). */
export type HeaderPair = readonly [name: string, value: string];

/** Headers that are per-connection or credentials and never stored (RFC 9111 §3.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-authentication-info',
]);

/**
 * Case-insensitive, multi-valued, read-only view of a response's headers. Kept as one flat
 * array of lower-case names and values (`[n0, v0, n1, v1, …]`): a cached response holds
 * thousands of these, and one array costs far less than an array per pair.
 */
export class CachedHeaders implements Iterable<HeaderPair> {
  readonly #flat: readonly string[];

  /**
   * @param pairs - the fields; names are lower-cased.
   * @param flat - @internal an already flattened, lower-cased, frozen array, used as is.
   */
  constructor(pairs: readonly HeaderPair[], flat?: readonly string[]) {
    this.#flat = flat ?? flattenHeaders(pairs);
  }

  /** The value of `name`; repeated fields joined by `, ` (RFC 9110 §5.3). */
  get(name: string): string | undefined {
    return flatGet(this.#flat, name.toLowerCase());
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const n = name.toLowerCase();
    const f = this.#flat;
    const out: string[] = [];
    for (let i = 0; i < f.length; i += 2) if (f[i] === n) out.push(f[i + 1] as string);
    return out;
  }

  has(name: string): boolean {
    const n = name.toLowerCase();
    const f = this.#flat;
    for (let i = 0; i < f.length; i += 2) if (f[i] === n) return true;
    return false;
  }

  /** The pairs, in order, lower-case names. */
  pairs(): readonly HeaderPair[] {
    return pairsOfFlat(this.#flat);
  }

  /** Number of fields (a repeated field counts once per value). */
  get size(): number {
    return this.#flat.length / 2;
  }

  [Symbol.iterator](): Iterator<HeaderPair> {
    return this.pairs()[Symbol.iterator]();
  }

  /** Node/axios shape: `set-cookie` as an array, other repeated fields joined. */
  toObject(): Record<string, string | string[]> {
    return flatToObject(this.#flat);
  }
}

const EMPTY_PAIRS: readonly HeaderPair[] = Object.freeze([]);
const EMPTY_FLAT: readonly string[] = Object.freeze([]);

// Header names and short values repeat across thousands of entries (`content-type`,
// `application/json`…): keep one copy of each. Bounded, so odd traffic cannot grow it.
const interned = new Map<string, string>();
const INTERN_MAX = 4096;
const INTERN_MAX_LENGTH = 64;
/** @internal One shared copy of a short, often repeated string. */
export function intern(s: string): string {
  if (s.length > INTERN_MAX_LENGTH) return s;
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size >= INTERN_MAX) interned.clear();
  interned.set(s, s);
  return s;
}

/**
 * @internal Pairs (then `more`) as one flat array `[n0, v0, n1, v1, …]`, names lower-cased. Not frozen
 * (a frozen array costs more memory); it is never handed to callers.
 */
export function flattenHeaders(pairs: readonly HeaderPair[], more: readonly HeaderPair[] = []): readonly string[] {
  if (pairs.length + more.length === 0) return EMPTY_FLAT;
  const out = new Array<string>((pairs.length + more.length) * 2);
  fill(out, pairs, 0);
  fill(out, more, pairs.length * 2);
  return out;
}

function fill(out: string[], pairs: readonly HeaderPair[], at: number): void {
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as HeaderPair;
    out[at + 2 * i] = intern(p[0].toLowerCase());
    out[at + 2 * i + 1] = intern(p[1]);
  }
}

/** @internal */
export function flatGet(f: readonly string[], n: string, end = f.length): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < end; i += 2) if (f[i] === n) out = out === undefined ? f[i + 1] : `${out}, ${f[i + 1] as string}`;
  return out;
}

/** @internal */
export function pairsOfFlat(f: readonly string[], start = 0, end = f.length): readonly HeaderPair[] {
  if (start >= end) return EMPTY_PAIRS;
  const out: HeaderPair[] = [];
  for (let i = start; i < end; i += 2) out.push([f[i] as string, f[i + 1] as string]);
  return out;
}

/** @internal Node/axios shape of a flat header list. */
export function flatToObject(f: readonly string[], end = f.length): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < end; i += 2) {
    const k = f[i] as string;
    const v = f[i + 1] as string;
    const prev = out[k];
    if (k === 'set-cookie') out[k] = prev === undefined ? [v] : [...(prev as string[]), v];
    else out[k] = prev === undefined ? v : `${prev as string}, ${v}`;
  }
  return out;
}
/**
 * A header value as it goes on the wire, from what axios accepts: a string, a number, `true`,
 * or a list (joined by `, `). `null`, `undefined` and `false` mean "not sent"; objects (axios's
 * per-method header groups) are not values.
 */
export function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === true) return 'true';
  if (Array.isArray(value))
    return value
      .filter((v) => v !== null && v !== undefined && v !== false)
      .map(String)
      .join(', ');
  return undefined;
}

/**
 * The fields of a request's headers: an `AxiosHeaders` keeps them as own properties, as a
 * plain object does; an object with none that offers `toJSON()` (a headers class of its own)
 * gives them that way. Anything else has none.
 */
export function headerFields(headers: unknown): Record<string, unknown> | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const toJSON = (headers as { toJSON?: unknown }).toJSON;
  // AxiosHeaders has toJSON on its prototype and its fields as own properties.
  if (typeof toJSON !== 'function' || (!Object.hasOwn(headers, 'toJSON') && hasOwnField(headers))) {
    return headers as Record<string, unknown>;
  }
  const json: unknown = toJSON.call(headers);
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
}

function hasOwnField(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/**
 * The request header `name` (lower case) as it will be sent, from an `AxiosHeaders` or a plain
 * object, whatever the case of its name; several fields of one name (differing in case) are
 * joined by `, `.
 */
export function readHeader(headers: unknown, name: string): string | undefined {
  const fields = headerFields(headers);
  if (fields === undefined) return undefined;
  let out: string | undefined;
  for (const field in fields) {
    if (field.length !== name.length || !Object.hasOwn(fields, field)) continue;
    if (field !== name && field.toLowerCase() !== name) continue;
    const v = headerText(fields[field]);
    if (v !== undefined) out = out === undefined ? v : `${out}, ${v}`;
  }
  return out;
}

/**
 * Header pairs from anything axios or Node hands over (AxiosHeaders, a plain object,
 * `IncomingHttpHeaders`), names lower-cased, arrays split into pairs, empty values kept.
 */
export function toHeaderPairs(headers: unknown): HeaderPair[] {
  const fields = headerFields(headers);
  const out: HeaderPair[] = [];
  if (fields === undefined) return out;
  for (const name in fields) {
    if (!Object.hasOwn(fields, name)) continue;
    const value = fields[name];
    if (value === undefined || value === null || value === false || typeof value === 'function') continue;
    const n = name.toLowerCase();
    if (Array.isArray(value)) for (const v of value) out.push([n, String(v)]);
    else if (typeof value !== 'object') out.push([n, String(value)]);
  }
  return out;
}

/** The value of `name` (lower case) in `pairs`; repeated fields joined by `, ` (RFC 9110 §5.3). */
export function headerValue(pairs: readonly HeaderPair[], name: string): string | undefined {
  let out: string | undefined;
  for (const [k, v] of pairs) if (k === name) out = out === undefined ? v : `${out}, ${v}`;
  return out;
}

/** Drops hop-by-hop fields, those named by `Connection`, and proxy credentials. */
export function storableHeaders(pairs: readonly HeaderPair[]): HeaderPair[] {
  // Most responses name nothing in Connection but `keep-alive` or `close`, both hop-by-hop anyway.
  let named: Set<string> | undefined;
  for (const [k, v] of pairs) {
    if (k !== 'connection' || HOP_BY_HOP.has(v.toLowerCase())) continue;
    for (const t of v.split(',')) {
      const name = t.trim().toLowerCase();
      if (!HOP_BY_HOP.has(name)) (named ??= new Set()).add(name);
    }
  }
  return pairs.filter(([k]) => !HOP_BY_HOP.has(k) && (named === undefined || !named.has(k)));
}
