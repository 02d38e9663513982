import { testIf } from '@axios-client-cache/test-suite';
import axios, { type AxiosAdapter } from 'axios';
import { Redis } from 'ioredis';
import {
  CacheSerializationError,
  CacheSignatureError,
  attachCache,
  type CachedResponse,
} from '@axios-client-cache/core';
import { RedisBackend, RedisCache } from '@axios-client-cache/redis';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, makeResponse, view } from './helpers.js';
import { TAMPER_CASES } from './tamper-cases.js';

// A shared Redis is writable by anyone with its password: entries changed, forged or
// copied there with plain Redis commands must be misses. Needs REDIS_URL (started by
// scripts/with-redis.mjs); skipped visibly otherwise.

const REDIS_URL = process.env.REDIS_URL;
let counter = 0;
const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

const describeRedis = REDIS_URL ? describe : describe.skip;

describeRedis('RedisCache with a SignedSerializer (real Redis)', () => {
  let raw: Redis;
  let cache: RedisCache<CachedResponse>;
  const KEY = 'GET https://api.example.com/orders/7';

  beforeAll(() => {
    raw = new Redis(REDIS_URL!, { lazyConnect: false });
  });
  afterAll(async () => {
    await raw.quit();
  });
  beforeEach(() => {
    cache = new RedisCache<CachedResponse>({
      url: REDIS_URL,
      cacheName: uniqueName('signed'),
      secretKey: SECRET,
      timeoutMs: 5_000,
    });
  });
  afterEach(async () => {
    await cache.clear();
    await cache.close();
  });

  test('an entry written by the cache reads back; Redis holds the signed bytes', async () => {
    const response = makeResponse(10_000);
    await cache.write(KEY, response, { expiresAt: Date.now() + 60_000 });
    expect(view((await cache.read(KEY))!)).toEqual(view(response));
    const stored = await raw.getBuffer(cache.prefix + KEY);
    expect(stored![0]).toBe(0xc1);
  });

  test.each(TAMPER_CASES)('%s, set with plain Redis commands: read rejects', async (_name, tamper) => {
    await cache.write(KEY, makeResponse(), { expiresAt: Date.now() + 60_000 });
    const stored = (await raw.getBuffer(cache.prefix + KEY))!;
    await raw.set(cache.prefix + KEY, Buffer.from(tamper(stored, { key: KEY, expiresAt: Date.now() + 60_000 })));
    await expect(cache.read(KEY)).rejects.toBeInstanceOf(CacheSerializationError);
  });

  test('a valid entry copied to another key is rejected as signed for another key', async () => {
    await cache.write(KEY, makeResponse());
    await raw.copy(cache.prefix + KEY, `${cache.prefix}GET https://api.example.com/admin`);
    const error = await cache.read('GET https://api.example.com/admin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheSignatureError);
    expect(String(error)).toContain('another key');
  });

  test('encrypted: the body is not readable in Redis, and tampering is rejected', async () => {
    const sealed = new RedisCache<CachedResponse>({
      url: REDIS_URL,
      cacheName: uniqueName('sealed'),
      timeoutMs: 5_000,
      serializer: new SignedSerializer({ secretKey: SECRET, encrypt: true }),
    });
    try {
      const response = makeResponse(2048);
      await sealed.write(KEY, response);
      const stored = (await raw.getBuffer(sealed.prefix + KEY))!;
      expect(stored.indexOf(Buffer.from(response.body).subarray(0, 16))).toBe(-1);
      expect(view((await sealed.read(KEY))!)).toEqual(view(response));
      stored[stored.length - 1]! ^= 1;
      await raw.set(sealed.prefix + KEY, stored);
      await expect(sealed.read(KEY)).rejects.toBeInstanceOf(CacheSignatureError);
    } finally {
      await sealed.clear();
      await sealed.close();
    }
  });
});

describeRedis('RedisBackend with secretKey, end to end (real Redis)', () => {
  test('a forged entry in Redis: origin answers, entry deleted, signature-invalid raised', async () => {
    let calls = 0;
    const adapter: AxiosAdapter = async (config) => ({
      data: JSON.stringify({ call: ++calls }),
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      config,
      request: {},
    });
    const backend = new RedisBackend({
      url: REDIS_URL,
      cacheName: uniqueName('e2e'),
      secretKey: SECRET,
      expireAfter: 60,
      timeoutMs: 5_000,
    });
    const raw = new Redis(REDIS_URL!);
    try {
      const events: unknown[] = [];
      backend.on('signature-invalid', (e) => events.push(e));
      const api = attachCache(axios.create({ adapter }), backend);
      const first = await api.get('https://api.example.com/orders/7');
      const key = first.cacheKey!;
      const redisKey = (backend.responses as RedisCache<CachedResponse>).prefix + key;
      expect((await api.get('https://api.example.com/orders/7')).fromCache).toBe(true);
      // The store write happens off the response path: wait until it has landed in Redis.
      for (let i = 0; i < 200 && (await raw.exists(redisKey)) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 20));

      // Someone with the Redis password swaps in an entry signed with another key.
      const forged = new SignedSerializer({ secretKey: 'f'.repeat(32) }).dumps(
        { ...makeResponse().toRecord(), body: Buffer.from('{"forged":true}') },
        { key, expiresAt: Date.now() + 60_000 },
      );
      await raw.set(redisKey, Buffer.from(forged));

      const after = await api.get('https://api.example.com/orders/7');
      expect(after.fromCache).toBe(false);
      expect(after.data).toEqual({ call: 2 });
      expect(events).toHaveLength(1);
      // Deleted, then stored again from the origin with a valid signature.
      const stored = await raw.getBuffer(redisKey);
      expect(Buffer.from(stored!).equals(Buffer.from(forged))).toBe(false);
      expect((await api.get('https://api.example.com/orders/7')).data).toEqual({ call: 2 });
    } finally {
      await backend.clear();
      await backend.close();
      await raw.quit();
    }
  });
});

if (!REDIS_URL)
  testIf(false, 'REDIS_URL not set; run through scripts/with-redis.mjs')('signed entries on Redis', async () => {});
