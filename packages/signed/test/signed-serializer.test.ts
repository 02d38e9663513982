import {
  CacheConfigError,
  CachedResponse,
  CacheSerializationError,
  CacheSignatureError,
  DictCache,
  FORMAT_VERSION,
  encodeItem,
  msgpackSerializer,
} from '@axios-client-cache/core';
import { Packr } from 'msgpackr';
import { SignedSerializer } from '@axios-client-cache/signed';
import { derived, forgeSigned, headerFor } from './forge.js';
import { SECRET, SECRET_2, SECRET_48, SECRET_64, makeResponse, view } from './helpers.js';

const KEY = 'GET https://api.example.com/users?page=2';

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  const length = (bytes[2]! << 8) | bytes[3]!;
  return JSON.parse(Buffer.from(bytes.subarray(4, 4 + length)).toString('utf8'));
}

function loadsError(s: SignedSerializer, bytes: Uint8Array, ...key: [string?]): unknown {
  try {
    s.loads(bytes, { key: key.length === 0 ? KEY : key[0] });
  } catch (error) {
    return error;
  }
  throw new Error('loads accepted the entry');
}

describe('SignedSerializer: round trip', () => {
  const s = new SignedSerializer({ secretKey: SECRET });

  test('a response read back through a DictCache is the response written', async () => {
    const cache = new DictCache({ serializer: s });
    const response = makeResponse(1000, { expires: Date.now() + 60_000 });
    await cache.write(KEY, response, { expiresAt: response.expires });
    const read = await cache.read(KEY);
    expect(read).toBeInstanceOf(CachedResponse);
    expect(view(read as CachedResponse)).toEqual(view(response));
  });

  test('a redirect alias (a string) round-trips', async () => {
    const cache = new DictCache({ serializer: s });
    await cache.write('alias', 'target-key');
    expect(await cache.read('alias')).toBe('target-key');
  });

  test('loads is synchronous: no promise on the hit path', () => {
    const bytes = s.dumps(encodeItem(makeResponse()), { key: KEY });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const value = s.loads(bytes, { key: KEY });
    expect(value).not.toBeInstanceOf(Promise);
    expect((value as { t: string }).t).toBe('response');
  });

  test('an entry written without a key reads only without a key, and the other way round', () => {
    const noKey = s.dumps('x', {});
    expect(s.loads(noKey, {})).toBe('x');
    expect(loadsError(s, noKey, KEY)).toBeInstanceOf(CacheSignatureError);
    const withKey = s.dumps('x', { key: KEY });
    expect(loadsError(s, withKey, undefined)).toBeInstanceOf(CacheSignatureError);
  });

  test('an entry with a future expiry reads; one with no expiry reads at any time', () => {
    let now = 1_000_000;
    const timed = new SignedSerializer({ secretKey: SECRET, clock: () => now });
    const bytes = timed.dumps('x', { key: KEY, expiresAt: now + 1000 });
    const forever = timed.dumps('y', { key: KEY, expiresAt: null });
    expect(timed.loads(bytes, { key: KEY })).toBe('x');
    now += 10 ** 12;
    expect(timed.loads(forever, { key: KEY })).toBe('y');
    expect(timed.loads(timed.dumps('z', { key: KEY, expiresAt: Infinity }), { key: KEY })).toBe('z');
  });
});

