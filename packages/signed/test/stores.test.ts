import {
  CacheSerializationError,
  type CachedResponse,
  DictCache,
  type BaseCache,
  type CacheItem,
  type Serializer,
} from '@axios-client-cache/core';
import { MemoryCache } from '@axios-client-cache/memory';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, makeResponse, tampering, view } from './helpers.js';
import { TAMPER_CASES } from './tamper-cases.js';

// Each store, given a signing serializer whose written bytes are then tampered with: a
// read must reject with CacheSerializationError (CacheSignatureError is a subclass), which
// the backend turns into a miss, a delete and a `signature-invalid` event; values() skips.

const KEY = 'GET https://api.example.com/orders/7';

const STORES: ReadonlyArray<readonly [string, (serializer: Serializer) => BaseCache<CacheItem>]> = [
  ['DictCache', (serializer) => new DictCache({ serializer })],
  ['MemoryCache', (serializer) => new MemoryCache({ serializer, sweepIntervalMs: false })],
];

describe.each(STORES)('%s with a SignedSerializer', (_name, create) => {
  const stores: BaseCache<CacheItem>[] = [];
  const make = (serializer: Serializer): BaseCache<CacheItem> => {
    const store = create(serializer);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  test('an untouched entry reads back as written', async () => {
    const store = make(new SignedSerializer({ secretKey: SECRET }));
    const response = makeResponse(10_000);
    await store.write(KEY, response, { expiresAt: Date.now() + 60_000 });
    expect(view((await store.read(KEY)) as CachedResponse)).toEqual(view(response));
  });

  test.each(TAMPER_CASES)('%s: read rejects, values() skips it', async (_case, tamper) => {
    const store = make(tampering(new SignedSerializer({ secretKey: SECRET }), tamper));
    await store.write(KEY, makeResponse(), { expiresAt: Date.now() + 60_000 });
    await expect(store.read(KEY)).rejects.toBeInstanceOf(CacheSerializationError);
    const values: unknown[] = [];
    for await (const value of store.values()) values.push(value);
    expect(values).toEqual([]);
  });

  test('encrypted: a tampered entry is rejected too', async () => {
    const store = make(
      tampering(new SignedSerializer({ secretKey: SECRET, encrypt: true }), (b) => {
        const c = Buffer.from(b);
        c[c.length - 5]! ^= 0x10;
        return c;
      }),
    );
    await store.write(KEY, makeResponse());
    await expect(store.read(KEY)).rejects.toBeInstanceOf(CacheSerializationError);
  });
});

test('MemoryCache({ secretKey }) signs through this package', async () => {
  const store = new MemoryCache({ secretKey: SECRET, sweepIntervalMs: false });
  try {
    expect(store.serializer).toBeInstanceOf(SignedSerializer);
    await store.write(KEY, 'alias-target');
    expect(await store.read(KEY)).toBe('alias-target');
  } finally {
    await store.close();
  }
});
