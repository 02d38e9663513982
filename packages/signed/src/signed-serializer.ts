import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  BytesMemo,
  CacheConfigError,
  CacheSerializationError,
  CacheSignatureError,
  DEFAULT_SALT,
  FORMAT_VERSION,
  checkSecretKey,
  describeValue,
  type SecretKeyOption,
  type SerializeContext,
  type Serializer,
} from '@axios-client-cache/core';
import {
  IV_BYTES,
  KIND_ENCRYPTED,
  KIND_SIGNED,
  TAG_BYTES,
  packEncrypted,
  packSigned,
  unpackParts,
} from './container.js';
import { DIGEST, SIGNATURE_BYTES, deriveKey, normaliseSecrets, type DerivedKey, type SignedAlgorithm } from './keys.js';
import { checkPlainMsgpack, packr, unpackr } from './plain-msgpack.js';

/** Version of the container and header layout; part of what is signed. */
export const CONTAINER_VERSION = 1;

/** Algorithms `algorithm` accepts. */
export const SIGNED_ALGORITHMS: readonly SignedAlgorithm[] = Object.freeze(['HS256', 'HS384', 'HS512']);

/** Options of {@link SignedSerializer}. */
export interface SignedSerializerOptions {
  /**
   * The secret, or a list of secrets to rotate keys: the last signs, all verify. At least
   * 32 bytes for HS256 and for encryption, 48 for HS384, 64 for HS512 (a string counts its
   * UTF-8 bytes). Required, unless `secretKeys` is given. Typed to take what `process.env`
   * gives; an empty value (`''`, `undefined`, an empty entry) is a `CacheConfigError`.
   * @defaultValue undefined
   */
  secretKey?: SecretKeyOption;
  /**
   * Alias of `secretKey` as a list (oldest first; the last signs).
   * @defaultValue undefined
   */
  secretKeys?: ReadonlyArray<string | Uint8Array | undefined>;
  /**
   * Separates caches that share a secret: keys are derived from secret and salt.
   * @defaultValue 'axios-client-cache'
   */
  salt?: string | Uint8Array;
  /**
   * HMAC algorithm of signed entries; entries signed with any other algorithm (`none`
   * included) are rejected. Not used with `encrypt`.
   * @defaultValue 'HS256'
   */
  algorithm?: SignedAlgorithm;
  /**
   * Seal entries with JWE (`dir`, `A256GCM`) so bodies are not readable at rest. A cache
   * reads only entries of its own kind: switching this on or off starts a cold cache.
   * @defaultValue false
   */
  encrypt?: boolean;
  /**
   * Clock the entry's expiry is checked against (epoch ms).
   * @defaultValue Date.now
   */
  clock?: () => number;
}

interface ResolvedOptions {
  readonly secrets: Uint8Array[];
  readonly salt: Uint8Array;
  readonly algorithm: SignedAlgorithm;
  readonly encrypt: boolean;
  readonly clock: () => number;
}