describe('SignedSerializer: stored form', () => {
  const s = new SignedSerializer({ secretKey: SECRET });

  test('a JWS with an unencoded payload, bound to key, expiry and format version; the body is stored as is', () => {
    const response = makeResponse(4096);
    const bytes = Buffer.from(s.dumps(encodeItem(response), { key: KEY, expiresAt: 1_900_000_000_000 }));
    expect(bytes[0]).toBe(0xc1);
    expect(bytes[1]).toBe(0x53);
    const header = parseHeader(bytes);
    expect(header).toEqual({
      alg: 'HS256',
      b64: false,
      crit: ['b64'],
      kid: s.kid,
      v: 1,
      fv: FORMAT_VERSION,
      ck: expect.any(String),
      xat: 1_900_000_000_000,
    });
    expect(bytes.indexOf(Buffer.from(response.body))).toBeGreaterThan(0);
    expect(bytes.indexOf(Buffer.from(SECRET))).toBe(-1);
    expect(s.kid).not.toContain(SECRET.slice(0, 4));
  });

  test.each([1024, 10 * 1024, 100 * 1024])(
    'a %i-byte body grows by at most 1%% + 200 bytes, signed or encrypted',
    (size) => {
      const record = encodeItem(makeResponse(size, { expires: 1_900_000_000_000 }));
      const plain = msgpackSerializer.dumps(record, {}) as Uint8Array;
      const context = { key: 'a'.repeat(64), expiresAt: 1_900_000_000_000 };
      for (const serializer of [s, new SignedSerializer({ secretKey: SECRET, encrypt: true })]) {
        const signed = serializer.dumps(record, context);
        expect(signed.length - plain.length).toBeLessThanOrEqual(plain.length * 0.01 + 200);
      }
    },
  );

  test('kid is deterministic across processes and separated by salt and algorithm', () => {
    expect(new SignedSerializer({ secretKey: SECRET }).kid).toBe(s.kid);
    expect(new SignedSerializer({ secretKey: SECRET, salt: 'other' }).kid).not.toBe(s.kid);
    expect(new SignedSerializer({ secretKey: SECRET_64, algorithm: 'HS512' }).kid).not.toBe(
      new SignedSerializer({ secretKey: SECRET_64 }).kid,
    );
    expect(new SignedSerializer({ secretKey: SECRET, encrypt: true }).kid).not.toBe(s.kid);
    expect(s.kid).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });
});

describe('SignedSerializer: key rules', () => {
  test.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('%s needs a secret of at least %i bytes', (algorithm, min) => {
    expect(() => new SignedSerializer({ secretKey: 'x'.repeat(min - 1), algorithm })).toThrow(CacheConfigError);
    expect(() => new SignedSerializer({ secretKey: 'x'.repeat(min - 1), algorithm })).toThrow(
      `at least ${min} bytes for ${algorithm}`,
    );
    expect(() => new SignedSerializer({ secretKey: new Uint8Array(min - 1), algorithm })).toThrow(CacheConfigError);
    expect(new SignedSerializer({ secretKey: 'x'.repeat(min), algorithm }).algorithm).toBe(algorithm);
  });

  test('encryption needs 32 bytes; a string counts its UTF-8 bytes', () => {
    expect(() => new SignedSerializer({ secretKey: 'x'.repeat(31), encrypt: true })).toThrow(CacheConfigError);
    expect(() => new SignedSerializer({ secretKey: 'é'.repeat(16) })).not.toThrow(); // 32 bytes
    expect(() => new SignedSerializer({ secretKey: 'é'.repeat(15) })).toThrow(CacheConfigError);
  });

  test('every secret of a rotation list is checked, and the message names which one', () => {
    expect(() => new SignedSerializer({ secretKey: [SECRET, 'short'] })).toThrow(
      'Invalid secretKey[1]: a 5-byte secret',
    );
    expect(() => new SignedSerializer({ secretKeys: ['short', SECRET] })).toThrow('Invalid secretKeys[0]');
  });

  test('an error never shows the secret', () => {
    const secret = 'hunter2-is-my-password';
    for (const make of [
      () => new SignedSerializer({ secretKey: secret }),
      () => new SignedSerializer({ secretKey: [SECRET, secret] }),
      () => new SignedSerializer({ secretKey: 12345678 as never }),
    ]) {
      expect(make).toThrow(CacheConfigError);
      try {
        make();
      } catch (error) {
        expect(String((error as Error).message)).not.toContain('hunter2');
        expect(String((error as Error).message)).not.toContain('12345678');
      }
    }
  });

  test.each(['none', 'None', 'RS256', 'ES256', 'hs256', 'dir', ''])(
    'algorithm %j is a CacheConfigError',
    (algorithm) => {
      expect(() => new SignedSerializer({ secretKey: SECRET_64, algorithm: algorithm as never })).toThrow(
        CacheConfigError,
      );
    },
  );

  test.each([
    [{}, 'needs secretKey or secretKeys'],
    [{ secretKey: SECRET, secretKeys: [SECRET] }, 'not both'],
    [{ secretKey: [] }, 'empty list'],
    [{ secretKeys: SECRET as never }, 'not a list'],
    [{ secretKey: null as never }, 'Invalid secretKey: null (it looks like a missing environment variable'],
    [{ secretKey: SECRET, salt: 5 as never }, 'Invalid salt'],
    [{ secretKey: SECRET, encrypt: 'yes' as never }, 'Invalid encrypt'],
    [{ secretKey: SECRET, encrypt: true, algorithm: 'HS256' as const }, 'dir + A256GCM'],
    [{ secretKey: SECRET, clock: 5 as never }, 'Invalid clock'],
  ])('options %j are a CacheConfigError (%s)', (options, message) => {
    expect(() => new SignedSerializer(options)).toThrow(CacheConfigError);
    expect(() => new SignedSerializer(options)).toThrow(message);
  });
});

