/**
 * Many calls at once on one connection: while commands are in flight, the ones sent in the
 * same tick share one socket write. Every call must still get its own answer, and the
 * socket must not be left holding bytes.
 */
import type { CachedResponse } from '@axios-client-cache/core';
import { RedisCache } from '@axios-client-cache/redis';
import { makeResponse } from '@axios-client-cache/test-suite';
import type { Redis } from 'ioredis';
import { describeIf, REDIS_URL, uniqueName } from './helpers/env.js';

const response = (i: number): CachedResponse => makeResponse({ url: `https://api.test/items/${i}`, body: JSON.stringify({ id: i }) });

describeIf(REDIS_URL, 'REDIS_URL not set')('concurrent calls on one connection', () => {
  let cache: RedisCache;

  beforeEach(async () => {
    cache = new RedisCache({ url: REDIS_URL, cacheName: uniqueName('concurrent'), timeoutMs: 2000 });
    await cache.connection.connect();
  });
  afterEach(async () => {
    await cache.clear();
    await cache.close();
  });

  it('answers each of 300 reads sent at once with its own entry, and leaves the socket uncorked', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => cache.write(`k${i}`, response(i), { expiresAt: Date.now() + 60_000 })));
    const stream = (cache.connection.existingClient as Redis).stream;
    for (let round = 0; round < 3; round++) {
      const reads = Array.from({ length: 300 }, (_, i) => cache.read(i % 7 === 0 ? `missing${i}` : `k${i}`));
      // corked in this tick, while earlier reads are in flight
      expect(stream.writableCorked).toBeGreaterThan(0);
      const items = await Promise.all(reads);
      items.forEach((item, i) => {
        if (i % 7 === 0) expect(item).toBeUndefined();
        else expect(JSON.parse((item as CachedResponse).text())).toEqual({ id: i });
      });
      expect(stream.writableCorked).toBe(0);
    }
    // a lone call afterwards is written at once and answered
    expect(stream.writableCorked).toBe(0);
    await expect(cache.contains('k1')).resolves.toBe(true);
    expect(cache.connection.deadlines.size).toBeLessThanOrEqual(1);
  });
});
