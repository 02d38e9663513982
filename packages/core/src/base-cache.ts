import { decodeItem, encodeItem, type CacheItem } from './cached-response.js';
import { CacheEvents, type CacheEventListener, type CacheEventName } from './events.js';
import { CacheConfigError, CacheSerializationError, describeValue } from './errors.js';
import { loadOptionalPackage } from './optional-package.js';
import { msgpackSerializer, type Serializer } from './serializer.js';

/** A secret used to sign entries; a list rotates keys (the last signs, all verify). */
export type SecretKey = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/**
 * What the `secretKey` option takes: a {@link SecretKey}, typed to accept what `process.env`
 * gives under `strict` and `exactOptionalPropertyTypes` (`secretKey: process.env.CACHE_KEY`,
 * `secretKey: [process.env.CACHE_KEY_OLD, process.env.CACHE_KEY_NEW]`). An empty value is
 * refused when the store is created (see {@link checkSecretKey}): a missing variable must not
 * turn signing off.
 */
export type SecretKeyOption = string | Uint8Array | undefined | ReadonlyArray<string | Uint8Array | undefined>;

/** Current time in epoch ms; injectable for tests. */
export type Clock = () => number;

/** Options every store accepts. */
export interface BaseCacheOptions {
  /**
   * Sign entries with this secret (needs `@axios-client-cache/signed`); a list rotates keys
   * (the last signs, all verify). Leave the option out for unsigned entries: present but empty
   * (`''`, `undefined`, `null`, `[]`, a list with an empty entry) is a `CacheConfigError`.
   * @defaultValue undefined (unsigned)
   */
  secretKey?: SecretKeyOption;
  /**
   * Separates caches that share a secret.
   * @defaultValue 'axios-client-cache'
   */
  salt?: string | Uint8Array;
  /**
   * Turns items into bytes and back.
   * @defaultValue MessagePack (msgpackr), or the signed serializer when `secretKey` is set
   */
  serializer?: Serializer;
  /**
   * Clock for expiry decisions.
   * @defaultValue Date.now
   */
  clock?: Clock;
}

/** What a store holds. */
export interface StoreUsage {
  /** Items stored (some may be past their expiry and not yet dropped). */
  readonly entries: number;
  /** Bytes they take, as the store counts them, when it does. */
  readonly bytes?: number | undefined;
  /** False when a walk stopped at its limit: `entries` and `bytes` are then lower bounds. */
  readonly complete: boolean;
}

/** Options of a single write. */
export interface WriteOptions {
  /**
   * Epoch ms after which the store may drop the item (freshness plus any stale window);
   * `null` or absent = keep until deleted or evicted.
   */
  expiresAt?: number | null;
}

/**
 * What {@link BaseCache.peek} answers when it cannot tell without waiting (any copy of this
 * package: a global symbol).
 */
export const NOT_NOW: unique symbol = Symbol.for('axios-client-cache.not-now') as never;

/** Default salt, as in the seed. */
export const DEFAULT_SALT = 'axios-client-cache';

const MISSING_VARIABLE =
  'it looks like a missing environment variable: set it, or leave the option out for unsigned entries';

/**
 * Checks a configured secret (or list of secrets) is really there: `''`, `undefined`, `null`,
 * empty bytes, an empty list or a list with such an entry is what an unset environment
 * variable gives (`secretKey: process.env.CACHE_KEY`), and would otherwise turn signing off
 * or sign with a guessable key. Messages never contain a secret (only empty values).
 * @throws CacheConfigError naming the option (and the list index)
 */
export function checkSecretKey(option: string, value: unknown): asserts value is SecretKey {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new CacheConfigError(`Invalid ${option}: an empty list (${MISSING_VARIABLE})`);
    for (const [i, entry] of value.entries()) checkOneSecret(`${option}[${i}]`, entry);
  } else checkOneSecret(option, value);
}