describe('SignedSerializer: what does not verify is a CacheSignatureError', () => {
  const s = new SignedSerializer({ secretKey: SECRET });
  const entry = (): Buffer => Buffer.from(s.dumps(encodeItem(makeResponse(256)), { key: KEY }));

  test('a changed signature, header or payload byte', () => {
    for (const at of [5, 20, -300, -1]) {
      const bytes = entry();
      const i = at < 0 ? bytes.length + at : at;
      bytes[i]! ^= 0x01;
      expect(loadsError(s, bytes)).toBeInstanceOf(CacheSignatureError);
    }
    const bytes = entry();
    const sigAt = 4 + ((bytes[2]! << 8) | bytes[3]!) + 1;
    bytes[sigAt]! ^= 0x80;
    expect(loadsError(s, bytes)).toBeInstanceOf(CacheSignatureError);
  });

  test('an entry signed with a key this cache does not know (unknown kid)', () => {
    const other = new SignedSerializer({ secretKey: SECRET_2 });
    expect(String(loadsError(s, other.dumps('x', { key: KEY })))).toContain('unknown kid');
  });

  test('an entry under another cache key (copied), with another salt, or replayed after its expiry', () => {
    const bytes = entry();
    expect(String(loadsError(s, bytes, 'GET https://api.example.com/admin'))).toContain('another key');
    const salted = new SignedSerializer({ secretKey: SECRET, salt: 'billing' });
    expect(loadsError(salted, bytes)).toBeInstanceOf(CacheSignatureError);
    let now = 5_000;
    const timed = new SignedSerializer({ secretKey: SECRET, clock: () => now });
    const expiring = timed.dumps('x', { key: KEY, expiresAt: 6_000 });
    now = 6_000;
    expect(String(loadsError(timed, expiring))).toContain('expired');
  });

  test('truncated at every length, extended, empty, or random bytes', () => {
    const bytes = Buffer.from(s.dumps('a small entry', { key: KEY }));
    for (let n = 0; n < bytes.length; n++)
      expect(loadsError(s, bytes.subarray(0, n))).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(s, Buffer.concat([bytes, Buffer.from([0])]))).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(s, new Uint8Array(0))).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(s, 'not bytes' as never)).toBeInstanceOf(CacheSignatureError);
  });

  test('an unsigned (plain MessagePack) entry', () => {
    const plain = msgpackSerializer.dumps(encodeItem(makeResponse()), {}) as Uint8Array;
    expect(String(loadsError(s, plain))).toContain('not a signed entry');
  });

  test('alg "none", another HMAC algorithm, or the base64url payload form, even with a known kid', () => {
    const { kid } = derived(SECRET);
    const payload = msgpackSerializer.dumps('x', {}) as Uint8Array;
    const none = forgeSigned({ header: headerFor(kid, KEY, { alg: 'none' }), payload });
    expect(String(loadsError(s, none))).toContain('algorithm "none" not allowed');
    // HS512 over the HS256 key: verifies as HMAC-SHA512, but HS512 is not configured.
    const hs512 = forgeSigned({ header: headerFor(kid, KEY, { alg: 'HS512' }), payload, digest: 'sha512' });
    expect(String(loadsError(s, hs512))).toContain('algorithm "HS512" not allowed');
    const b64 = forgeSigned({ header: headerFor(kid, KEY, { b64: true, crit: undefined }), payload });
    expect(String(loadsError(s, b64))).toContain('payload encoding');
    const extraCrit = forgeSigned({ header: headerFor(kid, KEY, { crit: ['b64', 'exp'] }), payload });
    expect(loadsError(s, extraCrit)).toBeInstanceOf(CacheSignatureError);
    // The same header as the serializer's is accepted: the forging helper is right.
    expect(s.loads(forgeSigned({ header: headerFor(kid, KEY), payload }), { key: KEY })).toBe('x');
  });

  test('a header that is not JSON, not an object, or of an unknown format version', () => {
    const { kid } = derived(SECRET);
    const payload = msgpackSerializer.dumps('x', {}) as Uint8Array;
    expect(String(loadsError(s, forgeSigned({ header: '{"alg":', payload })))).toContain('malformed header');
    expect(String(loadsError(s, forgeSigned({ header: '["HS256"]', payload })))).toContain('malformed header');
    expect(
      String(loadsError(s, forgeSigned({ header: Buffer.from([0xff, 0xfe]).toString('latin1'), payload }))),
    ).toContain('malformed header');
    expect(
      String(loadsError(s, forgeSigned({ header: headerFor(kid, KEY, { fv: FORMAT_VERSION + 1 }), payload }))),
    ).toContain('format version');
    expect(String(loadsError(s, forgeSigned({ header: headerFor(kid, KEY, { v: 2 }), payload })))).toContain(
      'format version',
    );
    expect(
      String(loadsError(s, forgeSigned({ header: headerFor(kid, KEY, { xat: '9999999999999' }), payload }))),
    ).toContain('expired');
  });

  test('through a store: read rejects with CacheSignatureError (code ERR_CACHE_SIGNATURE)', async () => {
    const writer = new DictCache({ secretKey: SECRET_2 });
    const reader = new DictCache({ secretKey: SECRET });
    const bytes = await writer.serialize(makeResponse(), KEY);
    const error = await Promise.resolve()
      .then(() => reader.deserialize(bytes, KEY))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheSignatureError);
    expect(error).toBeInstanceOf(CacheSerializationError);
    expect((error as CacheSignatureError).code).toBe('ERR_CACHE_SIGNATURE');
  });
});

