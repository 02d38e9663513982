/**
 * docs/stores/signed.md says how to check an entry with any JOSE library: split the stored
 * bytes, derive the key with HKDF from the secret and the salt, and verify (or decrypt). This
 * test does exactly what the page says, with node:crypto and jose and nothing of this package
 * but the serializer that wrote the entry — so the page cannot drift from the code.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { flattenedDecrypt, flattenedVerify } from 'jose';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, SECRET_2, SECRET_48, SECRET_64 } from './helpers.js';

// --- what the page documents -------------------------------------------------------------
const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512', A256GCM: 'sha256' } as const;
const LENGTH = { HS256: 32, HS384: 48, HS512: 64, A256GCM: 32 } as const;
type Use = keyof typeof HASH;

/** HKDF(hash, IKM = secret, salt, info = "axios-client-cache/signed v1 " + use, L). */
function documentedKey(secret: string, salt: string, use: Use): Uint8Array {
  return new Uint8Array(
    hkdfSync(
      HASH[use],
      Buffer.from(secret, 'utf8'),
      Buffer.from(salt, 'utf8'),
      `axios-client-cache/signed v1 ${use}`,
      LENGTH[use],
    ),
  );
}

/** kid = base64url of the first 8 bytes of SHA-256("axios-client-cache/signed kid" 0x00 || key). */
function documentedKid(key: Uint8Array): string {
  return createHash('sha256')
    .update('axios-client-cache/signed kid\0')
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString('base64url');
}

/** The stored layout: 0xC1, 'S' or 'E', u16 header length (big endian), header, then per kind. */
function documentedParts(entry: Uint8Array) {
  const b = Buffer.from(entry);
  expect(b[0]).toBe(0xc1);
  const kind = String.fromCharCode(b[1]!);
  const headerLength = b.readUInt16BE(2);
  const header = b.subarray(4, 4 + headerLength);
  let p = 4 + headerLength;
  if (kind === 'S') {
    const sigLength = b[p++]!;
    return { kind, header, signature: b.subarray(p, p + sigLength), payload: b.subarray(p + sigLength) };
  }
  return { kind, header, iv: b.subarray(p, p + 12), tag: b.subarray(p + 12, p + 28), ciphertext: b.subarray(p + 28) };
}
// ------------------------------------------------------------------------------------------

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const SALT = 'billing-api';
const KEY = 'GET https://api.example.com/users';

describe('an entry verifies with jose from the documented parameters alone', () => {
  test.each([
    ['HS256', SECRET],
    ['HS384', SECRET_48],
    ['HS512', SECRET_64],
  ] as const)('%s', async (algorithm, secret) => {
    const serializer = new SignedSerializer({ secretKey: secret, salt: SALT, algorithm });
    const entry = serializer.dumps({ hello: 'world' }, { key: KEY, expiresAt: 4_000_000_000_000 });
    const parts = documentedParts(entry);
    expect(parts.kind).toBe('S');
    const key = documentedKey(secret, SALT, algorithm);
    const jws = {
      protected: b64u(parts.header),
      payload: new Uint8Array(parts.payload!),
      signature: b64u(parts.signature!),
    };
    const { protectedHeader, payload } = await flattenedVerify(jws, key, { algorithms: [algorithm] });
    expect(protectedHeader).toMatchObject({
      alg: algorithm,
      b64: false,
      crit: ['b64'],
      kid: documentedKid(key),
      xat: 4_000_000_000_000,
    });
    expect(protectedHeader?.ck).toBe(createHash('sha256').update(KEY).digest('base64url'));
    expect(Buffer.from(payload).equals(parts.payload!)).toBe(true);
    // another salt derives another key: the entry does not verify with it
    await expect(
      flattenedVerify(jws, documentedKey(secret, 'other', algorithm), { algorithms: [algorithm] }),
    ).rejects.toThrow();
  });

  test('an encrypted entry decrypts with the documented A256GCM key', async () => {
    const serializer = new SignedSerializer({ secretKey: SECRET, salt: SALT, encrypt: true });
    const parts = documentedParts(serializer.dumps('a secret body', { key: KEY }));
    expect(parts.kind).toBe('E');
    const key = documentedKey(SECRET, SALT, 'A256GCM');
    const jwe = {
      protected: b64u(parts.header),
      iv: b64u(parts.iv!),
      tag: b64u(parts.tag!),
      ciphertext: b64u(parts.ciphertext!),
    };
    const { protectedHeader, plaintext } = await flattenedDecrypt(jwe, key);
    expect(protectedHeader).toMatchObject({ alg: 'dir', enc: 'A256GCM', kid: documentedKid(key) });
    expect(Buffer.from(plaintext).toString('latin1')).toContain('a secret body');
  });

  test('with a list of secrets, the last signs and each kid is documentedKid of its own key', () => {
    const serializer = new SignedSerializer({ secretKey: [SECRET, SECRET_2], salt: SALT });
    const kids = [SECRET, SECRET_2].map((s) => documentedKid(documentedKey(s, SALT, 'HS256')));
    expect(serializer.kids).toEqual(kids);
    expect(JSON.parse(documentedParts(serializer.dumps(1, { key: KEY })).header.toString()).kid).toBe(kids[1]);
  });
});
