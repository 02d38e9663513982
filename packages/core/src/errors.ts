/**
 * Error classes with stable codes. `instanceof` works across two copies of this package
 * (an ESM and a CJS one loaded side by side): membership is decided by a global symbol
 * brand and the code, not by the prototype chain.
 */
const BRAND = Symbol.for('axios-client-cache.error');

/** Stable error codes; safe to compare on. */
export type CacheErrorCode =
  | 'ERR_CACHE'
  | 'ERR_CACHE_CONFIG'
  | 'ERR_CACHE_STORE'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_CACHE_SERIALIZATION'
  | 'ERR_CACHE_VERSION'
  | 'ERR_CACHE_SIGNATURE';

/** Base class of every error this library throws. */
export class CacheError extends Error {
  /** The code of this class of error. */
  static readonly code: CacheErrorCode = 'ERR_CACHE';
  /** A stable code for programs to compare on. */
  readonly code: CacheErrorCode;
  /** @internal */
  readonly [BRAND]: readonly CacheErrorCode[];

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const ctor = new.target as typeof CacheError;
    this.name = ctor.name;
    this.code = ctor.code;
    // Every code up the class chain, so `err instanceof CacheStoreError` holds for a
    // CacheClosedError made by another copy of the package.
    const codes: CacheErrorCode[] = [];
    for (let c = ctor as { code?: CacheErrorCode } | null; c?.code; c = Object.getPrototypeOf(c)) {
      if (!codes.includes(c.code)) codes.push(c.code);
    }
    this[BRAND] = codes;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const codes = (value as { [BRAND]?: unknown })[BRAND];
    return Array.isArray(codes) && codes.includes(this.code);
  }
}

/** An option or per-request setting has an invalid value. The message names both. */
export class CacheConfigError extends CacheError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_CONFIG';
}

/** A store failed (Redis down, timed out, out of memory…). The request path fails open. */
export class CacheStoreError extends CacheError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_STORE';
}

/** A store was used after `close()`. */
export class CacheClosedError extends CacheStoreError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_CLOSED';
}

/** Stored bytes could not be decoded into a valid item: the entry is treated as a miss. */
export class CacheSerializationError extends CacheError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_SERIALIZATION';
}

/**
 * A stored entry was written in another format version (by an older or newer release of
 * this library sharing the store): a plain miss, neither deleted nor reported as tampered,
 * so processes of two releases side by side (a rolling deploy) do not fight.
 */
export class CacheVersionError extends CacheSerializationError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_VERSION';
}

/** A signed entry failed verification (bad signature, unknown `kid`, wrong key, expired). */
export class CacheSignatureError extends CacheSerializationError {
  static override readonly code: CacheErrorCode = 'ERR_CACHE_SIGNATURE';
}

/** Renders a value for an error message: short, never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date(${value.toISOString()})`;
  if (value instanceof RegExp) return String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    // cyclic or otherwise unprintable
  }
  return Object.prototype.toString.call(value);
}

/** Throws a CacheConfigError that names the option and the bad value. */
export function invalidOption(option: string, value: unknown, expected: string): never {
  throw new CacheConfigError(`Invalid ${option}: ${describeValue(value)} (expected ${expected})`);
}