describe('SignedSerializer: safe decoding of authentic entries', () => {
  const s = new SignedSerializer({ secretKey: SECRET });
  const { kid } = derived(SECRET);
  const signedPayload = (payload: Uint8Array): Uint8Array => forgeSigned({ header: headerFor(kid, KEY), payload });
  const decodeError = (payload: Uint8Array): unknown => loadsError(s, signedPayload(payload));

  test.each([
    ['msgpackr records', () => new Packr({ useRecords: true }).pack([{ x: 1 }, { x: 2 }])],
    [
      'a structured-clone cycle',
      () => {
        const a: Record<string, unknown> = { n: 1 };
        a.self = a;
        return new Packr({ structuredClone: true }).pack(a);
      },
    ],
    [
      'structured-clone shared references',
      () => {
        const o = { n: 1 };
        return new Packr({ structuredClone: true }).pack([o, o]);
      },
    ],
    ['a Date', () => new Packr().pack({ at: new Date(0) })],
    ['a Set', () => new Packr({ moreTypes: true }).pack(new Set([1]))],
    ['an Error', () => new Packr({ moreTypes: true }).pack(new Error('x'))],
    ['a RegExp', () => new Packr({ moreTypes: true }).pack(/x/)],
    ['a Float64Array', () => new Packr({ moreTypes: true }).pack(new Float64Array([1]))],
    ['a BigInt', () => new Packr().pack({ n: 2n ** 63n })],
    ['undefined', () => new Packr().pack({ u: undefined })],
    ['a map with number keys', () => Buffer.from('810102', 'hex')],
    ['an array claiming 4 billion items', () => Buffer.from('ddffffffff00', 'hex')],
    ['a string longer than the bytes', () => Buffer.from('dbffffffff41', 'hex')],
    ['two values', () => Buffer.from('0102', 'hex')],
    ['nothing', () => new Uint8Array(0)],
    ['the reserved byte 0xc1', () => Buffer.from('c1', 'hex')],
    ['33 nested arrays', () => Buffer.from(`${'91'.repeat(33)}c0`, 'hex')],
  ])('%s: a CacheSerializationError, never an object', (_name, make) => {
    const error = decodeError(new Uint8Array(make()));
    expect(error).toBeInstanceOf(CacheSerializationError);
    expect(error).not.toBeInstanceOf(CacheSignatureError);
  });

  test('plain data still decodes: 32 nested arrays, binary, floats, negative numbers', () => {
    expect(s.loads(signedPayload(Buffer.from(`${'91'.repeat(32)}c0`, 'hex')), { key: KEY })).toBeDefined();
    const value = { b: Buffer.from([1, 2, 3]), f: 1.5, n: -7, big: 1_764_226_800_000, s: 'é', a: [null, true, false] };
    expect(s.loads(signedPayload(new Packr({ useRecords: false }).pack(value)), { key: KEY })).toEqual(value);
  });

  test('an authentic entry of the wrong shape is a CacheSerializationError from the store', async () => {
    const cache = new DictCache({ serializer: s });
    const record = { ...(encodeItem(makeResponse()) as Record<string, unknown>), body: 'not bytes' };
    const bytes = s.dumps(record, { key: KEY });
    await expect(Promise.resolve().then(() => cache.deserialize(bytes, KEY))).rejects.toBeInstanceOf(
      CacheSerializationError,
    );
  });

  test('dumps refuses values that could not be read back', () => {
    for (const value of [{ u: undefined }, { d: new Date() }, new Map([[1, 2]]), { n: 2n ** 64n }]) {
      expect(() => s.dumps(value, { key: KEY })).toThrow(CacheSerializationError);
    }
    expect(() => s.dumps('x', { key: KEY, expiresAt: Number.NaN })).toThrow(CacheSerializationError);
    expect(() => s.dumps('x', { key: KEY, expiresAt: -Infinity })).toThrow(CacheSerializationError);
  });
});

