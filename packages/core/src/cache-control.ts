/**
 * Parsing of the header fields HTTP caching reads (RFC 9111 §5): `Cache-Control`, `Pragma`,
 * `Age`, `Vary`. No decisions here; the HTTP policy makes them.
 */

/** Parsed `Cache-Control`: directive name (lower case) → argument, or `true` without one. */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

/**
 * Parses a `Cache-Control` value (RFC 9111 §5.2): comma-separated directives, names
 * case-insensitive, an argument a token or a quoted string (commas inside quotes are kept).
 * The first occurrence of a directive wins (§4.2.1 allows either the first or "stale").
 */
export function parseCacheControl(value: string | undefined | null): Directives {
  if (!value) return EMPTY;
  const out = new Map<string, string | true>();
  const n = value.length;
  let i = 0;
  while (i < n) {
    let end = i;
    let eq = -1;
    let quoted = false;
    while (end < n) {
      const c = value.charCodeAt(end);
      if (c === 0x22 /* " */ && eq !== -1) quoted = !quoted;
      else if (c === 0x5c /* \ */ && quoted) end++;
      else if (c === 0x3d /* = */ && eq === -1 && !quoted) eq = end;
      else if (c === 0x2c /* , */ && !quoted) break;
      end++;
    }
    const name = (eq === -1 ? value.slice(i, end) : value.slice(i, eq)).trim().toLowerCase();
    if (name !== '' && !out.has(name)) {
      if (eq === -1) out.set(name, true);
      else {
        const raw = value.slice(eq + 1, end).trim();
        out.set(
          name,
          raw.length >= 2 && raw[0] === '"' && raw[raw.length - 1] === '"'
            ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
            : raw,
        );
      }
    }
    i = end + 1;
  }
  return out;
}

/** What a delta-seconds directive says: absent, invalid, or a number of ms. */
export type DeltaSeconds = number | 'invalid' | undefined;

/**
 * A delta-seconds argument (RFC 9111 §1.2.2) in ms: `undefined` when the directive is absent,
 * `'invalid'` when present without a non-negative integer (`max-age=-1`, `max-age='5'`,
 * `max-age=1.5`, a bare `max-age`). Values past 2^31 seconds count as 2^31 (§1.2.2).
 */
export function deltaSeconds(directives: Directives, name: string): DeltaSeconds {
  const v = directives.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return 'invalid';
  return Math.min(Number(v), 2 ** 31) * 1000;
}

/** A delta-seconds directive as ms, or `undefined` when absent or invalid. */
export function validDelta(directives: Directives, name: string): number | undefined {
  const d = deltaSeconds(directives, name);
  return typeof d === 'number' ? d : undefined;
}

/** The request-side directives that change how a stored response may be used. */
export interface RequestDirectives {
  readonly noCache: boolean;
  readonly noStore: boolean;
  readonly onlyIfCached: boolean;
  readonly maxAge?: number | undefined;
  readonly minFresh?: number | undefined;
  /** ms of staleness accepted; `Infinity` for a bare `max-stale`. */
  readonly maxStale?: number | undefined;
}

/** Reads request `Cache-Control` (and `Pragma: no-cache` when there is none, RFC 9111 §5.4). */
export function requestDirectives(cacheControl: string | undefined, pragma?: string): RequestDirectives {
  const d = parseCacheControl(cacheControl);
  const maxStale = d.get('max-stale');
  return {
    noCache: d.has('no-cache') || (!cacheControl && /(^|,)\s*no-cache\s*(,|$)/i.test(pragma ?? '')),
    noStore: d.has('no-store'),
    onlyIfCached: d.has('only-if-cached'),
    maxAge: validDelta(d, 'max-age'),
    minFresh: validDelta(d, 'min-fresh'),
    maxStale: maxStale === true ? Infinity : validDelta(d, 'max-stale'),
  };
}

/**
 * `Age` in ms (RFC 9111 §5.1): the first member of a list is used; anything but a
 * non-negative integer is ignored (`undefined`).
 */
export function parseAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const first = value.split(',')[0]!.trim();
  if (!/^\d+$/.test(first)) return undefined;
  return Math.min(Number(first), 2 ** 31) * 1000;
}

/** The request header names a `Vary` value selects on, lower case (`*` kept as is). */
export function varyNames(value: string | undefined): string[] {
  if (!value) return [];
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** One byte range of a `Range` request (RFC 9110 §14.1.1): `first-last`, `first-`, or the last `suffix` bytes. */
export type ByteRange = { readonly first: number; readonly last?: number | undefined } | { readonly suffix: number };

/**
 * A `Range` header with one byte range; `undefined` for anything else (another unit, several
 * ranges, a malformed value), which a cache leaves to the origin.
 */
export function parseRange(value: string): ByteRange | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return undefined;
  if (a === '') return Number(b) > 0 ? { suffix: Number(b) } : undefined;
  const first = Number(a);
  if (b === '') return { first };
  const last = Number(b);
  return last >= first ? { first, last } : undefined;
}

/** A `Content-Range` of a 206 (RFC 9110 §14.4): the bytes it holds of a representation of known length. */
export interface ContentRange {
  readonly first: number;
  readonly last: number;
  readonly length: number;
}

/** Parses `bytes first-last/length`; `undefined` for anything else (an unknown length, `*`, another unit). */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(value);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const length = Number(m[3]);
  return first <= last && last < length ? { first, last, length } : undefined;
}

/** `range` resolved against a representation of `length` bytes: the first and last byte, or `undefined` when unsatisfiable. */
export function resolveRange(range: ByteRange, length: number): { first: number; last: number } | undefined {
  if ('suffix' in range)
    return length === 0 ? undefined : { first: Math.max(0, length - range.suffix), last: length - 1 };
  if (range.first >= length) return undefined;
  return { first: range.first, last: Math.min(range.last ?? length - 1, length - 1) };
}
