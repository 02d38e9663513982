import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { FORMAT_VERSION } from '@axios-client-cache/core';
import { packEncrypted, packSigned } from '../src/container.js';
import { DIGEST, deriveKey, type KeyUse } from '../src/keys.js';

/** The derived key bytes and kid of `secret`, as the serializer derives them. */
export function derived(
  secret: string,
  use: KeyUse = 'HS256',
  salt = 'axios-client-cache',
): { kid: string; raw: Uint8Array } {
  const d = deriveKey(Buffer.from(secret), Buffer.from(salt), use);
  return { kid: d.kid, raw: new Uint8Array(d.key.export()) };
}

/** The header the serializer writes, for forging variants of it. */
export function headerFor(kid: string, key?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    alg: 'HS256',
    b64: false,
    crit: ['b64'],
    kid,
    v: 1,
    fv: FORMAT_VERSION,
    ...(key === undefined ? {} : { ck: createHash('sha256').update(key).digest('base64url') }),
    ...extra,
  };
}

/**
 * Signs any header and payload with the key derived from `secret`: what someone holding
 * the secret (or a bug) could write. Tests use it to check what verification and decoding
 * do with entries that are authentic but not what the serializer would write.
 */
export function forgeSigned(options: {
  secret?: string;
  use?: KeyUse;
  salt?: string;
  header: Record<string, unknown> | string;
  payload: Uint8Array;
  digest?: string;
}): Uint8Array {
  const { secret = 'k'.repeat(32), use = 'HS256', salt = 'axios-client-cache', header, payload } = options;
  const raw = derived(secret, use, salt).raw;
  const headerBytes = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const input = `${headerBytes.toString('base64url')}.`;
  const digest = options.digest ?? DIGEST[use];
  const sig =
    header && typeof header === 'object' && header.alg === 'none'
      ? new Uint8Array(0)
      : createHmac(digest, raw).update(input).update(payload).digest();
  return packSigned(headerBytes, sig, payload);
}

/** Seals any header and payload with the encryption key derived from `secret`. */
export function forgeEncrypted(options: {
  secret?: string;
  salt?: string;
  header: Record<string, unknown>;
  payload: Uint8Array;
}): Uint8Array {
  const { secret = 'k'.repeat(32), salt = 'axios-client-cache', header, payload } = options;
  const raw = derived(secret, 'A256GCM', salt).raw;
  const headerBytes = Buffer.from(JSON.stringify(header));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', raw, iv);
  cipher.setAAD(Buffer.from(headerBytes.toString('base64url')));
  const ct = Buffer.concat([cipher.update(payload), cipher.final()]);
  return packEncrypted(headerBytes, iv, cipher.getAuthTag(), ct);
}
