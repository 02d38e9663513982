import { FlattenedEncrypt, FlattenedSign, flattenedDecrypt, flattenedVerify } from 'jose';
import { FORMAT_VERSION, CacheSignatureError } from '@axios-client-cache/core';
import { SignedSerializer } from '@axios-client-cache/signed';
import { packEncrypted, packSigned, unpackParts, type Parts } from '../src/container.js';
import { derived, headerFor } from './forge.js';
import { SECRET, SECRET_64 } from './helpers.js';

// The stored form is JOSE laid out as bytes: these tests hold it to a reference
// implementation in both directions.

const KEY = 'GET https://api.example.com/x';
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const parts = (entry: Uint8Array): Parts => unpackParts(entry) as Parts;

describe('jose reads what SignedSerializer writes', () => {
  test('a signed entry is a valid RFC 7797 flattened JWS (HS256, HS512)', async () => {
    for (const [algorithm, secret] of [
      ['HS256', SECRET],
      ['HS512', SECRET_64],
    ] as const) {
      const s = new SignedSerializer({ secretKey: secret, algorithm });
      const p = parts(s.dumps({ hello: 'world' }, { key: KEY, expiresAt: 4_000_000_000_000 }));
      const jws = { protected: b64u(p.header), payload: new Uint8Array(p.rest), signature: b64u(p.first) };
      const key = derived(secret, algorithm).raw;
      const result = await flattenedVerify(jws, key, { algorithms: [algorithm] });
      expect(result.protectedHeader).toMatchObject({
        alg: algorithm,
        b64: false,
        crit: ['b64'],
        kid: s.kid,
        xat: 4_000_000_000_000,
      });
      await expect(flattenedVerify(jws, key, { algorithms: ['HS384'] })).rejects.toThrow();
      await expect(
        flattenedVerify(
          jws,
          derived(SECRET_64, algorithm).raw.map((x) => x ^ 1),
          { algorithms: [algorithm] },
        ),
      ).rejects.toThrow();
    }
  });

  test('an encrypted entry is a valid flattened JWE (dir, A256GCM)', async () => {
    const e = new SignedSerializer({ secretKey: SECRET, encrypt: true });
    const p = parts(e.dumps('secret body', { key: KEY }));
    const jwe = { protected: b64u(p.header), iv: b64u(p.first), tag: b64u(p.second), ciphertext: b64u(p.rest) };
    const result = await flattenedDecrypt(jwe, derived(SECRET, 'A256GCM').raw);
    expect(result.protectedHeader).toMatchObject({ alg: 'dir', enc: 'A256GCM', kid: e.kid });
    expect(Buffer.from(result.plaintext).toString('latin1')).toContain('secret body');
  });
});

describe('SignedSerializer reads what jose writes, and only what it allows', () => {
  const s = new SignedSerializer({ secretKey: SECRET });
  const { kid, raw } = derived(SECRET);
  const payload = new Uint8Array([0xa2, 0x6f, 0x6b]); // msgpack "ok"

  test('a jose FlattenedSign JWS with the unencoded payload verifies', async () => {
    const jws = await new FlattenedSign(payload).setProtectedHeader(headerFor(kid, KEY) as never).sign(raw);
    const entry = packSigned(bytes(jws.protected!), bytes(jws.signature), payload);
    expect(s.loads(entry, { key: KEY })).toBe('ok');
  });

  test('a jose JWS with another algorithm or a base64url payload is refused', async () => {
    const hs512 = await new FlattenedSign(payload)
      .setProtectedHeader(headerFor(kid, KEY, { alg: 'HS512' }) as never)
      .sign(raw);
    expect(() => s.loads(packSigned(bytes(hs512.protected!), bytes(hs512.signature), payload), { key: KEY })).toThrow(
      CacheSignatureError,
    );
    const encoded = await new FlattenedSign(payload)
      .setProtectedHeader({ alg: 'HS256', kid, v: 1, fv: FORMAT_VERSION } as never)
      .sign(raw);
    expect(() =>
      s.loads(packSigned(bytes(encoded.protected!), bytes(encoded.signature), payload), { key: KEY }),
    ).toThrow(CacheSignatureError);
  });

  test('a jose FlattenedEncrypt JWE decrypts', async () => {
    const e = new SignedSerializer({ secretKey: SECRET, encrypt: true });
    const k = derived(SECRET, 'A256GCM');
    const header = { alg: 'dir', enc: 'A256GCM', kid: k.kid, v: 1, fv: FORMAT_VERSION };
    const jwe = await new FlattenedEncrypt(payload).setProtectedHeader(header).encrypt(k.raw);
    const entry = packEncrypted(bytes(jwe.protected!), bytes(jwe.iv!), bytes(jwe.tag!), bytes(jwe.ciphertext));
    expect(e.loads(entry, {})).toBe('ok');
  });
});