function checkOneSecret(option: string, value: unknown): void {
  if (value === undefined || value === null || value === '') {
    throw new CacheConfigError(`Invalid ${option}: ${describeValue(value)} (${MISSING_VARIABLE})`);
  }
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) throw new CacheConfigError(`Invalid ${option}: empty bytes (${MISSING_VARIABLE})`);
  } else if (typeof value !== 'string') {
    // the type only: whatever was passed may still be a secret
    throw new CacheConfigError(`Invalid ${option}: a value of type ${typeof value} (expected a string or bytes)`);
  }
}

/**
 * The `secretKey` of store options, checked: `undefined` when the option is left out, a
 * CacheConfigError when it is present but empty — `undefined` given as the option included.
 */
export function checkSecretKeyOption(options: { readonly secretKey?: unknown }): SecretKey | undefined {
  if (!Object.hasOwn(options, 'secretKey')) return undefined;
  const { secretKey } = options;
  checkSecretKey('secretKey', secretKey);
  return secretKey;
}

/**
 * The options of `options` that every store takes (`secretKey`, `salt`, `serializer`,
 * `clock`), only those present: what a backend hands to the stores it creates, so that a
 * left-out `secretKey` stays left out rather than becoming an explicit `undefined`.
 */
export function baseCacheOptionsOf(options: BaseCacheOptions): BaseCacheOptions {
  const picked: BaseCacheOptions = {};
  if (Object.hasOwn(options, 'secretKey')) picked.secretKey = options.secretKey;
  if (options.salt !== undefined) picked.salt = options.salt;
  if (options.serializer !== undefined) picked.serializer = options.serializer;
  if (options.clock !== undefined) picked.clock = options.clock;
  return picked;
}

interface SignedModule {
  SignedSerializer: new (options: { secretKey: SecretKey; salt?: string | Uint8Array; clock?: Clock }) => Serializer;
}

/**
 * Storage of one kind of item (responses, or redirect aliases). Stores keep bytes (or
 * immutable items) under keys with an expiry; they never decide freshness.
 */
export abstract class BaseCache<T = CacheItem> {
  /** Salt given to a signing serializer. */
  readonly salt: string | Uint8Array;
  /** The serializer in use. */
  readonly serializer: Serializer;
  /** True when a serializer or secret was configured: in-process stores then keep bytes. */
  protected readonly encodesItems: boolean;
  /** Clock for expiry. */
  protected readonly clock: Clock;
  /** Events this store raises (`evicted`, `store-error`). */
  readonly events = new CacheEvents();

  /** @throws CacheConfigError for an invalid option, a present but empty `secretKey` included. */
  constructor(options: BaseCacheOptions = {}) {
    const { salt = DEFAULT_SALT, serializer, clock = Date.now } = options;
    const secretKey = checkSecretKeyOption(options);
    if (typeof salt !== 'string' && !(salt instanceof Uint8Array)) {
      throw new CacheConfigError(`Invalid salt: ${describeValue(salt)} (expected a string or bytes)`);
    }
    if (
      serializer !== undefined &&
      (typeof serializer?.dumps !== 'function' || typeof serializer?.loads !== 'function')
    ) {
      throw new CacheConfigError(
        `Invalid serializer: ${describeValue(serializer)} (expected an object with dumps() and loads())`,
      );
    }
    if (typeof clock !== 'function')
      throw new CacheConfigError(`Invalid clock: ${describeValue(clock)} (expected a function)`);
    this.salt = salt;
    this.clock = clock;
    if (serializer) this.serializer = serializer;
    else if (secretKey !== undefined) {
      const { SignedSerializer } = loadOptionalPackage<SignedModule>(
        '@axios-client-cache/signed',
        'secretKey (signed cache entries)',
        'serializer: new SignedSerializer({ secretKey }) from it',
      );
      this.serializer = new SignedSerializer({ secretKey, salt, clock });
    } else this.serializer = msgpackSerializer;
    this.encodesItems = serializer !== undefined || secretKey !== undefined;
  }

