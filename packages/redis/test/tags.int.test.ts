/**
 * Tags on a real Redis and a real 3-master Cluster, without near caches (the near caches of
 * several processes are in near-processes.int.test.ts): an invalidation by one backend is a
 * miss in every other, in O(1) commands per tag whatever the number of entries; a response in
 * flight across an invalidation is not stored; versions that are planted, unsigned or gone
 * make misses, never hits.
 */
import axios from 'axios';
import { Cluster, Redis } from 'ioredis';
import { attachCache, type CacheEventMap } from '@axios-client-cache/core';
import { RedisBackend, type RedisBackendOptions } from '@axios-client-cache/redis';
import { makeResponse } from '@axios-client-cache/test-suite';
import { CLUSTER_NODES, describeIf, REDIS_URL, uniqueName } from './helpers/env.js';
import { startOrigin } from './helpers/processes.js';

const SECRET = 'tags-test-secret-0123456789abcdef0123456789';

const targets: Array<[string, () => Partial<RedisBackendOptions> | undefined, () => Redis | Cluster]> = [
  ['one Redis', () => (REDIS_URL ? { url: REDIS_URL } : undefined), () => new Redis(REDIS_URL!)],
  [
    'a Redis Cluster',
    () => (CLUSTER_NODES ? { cluster: { nodes: CLUSTER_NODES } } : undefined),
    () => new Cluster(CLUSTER_NODES!),
  ],
];

type Origin = Awaited<ReturnType<typeof startOrigin>>;

