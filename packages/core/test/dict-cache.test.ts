import {
  type CachedResponse,
  CacheClosedError,
  CacheConfigError,
  CacheError,
  CacheSerializationError,
  CacheStoreError,
  DictCache,
  msgpackSerializer,
} from '@axios-client-cache/core';
import { makeResponse } from '@axios-client-cache/test-suite';

function response(body = '{"a":1}'): CachedResponse {
  return makeResponse({ url: 'https://a.example/x', createdAt: 1000, body });
}

describe('DictCache', () => {
  it('pop returns the default for a missing key (the seed never returned it)', async () => {
    const cache = new DictCache<string>();
    expect(await cache.pop('missing', 'fallback')).toBe('fallback');
    await cache.write('k', 'v');
    expect(await cache.pop('k', 'fallback')).toBe('v');
    expect(await cache.contains('k')).toBe(false);
  });

  it('a caller cannot change a stored response through what it reads', async () => {
    const cache = new DictCache();
    await cache.write('k', response());
    const first = (await cache.read('k')) as CachedResponse;
    first.body[0] = 0x5b;
    const again = (await cache.read('k')) as CachedResponse;
    expect(again.text()).toBe('{"a":1}');
    expect(again.json()).toEqual({ a: 1 });
  });

  it('keeps bytes and round-trips through the serializer when one is given', async () => {
    const cache = new DictCache({ serializer: msgpackSerializer });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await cache.write('k', response(all.toString('latin1')));
    const read = (await cache.read('k')) as CachedResponse;
    expect(Buffer.from(read.body)).toEqual(Buffer.from(all.toString('latin1')));
    expect(read.headers.getAll('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(read.headers.get('Content-Type')).toBe('application/json');
  });

  it('drops entries past expiresAt by its clock', async () => {
    let now = 1_000;
    const cache = new DictCache<string>({ clock: () => now });
    await cache.write('k', 'v', { expiresAt: 2_000 });
    expect(await cache.read('k')).toBe('v');
    now = 2_000;
    expect(await cache.read('k')).toBeUndefined();
    expect(await cache.size()).toBe(0);
  });

  it('rejects entries of an unknown format version or wrong shape', async () => {
    const cache = new DictCache();
    const record = { ...response().toRecord(), v: 99 };
    const bytes = msgpackSerializer.dumps(record, {}) as Uint8Array;
    expect(() => cache.deserialize(bytes)).toThrow(CacheSerializationError);
    const wrong = msgpackSerializer.dumps({ ...response().toRecord(), status: '200' }, {}) as Uint8Array;
    expect(() => cache.deserialize(wrong)).toThrow(/status/);
    expect(() => cache.deserialize(Buffer.from([0xc1, 0xff]))).toThrow(CacheSerializationError);
  });

  it('fails clearly after close, and close is idempotent', async () => {
    const cache = new DictCache<string>();
    await cache.close();
    await cache.close();
    await expect(cache.read('k')).rejects.toThrow(CacheClosedError);
    await expect(cache.write('k', 'v')).rejects.toBeInstanceOf(CacheStoreError);
  });

  it('validates its options', () => {
    expect(() => new DictCache({ salt: 5 as unknown as string })).toThrow(/Invalid salt: 5/);
    expect(() => new DictCache({ serializer: {} as never })).toThrow(CacheConfigError);
  });
});

describe('errors', () => {
  it('are instanceof-safe by code and keep the cause', () => {
    const cause = new Error('boom');
    const err = new CacheClosedError('closed', { cause });
    expect(err).toBeInstanceOf(CacheStoreError);
    expect(err).toBeInstanceOf(CacheError);
    expect(err).not.toBeInstanceOf(CacheConfigError);
    expect(err.code).toBe('ERR_CACHE_CLOSED');
    expect(err.cause).toBe(cause);
    // a copy from another bundle: same brand, different class objects
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('axios-client-cache.error')]: ['ERR_CACHE_CONFIG', 'ERR_CACHE'],
    });
    expect(foreign).toBeInstanceOf(CacheConfigError);
    expect(foreign).not.toBeInstanceOf(CacheStoreError);
  });
});
