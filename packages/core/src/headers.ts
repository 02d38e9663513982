/** A header as stored: lower-case name, one value (a repeated header is several pairs). */
export type HeaderPair = readonly [name: string, value: string];

/** Headers that are per-connection or credentials and never stored (RFC 9111 §3.1). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'proxy-authentication-info',
]);

/**
 * Case-insensitive, multi-valued, read-only view of a response's headers.
 */
export class CachedHeaders implements Iterable<HeaderPair> {
  readonly #pairs: readonly HeaderPair[];

  constructor(pairs: readonly HeaderPair[]) {
    this.#pairs = Object.freeze(pairs.map(([n, v]) => Object.freeze([n.toLowerCase(), v] as const)));
  }

  /** The value of `name`; repeated fields joined by `, ` (RFC 9110 §5.3). */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    let out: string | undefined;
    for (const [k, v] of this.#pairs) if (k === n) out = out === undefined ? v : `${out}, ${v}`;
    return out;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.#pairs.filter(([k]) => k === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.#pairs.some(([k]) => k === n);
  }

  /** The pairs, in order, lower-case names. */
  pairs(): readonly HeaderPair[] {
    return this.#pairs;
  }

  [Symbol.iterator](): Iterator<HeaderPair> {
    return this.#pairs[Symbol.iterator]();
  }

  /** Node/axios shape: `set-cookie` as an array, other repeated fields joined. */
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.#pairs) {
      const prev = out[k];
      if (k === 'set-cookie') out[k] = prev === undefined ? [v] : [...(prev as string[]), v];
      else out[k] = prev === undefined ? v : `${prev as string}, ${v}`;
    }
    return out;
  }
}

/**
 * Header pairs from anything axios or Node hands over (AxiosHeaders, a plain object,
 * `IncomingHttpHeaders`), names lower-cased, arrays split into pairs, empty values kept.
 */
export function toHeaderPairs(headers: unknown): HeaderPair[] {
  if (headers == null || typeof headers !== 'object') return [];
  const source = typeof (headers as { toJSON?: unknown }).toJSON === 'function'
    ? (headers as { toJSON(): unknown }).toJSON()
    : headers;
  const out: HeaderPair[] = [];
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (value === undefined || value === null || value === false) continue;
    const n = name.toLowerCase();
    if (Array.isArray(value)) for (const v of value) out.push([n, String(v)]);
    else out.push([n, String(value)]);
  }
  return out;
}

/** Drops hop-by-hop fields, those named by `Connection`, and proxy credentials. */
export function storableHeaders(pairs: readonly HeaderPair[]): HeaderPair[] {
  const named = new Set<string>();
  for (const [k, v] of pairs) {
    if (k === 'connection') for (const t of v.split(',')) named.add(t.trim().toLowerCase());
  }
  return pairs.filter(([k]) => !HOP_BY_HOP.has(k) && !named.has(k));
}
