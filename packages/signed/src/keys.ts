import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { CacheConfigError } from '@axios-client-cache/core';

/** The HMAC algorithms a signed cache may use (JWS `alg`). */
export type SignedAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** What a key is derived for: an HMAC algorithm, or the JWE content encryption. */
export type KeyUse = SignedAlgorithm | 'A256GCM';

/** Node's digest name of each algorithm. */
export const DIGEST: Readonly<Record<KeyUse, 'sha256' | 'sha384' | 'sha512'>> = Object.freeze({
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
  A256GCM: 'sha256',
});

/**
 * Shortest secret accepted for each use, in bytes: the hash's output size for HMAC
 * (RFC 7518 §3.2), the key size for AES-256-GCM.
 */
export const MIN_SECRET_BYTES: Readonly<Record<KeyUse, number>> = Object.freeze({
  HS256: 32,
  HS384: 48,
  HS512: 64,
  A256GCM: 32,
});

/** Length of the signature each algorithm makes, in bytes. */
export const SIGNATURE_BYTES: Readonly<Record<SignedAlgorithm, number>> = Object.freeze({
  HS256: 32,
  HS384: 48,
  HS512: 64,
});

/** A key derived from one secret: what signs or seals, and the `kid` that names it. */
export interface DerivedKey {
  /** Short public name of the key: a hash of the derived key, never of the secret alone. */
  readonly kid: string;
  readonly use: KeyUse;
  readonly key: KeyObject;
}

const INFO_PREFIX = 'axios-client-cache/signed v1 ';
const KID_PREFIX = Buffer.from('axios-client-cache/signed kid\0');

/**
 * Derives the key of one secret for one use with HKDF (RFC 5869): the salt separates
 * caches that share a secret, the use keeps the HMAC and AES keys apart. Deterministic,
 * so every process that shares the secret and salt derives the same key and `kid`.
 */
export function deriveKey(secret: Uint8Array, salt: Uint8Array, use: KeyUse): DerivedKey {
  const length = use === 'A256GCM' ? 32 : MIN_SECRET_BYTES[use];
  const raw = Buffer.from(hkdfSync(DIGEST[use], secret, salt, INFO_PREFIX + use, length));
  // 64 bits of a hash of the derived key: enough to tell a handful of rotation keys apart,
  // and says nothing about the secret.
  const kid = createHash('sha256').update(KID_PREFIX).update(raw).digest().subarray(0, 8).toString('base64url');
  return { kid, use, key: createSecretKey(raw) };
}

/**
 * Checks and normalises the configured secrets to bytes, oldest first. Error messages
 * give the length of a bad secret, never the secret.
 */
export function normaliseSecrets(option: string, value: unknown, use: KeyUse): Uint8Array[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new CacheConfigError(`Invalid ${option}: an empty list (expected at least one secret)`);
  return list.map((secret, i) => {
    const name = Array.isArray(value) ? `${option}[${i}]` : option;
    let bytes: Uint8Array;
    if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
    else if (secret instanceof Uint8Array) bytes = Uint8Array.prototype.slice.call(secret);
    // The type only: whatever was passed may still be a secret.
    else
      throw new CacheConfigError(
        `Invalid ${name}: a value of type ${secret === null ? 'null' : typeof secret} (expected a string or bytes)`,
      );
    const min = MIN_SECRET_BYTES[use];
    if (bytes.byteLength < min) {
      throw new CacheConfigError(
        `Invalid ${name}: a ${bytes.byteLength}-byte secret (expected at least ${min} bytes for ${use}; generate one with \`openssl rand -base64 ${min}\`)`,
      );
    }
    return bytes;
  });
}