  /** Listens to this store's events. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** The item under `key`, or `undefined`. Throws CacheSerializationError for an unreadable entry. */
  abstract read(key: string): Promise<T | undefined>;
  /** Stores `item` under `key`. */
  abstract write(key: string, item: T, options?: WriteOptions): Promise<void>;
  /** Deletes `key`; no error when missing. */
  abstract delete(key: string): Promise<void>;
  /** Deletes `keys`; no error for missing ones. */
  abstract bulkDelete(keys: Iterable<string>): Promise<void>;
  /** Deletes everything this store holds (only its own namespace). */
  abstract clear(): Promise<void>;
  /** True when `key` is stored. */
  abstract contains(key: string): Promise<boolean>;
  /** Number of items. */
  abstract size(): Promise<number>;
  /** Every key. */
  abstract keys(): AsyncIterable<string>;
  /** Every item that can be read (unreadable entries are skipped). */
  abstract values(): AsyncIterable<T>;

  /** What the store holds, when it knows without looking (an in-process store); else `undefined`. */
  usage(): StoreUsage | undefined {
    return undefined;
  }

  /**
   * What the store holds, counted by walking its keys when it does not know (at most `limit`
   * of them: past that, `complete` is false).
   */
  async measure(limit = 100_000): Promise<StoreUsage> {
    const known = this.usage();
    if (known !== undefined) return known;
    let entries = 0;
    for await (const _ of this.keys()) if (++entries >= limit) return { entries, complete: false };
    return { entries, complete: true };
  }

  /**
   * The largest entry (in bytes, as a response's `byteSize` counts them) the store keeps;
   * `undefined` when it states no limit. The backend does not offer it larger ones (their
   * reason is `too-large`), and keeps no larger copy of a streamed body.
   */
  get maxEntryBytes(): number | undefined {
    return undefined;
  }

  /**
   * The item under `key` at once, without a promise, when the store can tell (an in-process
   * store keeping decoded items): the hit path then makes no asynchronous step. `undefined`
   * for a missing key; {@link NOT_NOW} when it cannot answer now (the caller then uses
   * `read`), which is what a store that keeps its items elsewhere answers (the default).
   * It must agree with `read`: a store that overrides one overrides both.
   */
  peek(_key: string): T | undefined | typeof NOT_NOW {
    return NOT_NOW;
  }

  /** Removes `key` and returns its item, or `defaultValue` when missing. */
  async pop<D = undefined>(key: string, defaultValue?: D): Promise<T | D> {
    const item = await this.read(key);
    if (item === undefined) return defaultValue as D;
    await this.delete(key);
    return item;
  }

  /** Releases connections. Idempotent; a no-op here. */
  async close(): Promise<void> {}

  /** Bytes of `item`, bound to `key` and its expiry when the serializer signs. */
  serialize(item: T, key?: string, expiresAt?: number | null): Uint8Array | Promise<Uint8Array> {
    return this.serializer.dumps(encodeItem(item), { key, expiresAt });
  }

  /**
   * The item in `bytes` (synchronous unless the serializer is async, as a signing one is).
   * @throws CacheSerializationError (or CacheSignatureError) when they cannot be read.
   */
  deserialize(bytes: Uint8Array, key?: string): T | Promise<T> {
    let raw: unknown;
    try {
      raw = this.serializer.loads(bytes, { key });
    } catch (cause) {
      throw decodeError(cause, key);
    }
    if (raw instanceof Promise) {
      return raw.then(
        (value: unknown) => decodeItem(value) as T,
        (cause: unknown) => {
          throw decodeError(cause, key);
        },
      );
    }
    return decodeItem(raw) as T;
  }
}

function decodeError(cause: unknown, key: string | undefined): CacheSerializationError {
  if (cause instanceof CacheSerializationError) return cause;
  return new CacheSerializationError(`Stored entry${key ? ` ${key}` : ''} cannot be decoded`, { cause });
}