describe('SignedSerializer: key rotation', () => {
  const oldOnly = new SignedSerializer({ secretKey: SECRET });
  const rotating = new SignedSerializer({ secretKeys: [SECRET, SECRET_2] });
  const newOnly = new SignedSerializer({ secretKey: SECRET_2 });

  test('the last key signs; every listed key verifies, so rotation keeps the cache warm', () => {
    expect(rotating.kid).toBe(newOnly.kid);
    expect(rotating.kids).toEqual([oldOnly.kid, newOnly.kid]);
    expect(rotating.loads(oldOnly.dumps('old', { key: KEY }), { key: KEY })).toBe('old');
    const fresh = rotating.dumps('new', { key: KEY });
    expect(newOnly.loads(fresh, { key: KEY })).toBe('new');
    expect(String(loadsError(oldOnly, fresh))).toContain('unknown kid');
  });

  test('a key rotated out no longer verifies its entries', () => {
    expect(String(loadsError(newOnly, oldOnly.dumps('old', { key: KEY })))).toContain('unknown kid');
  });

  test('secretKey accepts a list (as core passes it), the same as secretKeys', () => {
    expect(new SignedSerializer({ secretKey: [SECRET, SECRET_2] }).kids).toEqual(rotating.kids);
    expect(new SignedSerializer({ secretKey: [SECRET, Buffer.from(SECRET_2)] }).kids).toEqual(rotating.kids);
  });

  test('a secret listed twice counts once, where listed last', () => {
    expect(new SignedSerializer({ secretKeys: [SECRET_2, SECRET, SECRET_2] }).kid).toBe(newOnly.kid);
  });

  test.each([
    ['HS384', SECRET_48],
    ['HS512', SECRET_64],
  ] as const)('%s signs and verifies', (algorithm, secret) => {
    const s = new SignedSerializer({ secretKey: secret, algorithm });
    const bytes = s.dumps('x', { key: KEY });
    expect(parseHeader(bytes).alg).toBe(algorithm);
    expect(s.loads(bytes, { key: KEY })).toBe('x');
    expect(loadsError(new SignedSerializer({ secretKey: secret }), bytes)).toBeInstanceOf(CacheSignatureError);
  });
});