/** Checks the options and fills in the defaults. */
export function resolveSignedOptions(options: SignedSerializerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new CacheConfigError(`Invalid SignedSerializer options: ${describeValue(options)} (expected an object)`);
  }
  const { secretKey, secretKeys, salt = DEFAULT_SALT, algorithm, encrypt = false, clock = Date.now } = options;
  if (typeof encrypt !== 'boolean')
    throw new CacheConfigError(`Invalid encrypt: ${describeValue(encrypt)} (expected a boolean)`);
  if (algorithm !== undefined && !SIGNED_ALGORITHMS.includes(algorithm)) {
    throw new CacheConfigError(
      `Invalid algorithm: ${describeValue(algorithm)} (expected one of ${SIGNED_ALGORITHMS.join(', ')})`,
    );
  }
  if (algorithm !== undefined && encrypt) {
    throw new CacheConfigError(
      `Invalid algorithm: ${describeValue(algorithm)} (encrypted entries always use dir + A256GCM; leave algorithm out with encrypt: true)`,
    );
  }
  if (typeof salt !== 'string' && !(salt instanceof Uint8Array)) {
    throw new CacheConfigError(`Invalid salt: ${describeValue(salt)} (expected a string or bytes)`);
  }
  if (typeof clock !== 'function')
    throw new CacheConfigError(`Invalid clock: ${describeValue(clock)} (expected a function)`);
  const hasKey = Object.hasOwn(options, 'secretKey');
  const hasKeys = Object.hasOwn(options, 'secretKeys');
  if (hasKey && hasKeys) throw new CacheConfigError('Invalid secretKeys: give secretKey or secretKeys, not both');
  if (!hasKey && !hasKeys)
    throw new CacheConfigError('Invalid secretKey: undefined (a SignedSerializer needs secretKey or secretKeys)');
  if (hasKeys && !Array.isArray(secretKeys)) {
    throw new CacheConfigError(
      'Invalid secretKeys: not a list (expected an array of strings or bytes; use secretKey for one secret)',
    );
  }
  const [name, given] = hasKeys ? ['secretKeys', secretKeys] : ['secretKey', secretKey];
  checkSecretKey(name, given);
  const resolvedAlgorithm = algorithm ?? 'HS256';
  const secrets = normaliseSecrets(name, given, encrypt ? 'A256GCM' : resolvedAlgorithm);
  return {
    secrets,
    salt: typeof salt === 'string' ? Buffer.from(salt, 'utf8') : Uint8Array.prototype.slice.call(salt),
    algorithm: resolvedAlgorithm,
    encrypt,
    clock,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Marks instances, so `instanceof` holds across an ESM and a CJS copy of this package. */
const BRAND = Symbol.for('axios-client-cache.signed-serializer');

/**
 * A serializer that signs (HMAC, JWS with an unencoded payload) or seals (JWE, `dir` +
 * `A256GCM`) MessagePack entries, binding each one to the cache key it is stored under,
 * its expiry and the format version. Anything that does not verify — forged, altered,
 * truncated, moved to another key, replayed after expiry, made with an unknown or
 * rotated-out key or another algorithm — is refused with a `CacheSignatureError`, which
 * stores and backends turn into a miss. Verification comes before any decoding, and
 * decoding accepts plain MessagePack only (no extensions).
 *
 * Synchronous: HMAC and AES-GCM run on node:crypto in the calling thread, which costs
 * about a tenth of an asynchronous WebCrypto call on the hit path. The stored form is
 * standard JOSE laid out as bytes (see container.ts); jose verifies and decrypts it.
 */
export class SignedSerializer implements Serializer {
  /** The signing algorithm (`HS256`, `HS384`, `HS512`), or `A256GCM` when encrypting. */
  readonly algorithm: SignedAlgorithm | 'A256GCM';
  /** True when entries are encrypted. */
  readonly encrypt: boolean;
  /** The `kid` of the key that signs new entries. */
  readonly kid: string;
  /** Every `kid` accepted when reading, oldest first. */
  readonly kids: readonly string[];
  readonly #keys: ReadonlyMap<string, DerivedKey>;
  readonly #signer: DerivedKey;
  readonly #kind: number;
  readonly #clock: () => number;
  /**
   * Entries verified before, by their exact bytes per cache key: bytes unchanged since prove
   * what a new verification would, so only the expiry is checked again.
   */
  readonly #verified = new BytesMemo<{ readonly value: unknown; readonly expiresAt: number | undefined }>();
  /** @internal */
  readonly [BRAND] = true;

  /**
   * True for a SignedSerializer of any copy of this package: core's ESM build loads the
   * CJS build of this package lazily, so a user's ESM import is another copy.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SignedSerializer) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(options: SignedSerializerOptions) {
    const resolved = resolveSignedOptions(options);
    this.encrypt = resolved.encrypt;
    this.algorithm = resolved.encrypt ? 'A256GCM' : resolved.algorithm;
    this.#kind = resolved.encrypt ? KIND_ENCRYPTED : KIND_SIGNED;
    this.#clock = resolved.clock;
    const keys = new Map<string, DerivedKey>();
    let signer: DerivedKey | undefined;
    for (const secret of resolved.secrets) {
      signer = deriveKey(secret, resolved.salt, this.algorithm);
      keys.delete(signer.kid); // a secret listed twice counts where it was listed last
      keys.set(signer.kid, signer);
    }
    this.#keys = keys;
    this.#signer = signer!;
    this.kid = signer!.kid;
    this.kids = Object.freeze([...keys.keys()]);
  }

  /**
   * Packs `value` and signs or seals it for `context.key` until `context.expiresAt`.
   * @throws CacheSerializationError when `value` is not plain data (undefined, Date, Map,
   *   BigInt…): it could never be read back.
   */
  dumps(value: unknown, context: SerializeContext = {}): Uint8Array {
    let payload: Uint8Array;
    try {
      payload = packr.pack(value);
    } catch (cause) {
      throw new CacheSerializationError('Cannot store this value in a signed cache', { cause });
    }
    const why = checkPlainMsgpack(payload);
    if (why !== undefined)
      throw new CacheSerializationError(`Cannot store this value in a signed cache: it contains ${why}`);
    // Infinity (an unbounded stale window) means what null means: no expiry.
    const expiresAt = context.expiresAt === Infinity ? null : (context.expiresAt ?? null);
    if (expiresAt !== null && !Number.isFinite(expiresAt)) {
      throw new CacheSerializationError(
        `Cannot sign an entry with expiresAt ${describeValue(expiresAt)} (expected epoch ms or null)`,
      );
    }
    const signer = this.#signer;
    const header: Record<string, unknown> = this.encrypt
      ? { alg: 'dir', enc: 'A256GCM', kid: signer.kid }
      : { alg: this.algorithm, b64: false, crit: ['b64'], kid: signer.kid };
    header.v = CONTAINER_VERSION;
    header.fv = FORMAT_VERSION;
    if (context.key !== undefined) header.ck = keyBinding(context.key);
    if (expiresAt !== null) header.xat = expiresAt;
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const encodedHeader = headerBytes.toString('base64url');
    if (!this.encrypt) {
      const signature = createHmac(DIGEST[signer.use], signer.key)
        .update(`${encodedHeader}.`, 'latin1')
        .update(payload)
        .digest();
      return packSigned(headerBytes, signature, payload);
    }
    // A random 96-bit IV per entry; rotate the secret long before 2^32 entries per key.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', signer.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(encodedHeader, 'latin1'));
    const ciphertext = cipher.update(payload);
    const last = cipher.final();
    return packEncrypted(
      headerBytes,
      iv,
      cipher.getAuthTag(),
      last.length === 0 ? ciphertext : Buffer.concat([ciphertext, last]),
    );
  }

  /**
   * Verifies `bytes` for `context.key`, then unpacks them.
   * @throws CacheSignatureError when they do not verify; CacheSerializationError when a
   *   verified entry holds something other than plain MessagePack.
   */
  loads(bytes: Uint8Array, context: SerializeContext = {}): unknown {
    const key = context.key;
    // Bytes identical to ones verified under this key verify the same way: only the expiry
    // can have changed, and it is checked again.
    const known = key === undefined ? undefined : this.#verified.get(key, bytes);
    if (known !== undefined) {
      if (known.expiresAt !== undefined && !(known.expiresAt > this.#clock())) reject(key, 'expired');
      return known.value;
    }
    const parts = unpackParts(bytes);
    if (typeof parts === 'string') reject(key, parts);
    if (parts.kind !== this.#kind)
      reject(key, this.encrypt ? 'a signed entry in an encrypted cache' : 'an encrypted entry in a signed cache');
    let header: unknown;
    try {
      header = JSON.parse(utf8.decode(parts.header));
    } catch {
      reject(key, 'malformed header');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) reject(key, 'malformed header');
    const h = header as Record<string, unknown>;
    if (this.encrypt) {
      if (h.alg !== 'dir' || h.enc !== 'A256GCM')
        reject(key, `algorithm ${describeValue(h.alg)}/${describeValue(h.enc)} not allowed`);
      if (h.zip !== undefined || h.crit !== undefined) reject(key, 'unsupported header parameter');
    } else {
      if (h.alg !== this.algorithm) reject(key, `algorithm ${describeValue(h.alg)} not allowed`);
      const crit = h.crit;
      if (h.b64 !== false || !Array.isArray(crit) || crit.length !== 1 || crit[0] !== 'b64')
        reject(key, 'unsupported payload encoding');
    }
    const kid = h.kid;
    const derived = typeof kid === 'string' ? this.#keys.get(kid) : undefined;
    if (derived === undefined) reject(key, 'unknown kid');
    const encodedHeader = Buffer.from(parts.header.buffer, parts.header.byteOffset, parts.header.byteLength).toString(
      'base64url',
    );
    let payload: Uint8Array;
    if (!this.encrypt) {
      const alg = derived.use as SignedAlgorithm;
      if (parts.first.length !== SIGNATURE_BYTES[alg]) reject(key, 'bad signature');
      const mac = createHmac(DIGEST[alg], derived.key)
        .update(`${encodedHeader}.`, 'latin1')
        .update(parts.rest)
        .digest();
      if (!timingSafeEqual(mac, parts.first)) reject(key, 'bad signature');
      payload = parts.rest;
    } else {
      try {
        const decipher = createDecipheriv('aes-256-gcm', derived.key, parts.first, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(encodedHeader, 'latin1'));
        decipher.setAuthTag(parts.second);
        const head = decipher.update(parts.rest);
        const tail = decipher.final();
        payload = tail.length === 0 ? head : Buffer.concat([head, tail]);
      } catch {
        reject(key, 'bad signature (decryption failed)');
      }
    }
    // Authentic from here on; now check it is the entry this read asked for.
    if (h.v !== CONTAINER_VERSION || h.fv !== FORMAT_VERSION) reject(key, 'unknown format version');
    if (h.ck !== (key === undefined ? undefined : keyBinding(key))) reject(key, 'signed for another key');
    const expiresAt = h.xat;
    if (expiresAt !== undefined && !(typeof expiresAt === 'number' && expiresAt > this.#clock()))
      reject(key, 'expired');
    const why = checkPlainMsgpack(payload);
    if (why !== undefined)
      throw new CacheSerializationError(
        `Signed entry${key === undefined ? '' : ` ${key}`} cannot be decoded: it contains ${why}`,
      );
    let value: unknown;
    try {
      value = unpackr.unpack(payload);
    } catch (cause) {
      throw new CacheSerializationError(`Signed entry${key === undefined ? '' : ` ${key}`} cannot be decoded`, {
        cause,
      });
    }
    if (key !== undefined)
      this.#verified.set(key, bytes, {
        value: deepFreeze(value),
        expiresAt: typeof expiresAt === 'number' ? expiresAt : undefined,
      });
    return value;
  }
}

/** What binds an entry to its cache key: a hash, so long keys cost nothing. */
function keyBinding(key: string): string {
  return hash('sha256', key, 'base64url');
}

function reject(key: string | undefined, reason: string): never {
  throw new CacheSignatureError(`Signed entry${key === undefined ? '' : ` ${key}`} rejected: ${reason}`);
}

/** Freezes plain objects and arrays at every depth (bytes cannot be frozen; nothing writes them). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  return Object.freeze(value);
}
