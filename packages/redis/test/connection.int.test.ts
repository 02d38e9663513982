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

const response = (i: number): CachedResponse =>
  makeResponse({ url: `https://api.test/items/${i}`, body: JSON.stringify({ id: i }) });

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
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => cache.write(`k${i}`, response(i), { expiresAt: Date.now() + 60_000 })),
    );
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

describeIf(REDIS_URL, 'REDIS_URL not set')('an error reply', () => {
  it('is an answer: it does not make the connection look unresponsive', async () => {
    const cache = new RedisCache({ url: REDIS_URL, cacheName: uniqueName('error-reply'), timeoutMs: 100 });
    try {
      await cache.connection.connect();
      const client = cache.connection.existingClient as Redis;
      await client.set(`${cache.prefix}list`, 'a string');
      const { Command } = await import('ioredis');
      // LPUSH on a string: Redis answers WRONGTYPE at once.
      await expect(cache.connection.send(client, new Command('lpush', [`${cache.prefix}list`, 'x']))).rejects.toThrow(
        /WRONGTYPE/,
      );
      // Watch past the 100 ms deadline: the connection must never be taken for frozen.
      let tripped = false;
      for (let waited = 0; waited < 250; waited += 5) {
        if (!cache.connection.responsive) tripped = true;
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(tripped).toBe(false);
      await cache.write('k', response(1), { expiresAt: Date.now() + 60_000 });
      expect(JSON.parse(((await cache.read('k')) as CachedResponse).text())).toEqual({ id: 1 });
    } finally {
      await cache.clear();
      await cache.close();
    }
  });
});