describe('SignedSerializer: encryption (JWE dir + A256GCM)', () => {
  const e = new SignedSerializer({ secretKey: SECRET, encrypt: true });

  test('round trip; the body, URL and headers are not readable at rest', async () => {
    const cache = new DictCache({ serializer: e });
    const response = makeResponse(2048);
    await cache.write(KEY, response);
    expect(view((await cache.read(KEY)) as CachedResponse)).toEqual(view(response));
    const bytes = Buffer.from(e.dumps(encodeItem(response), { key: KEY }));
    expect(bytes[1]).toBe(0x45);
    expect(bytes.indexOf(Buffer.from(response.body).subarray(0, 16))).toBe(-1);
    expect(bytes.indexOf('api.example.com')).toBe(-1);
    expect(parseHeader(bytes)).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: e.kid,
      v: 1,
      fv: FORMAT_VERSION,
      ck: expect.any(String),
    });
  });

  test('every entry gets its own IV', () => {
    const a = Buffer.from(e.dumps('same', { key: KEY }));
    const b = Buffer.from(e.dumps('same', { key: KEY }));
    expect(a.equals(b)).toBe(false);
  });

  test('tampered, truncated, moved, expired, rotated out, other kind: CacheSignatureError', () => {
    const bytes = Buffer.from(e.dumps(encodeItem(makeResponse()), { key: KEY }));
    for (const i of [4, 30, bytes.length - 40, bytes.length - 20, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[i]! ^= 0x04;
      expect(loadsError(e, copy)).toBeInstanceOf(CacheSignatureError);
    }
    for (let n = 0; n < bytes.length; n += 7)
      expect(loadsError(e, bytes.subarray(0, n))).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(e, bytes, 'another key')).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(new SignedSerializer({ secretKey: SECRET_2, encrypt: true }), bytes)).toBeInstanceOf(
      CacheSignatureError,
    );
    expect(loadsError(new SignedSerializer({ secretKey: SECRET }), bytes)).toBeInstanceOf(CacheSignatureError);
    expect(loadsError(e, new SignedSerializer({ secretKey: SECRET }).dumps('x', { key: KEY }))).toBeInstanceOf(
      CacheSignatureError,
    );
    let now = 0;
    const timed = new SignedSerializer({ secretKey: SECRET, encrypt: true, clock: () => now });
    const expiring = timed.dumps('x', { key: KEY, expiresAt: 10 });
    now = 11;
    expect(String(loadsError(timed, expiring))).toContain('expired');
  });

  test('rotation: the last key seals, all open', () => {
    const rotating = new SignedSerializer({ secretKeys: [SECRET, SECRET_2], encrypt: true });
    expect(rotating.loads(e.dumps('old', { key: KEY }), { key: KEY })).toBe('old');
    expect(
      new SignedSerializer({ secretKey: SECRET_2, encrypt: true }).loads(rotating.dumps('new', { key: KEY }), {
        key: KEY,
      }),
    ).toBe('new');
  });
});