for (const [name, where, admin] of targets) {
  describeIf(where(), `${name} not started (scripts/with-redis.mjs)`)(`tags on ${name}`, () => {
    let origin: Origin;
    let slow: Origin;
    let cacheName: string;
    const open: RedisBackend[] = [];
    const backend = (options: Partial<RedisBackendOptions> = {}): RedisBackend => {
      const b = new RedisBackend({ ...where(), cacheName, expireAfter: 600, timeoutMs: 5_000, ...options });
      open.push(b);
      return b;
    };

    beforeAll(async () => {
      origin = await startOrigin(0);
      slow = await startOrigin(400);
    });
    afterAll(async () => {
      await origin.close();
      await slow.close();
    });
    beforeEach(() => {
      cacheName = uniqueName('tags');
    });
    afterEach(async () => {
      await open[0]?.clear().catch(() => undefined);
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('an invalidation by one backend is a miss in another; Cache-Tag headers and request tags alike', async () => {
      const a = attachCache(axios.create({ baseURL: origin.url }), backend());
      const b = attachCache(axios.create({ baseURL: origin.url }), backend());
      const id = uniqueName('t');
      await a.get(`/x/${id}`, { clientCache: { tags: [`req-${id}`] } });
      await a.get(`/y/${id}?tag=hdr-${id},shared-${id}`);
      await a.get(`/z/${id}`, { clientCache: { tags: [`keep-${id}`] } });
      for (const path of [`/x/${id}`, `/y/${id}?tag=hdr-${id},shared-${id}`, `/z/${id}`])
        expect((await b.get(path)).fromCache).toBe(true);

      await b.cache.invalidateTags([`req-${id}`, `shared-${id}`]);
      expect((await a.get(`/x/${id}`)).fromCache).toBe(false);
      expect((await a.get(`/y/${id}?tag=hdr-${id},shared-${id}`)).fromCache).toBe(false);
      expect((await a.get(`/z/${id}`)).fromCache).toBe(true);
      // Stored again after the invalidation, with the header's tags: B hits it, until the next one.
      expect((await b.get(`/y/${id}?tag=hdr-${id},shared-${id}`)).fromCache).toBe(true);
      await a.cache.invalidateTags(`hdr-${id}`);
      expect((await b.get(`/y/${id}?tag=hdr-${id},shared-${id}`)).fromCache).toBe(false);
    });

    it('invalidateTags of a tag on 2 000 entries: one command, and every entry misses in another backend', async () => {
      const writer = backend();
      const reader = backend();
      const tag = uniqueName('bulk');
      const keys: string[] = [];
      const now = Date.now();
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => {
            const url = `https://api.example.com/item/${batch * 100 + i}`;
            const key = writer.createKey('GET', url);
            keys.push(key);
            return writer.saveResponse(
              makeResponse({
                url,
                headers: [['content-type', 'text/plain']],
                body: `item ${batch * 100 + i}`,
                createdAt: now,
                requestTime: now,
                expires: now + 600_000,
                tags: [tag, `item-${batch * 100 + i}`],
              }),
              key,
            );
          }),
        );
      }
      const sample = keys.filter((_, i) => i % 40 === 0);
      for (const key of sample) expect(await reader.getResponse(key)).toBeDefined();

      const send = jest.spyOn(writer.connection, 'send');
      await writer.invalidateTags([tag]);
      const commands = send.mock.calls.map(([, command]) => (command as { name: string }).name.toLowerCase());
      send.mockRestore();
      expect(commands).toEqual(['set']);

      for (const key of sample) expect(await reader.getResponse(key)).toBeUndefined();
      expect(await writer.getResponse(keys[1_999]!)).toBeUndefined();
    }, 60_000);

    it('a response in flight across an invalidation (by another backend) is not stored: tag-invalidated', async () => {
      const a = attachCache(axios.create({ baseURL: slow.url }), backend());
      const b = backend();
      const reasons: Array<CacheEventMap['not-stored']['reason']> = [];
      a.cache.on('not-stored', (e) => reasons.push(e.reason));
      const id = uniqueName('flight');
      const inFlight = a.get(`/f/${id}`, { clientCache: { tags: [id] } });
      await new Promise((r) => setTimeout(r, 150));
      await b.invalidateTags([id]);
      expect((await inFlight).fromCache).toBe(false);
      expect(reasons).toEqual(['tag-invalidated']);
      expect((await a.get(`/f/${id}`, { clientCache: { tags: [id] } })).fromCache).toBe(false);
      expect((await a.get(`/f/${id}`)).fromCache).toBe(true);
      expect(slow.count(`/f/${id}`)).toBe(2);
    });

    it('a version planted, deleted or unsigned in Redis makes misses, and the next store repairs it', async () => {
      const redis = admin();
      try {
        for (const signed of [false, true]) {
          const a = attachCache(axios.create({ baseURL: origin.url }), backend(signed ? { secretKey: SECRET } : {}));
          const reasons: string[] = [];
          a.cache.on('not-stored', (e) => reasons.push(e.reason));
          const id = uniqueName('planted');
          const path = `/p/${id}`;
          const get = async () => (await a.get(path, { clientCache: { tags: [id] } })).fromCache;
          const pause = () => new Promise((r) => setTimeout(r, 5));
          const versionKey = `${cacheName}:t:${id}`;
          expect(await get()).toBe(false);
          expect(await get()).toBe(true);
          const held = await redis.getBuffer(versionKey);
          expect(held).not.toBeNull();

          // A string that is not a version (msgpack), or (signed) a well-formed but unsigned
          // version: a miss, never the old entry.
          const notAVersion = Buffer.concat([Buffer.from([0xa7]), Buffer.from('garbage')]);
          await redis.set(versionKey, signed ? Buffer.from('0123456789abcdef.0') : notAVersion);
          expect(await get()).toBe(false);
          // That response could not tell what it replaced: not stored; the next one is.
          expect(reasons).toEqual(['tag-invalidated']);
          await pause();
          expect(await get()).toBe(false);
          expect(await get()).toBe(true);

          // The old version put back (a replay) does not bring back what was stored under it…
          await redis.set(versionKey, held!);
          expect(await get()).toBe(false);
          await pause();
          expect(await get()).toBe(true);
          // …and a version that is gone (evicted, FLUSHALL) is a miss too.
          await redis.del(versionKey);
          expect(await get()).toBe(false);
          expect(await get()).toBe(true);
          // Bytes that decode to nothing: a miss as well.
          await redis.set(versionKey, Buffer.from([0xc1, 0xff, 0x00]));
          expect(await get()).toBe(false);
          await pause();
          expect(await get()).toBe(false);
          expect(await get()).toBe(true);
          // Not a string at all (a hash, with no TTL): a miss, and replaced like any garbage.
          await redis.del(versionKey);
          await redis.hset(versionKey, 'planted', '1');
          expect(await get()).toBe(false);
          await pause();
          expect(await get()).toBe(false);
          expect(await get()).toBe(true);
          expect(await redis.type(versionKey)).toBe('string');
        }
      } finally {
        redis.disconnect();
      }
    });

    it('the version key lives as long as the longest-kept entry with the tag, and no longer than needed', async () => {
      const redis = admin();
      try {
        const a = attachCache(axios.create({ baseURL: origin.url }), backend());
        const id = uniqueName('ttl');
        await a.get(`/s/${id}`, { expireAfter: 60, clientCache: { tags: [id] } });
        const short = await redis.pttl(`${cacheName}:t:${id}`);
        expect(short).toBeGreaterThan(50_000);
        expect(short).toBeLessThanOrEqual(60_000);
        await a.get(`/l/${id}`, { expireAfter: 3600, clientCache: { tags: [id] } });
        const long = await redis.pttl(`${cacheName}:t:${id}`);
        expect(long).toBeGreaterThan(3_500_000);
        await a.get(`/s2/${id}`, { expireAfter: 60, clientCache: { tags: [id] } });
        expect(await redis.pttl(`${cacheName}:t:${id}`)).toBeGreaterThan(3_500_000); // never shortened
      } finally {
        redis.disconnect();
      }
    });
  });
}