describe('SignedSerializer: through core (secretKey on a store)', () => {
  test('DictCache({ secretKey }) loads this package and signs with it', async () => {
    const cache = new DictCache({ secretKey: SECRET });
    expect(cache.serializer).toBeInstanceOf(SignedSerializer);
    expect((cache.serializer as SignedSerializer).kid).toBe(new SignedSerializer({ secretKey: SECRET }).kid);
    const response = makeResponse();
    await cache.write(KEY, response);
    expect(view((await cache.read(KEY)) as CachedResponse)).toEqual(view(response));
    const bytes = await cache.serialize(response, KEY);
    expect(bytes[0]).toBe(0xc1);
  });

  test('a list of secrets rotates; salt separates caches', async () => {
    const rotating = new DictCache({ secretKey: [SECRET, SECRET_2] });
    expect((rotating.serializer as SignedSerializer).kids).toHaveLength(2);
    const a = new DictCache({ secretKey: SECRET, salt: 'a' });
    const b = new DictCache({ secretKey: SECRET, salt: 'b' });
    const bytes = await a.serialize('x', KEY);
    expect(await a.deserialize(bytes, KEY)).toBe('x');
    await expect(Promise.resolve().then(() => b.deserialize(bytes, KEY))).rejects.toBeInstanceOf(CacheSignatureError);
  });

  test('a short secret on a store is a CacheConfigError', () => {
    expect(() => new DictCache({ secretKey: 'too short' })).toThrow(CacheConfigError);
  });
});

test('instanceof SignedSerializer holds for another copy of the package (branded), not for look-alikes', () => {
  const brand = Symbol.for('axios-client-cache.signed-serializer');
  expect({ [brand]: true }).toBeInstanceOf(SignedSerializer);
  expect({ dumps() {}, loads() {} }).not.toBeInstanceOf(SignedSerializer);
  expect(null).not.toBeInstanceOf(SignedSerializer);
  class Sub extends SignedSerializer {}
  expect(new Sub({ secretKey: SECRET })).toBeInstanceOf(SignedSerializer);
  expect(new SignedSerializer({ secretKey: SECRET })).not.toBeInstanceOf(Sub);
});

describe('verified entries are remembered by their bytes', () => {
  const s = new SignedSerializer({ secretKey: SECRET });
  test('an unchanged entry is read again without a new verification, but its expiry still counts', () => {
    let now = 5_000;
    const timed = new SignedSerializer({ secretKey: SECRET, clock: () => now });
    const bytes = Buffer.from(timed.dumps({ a: [1, 2] }, { key: KEY, expiresAt: 6_000 }));
    const first = timed.loads(bytes, { key: KEY });
    const again = timed.loads(Buffer.from(bytes), { key: KEY });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen((first as { a: number[] }).a)).toBe(true);
    now = 6_000;
    expect(String(loadsError(timed, bytes))).toContain('expired');
  });

  test('changed bytes under a remembered key are verified in full (and rejected when forged)', () => {
    const bytes = Buffer.from(s.dumps('the real entry', { key: KEY }));
    expect(s.loads(bytes, { key: KEY })).toBe('the real entry');
    for (const i of [bytes.length - 1, bytes.length - 20, 10]) {
      const tampered = Buffer.from(bytes);
      tampered[i] = tampered[i]! ^ 0x01;
      expect(loadsError(s, tampered)).toBeInstanceOf(CacheSerializationError);
    }
    const other = new SignedSerializer({ secretKey: SECRET_2 }).dumps('forged', { key: KEY });
    expect(loadsError(s, other)).toBeInstanceOf(CacheSignatureError);
    expect(s.loads(bytes, { key: KEY })).toBe('the real entry');
  });

  test('bytes remembered under one key are not accepted under another', () => {
    const bytes = Buffer.from(s.dumps('for KEY', { key: KEY }));
    expect(s.loads(bytes, { key: KEY })).toBe('for KEY');
    expect(String(loadsError(s, bytes, 'GET https://api.example.com/other'))).toContain('another key');
  });
});
