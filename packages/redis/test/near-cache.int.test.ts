/**
 * The near cache in one process, on a server of the test's own (so its command counts and
 * client list are this file's alone): a hit makes no Redis command, a read raced by an
 * invalidation or a gap is not kept, signed entries are kept as verified, copies do not outlive
 * their Redis TTL, connections are made lazily and closed (a user's client never), and tracking
 * refused by an ACL or missing from the server leaves the store working from Redis.
 */
import axios from 'axios';
import { Redis } from 'ioredis';
import { attachCache, msgpackSerializer, type CachedResponse, type Serializer } from '@axios-client-cache/core';
import { RedisBackend, RedisCache } from '@axios-client-cache/redis';
import { makeResponse } from '@axios-client-cache/test-suite';
import { startRedisServer, type RedisServer } from '../../../scripts/redis-servers.mjs';
import { activeTimers, describeIf, REDIS_SERVER_BIN, settleTimers, uniqueName, until } from './helpers/env.js';
import { slowOrigin } from './helpers/load.js';

const SECRET = 'a-secret-of-at-least-32-bytes-for-signing!';

/** Calls of every command but INFO since the server started, from INFO commandstats. */
async function commandCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') n += Number(m[2]);
  return n;
}

/** Names of the near cache's connections to the server now. */
async function nearConnections(admin: Redis): Promise<string[]> {
  const list = String(await admin.client('LIST'));
  return [...list.matchAll(/ name=(axios-client-cache-near-\w+) /g)].map((m) => m[1]!);
}

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set (scripts/with-redis.mjs)')('near cache in one process', () => {
  let server: RedisServer;
  let admin: Redis;
  const closers: Array<() => Promise<unknown>> = [];
  const baseline = activeTimers();

  beforeAll(async () => {
    server = await startRedisServer({ bin: REDIS_SERVER_BIN });
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
    await settleTimers(baseline);
  });

  const backendOf = (options: ConstructorParameters<typeof RedisBackend>[0] = {}) => {
    const backend = new RedisBackend({
      url: server.url,
      cacheName: uniqueName('near1'),
      expireAfter: 600,
      timeoutMs: 2000,
      ...options,
    });
    closers.push(() => backend.close());
    return backend;
  };
  const storeOf = <T>(options: ConstructorParameters<typeof RedisCache>[0] = {}) => {
    const store = new RedisCache<T>({ url: server.url, timeoutMs: 2000, ...options } as never);
    closers.push(() => store.close());
    return store;
  };

  it('a hit through axios makes no Redis command (and without nearCache, exactly one GET each)', async () => {
    const counts: Record<string, number> = {};
    for (const near of [true, false]) {
      // No heartbeat during the count (it would add its PINGs).
      const backend = backendOf({ nearCache: near && { heartbeatMs: 600_000 } });
      const origin = slowOrigin(0);
      const api = attachCache(axios.create({ baseURL: 'https://api.example.com', adapter: origin.adapter }), backend);
      if (near) expect(await backend.nearCache!.ready(10_000)).toBe(true);
      expect((await api.get('/users')).fromCache).toBe(false);
      await until(async () => (await api.get('/users')).fromCache === true, 'a hit');
      // The miss's background work (the lease, its release, the write) is done, and its echoes
      // (our own writes come back as invalidations) have dropped the copy the write made.
      if (near) await until(() => backend.nearCache!.stats().invalidations >= 3, 'the echoes of the miss');
      else await new Promise((r) => setTimeout(r, 300));
      await api.get('/users'); // from Redis, kept; from here on, from memory
      const before = await commandCalls(admin);
      for (let i = 0; i < 1000; i++) {
        const res = await api.get('/users', { responseType: 'text' });
        expect(res.fromCache).toBe(true);
        expect(JSON.parse(res.data as string)).toEqual({ url: '/users', n: 1 });
      }
      counts[near ? 'near' : 'plain'] = (await commandCalls(admin)) - before;
      expect(origin.requests()).toBe(1);
    }
    expect(counts.near).toBe(0);
    expect(counts.plain).toBeGreaterThanOrEqual(1000); // the count sees every command
  });

  it('a hit of a tagged entry reads the entry from memory once, also when its tag version must come from Redis', async () => {
    const cacheName = uniqueName('near-tags');
    const backend = backendOf({ cacheName, nearCache: { heartbeatMs: 600_000 } });
    const origin = slowOrigin(0);
    const api = attachCache(axios.create({ baseURL: 'https://api.example.com', adapter: origin.adapter }), backend);
    expect(await backend.nearCache!.ready(10_000)).toBe(true);
    const get = () => api.get('/tagged', { clientCache: { tags: ['t1'] } });
    const hitsOf = async () => {
      const before = backend.nearCache!.stats().hits;
      expect((await get()).fromCache).toBe(true);
      return backend.nearCache!.stats().hits - before;
    };
    expect((await get()).fromCache).toBe(false);
    // Both the entry and its tag version kept near (after the echoes of the miss's writes).
    await until(async () => (await hitsOf()) === 2, 'the entry and its tag version read from memory');
    // Another client rewrites the version as it was: the near copy of the version goes, the entry stays live.
    const versionKey = `${cacheName}:t:t1`;
    const version = await admin.getBuffer(versionKey);
    expect(version).not.toBeNull();
    const invalidations = backend.nearCache!.stats().invalidations;
    await admin.set(versionKey, version!, 'KEEPTTL');
    await until(() => backend.nearCache!.stats().invalidations > invalidations, 'the invalidation of the version');
    // The entry from memory (once), its version from Redis; then both from memory again.
    expect(await hitsOf()).toBe(1);
    expect(await hitsOf()).toBe(2);
    expect(origin.requests()).toBe(1);
  });

  it('keeps signed entries as verified; a forged entry written by another process is a miss, not the old copy', async () => {
    const backend = backendOf({ secretKey: SECRET, nearCache: true });
    const invalid: unknown[] = [];
    backend.on('signature-invalid', (e) => invalid.push(e));
    const store = backend.responses as RedisCache<CachedResponse>;
    expect(await backend.nearCache!.ready(10_000)).toBe(true);
    await store.write('k', makeResponse({ body: 'signed v1' }));
    await until(
      async () => (await store.read('k'))?.text() === 'signed v1' && store.nearEntries === 1,
      'the near copy',
    );
    const before = await commandCalls(admin);
    for (let i = 0; i < 100; i++) expect((await store.read('k'))!.text()).toBe('signed v1');
    expect((await commandCalls(admin)) - before).toBeLessThanOrEqual(2); // at most a heartbeat's PINGs

    const arrived = new Promise<void>((resolve) =>
      backend.nearCache!.onInvalidate((keys) => {
        if (keys?.includes(`${store.prefix}k`)) resolve();
      }),
    );
    await admin.set(`${store.prefix}k`, 'forged bytes');
    await arrived;
    const found = await backend.getResponse('k');
    expect(found).toBeUndefined();
    expect(invalid).toHaveLength(1);
  });

  it('a read whose invalidation arrives while it is in flight is served to its caller but not kept', async () => {
    let hold = false;
    let release: (() => void) | undefined;
    const serializer: Serializer = {
      dumps: (value, context) => msgpackSerializer.dumps(value, context),
      loads: (bytes, context) => {
        const value = msgpackSerializer.loads(bytes, context);
        return hold
          ? new Promise((resolve) => {
              release = () => resolve(value);
            })
          : value;
      },
    };
    const cacheName = uniqueName('race');
    const reader = storeOf<string>({ cacheName, serializer, nearCache: true });
    const writer = storeOf<string>({ cacheName }); // its own connection, as another process's
    await writer.write('k', 'v1');
    expect(await reader.nearCache!.ready(10_000)).toBe(true);

    const invalidation = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const off = reader.nearCache!.onInvalidate((keys) => {
          if (keys?.includes(`${reader.prefix}k`)) {
            off();
            resolve();
          }
        });
      });
    let version = 1;
    for (const cause of ['a write', 'a gap'] as const) {
      const dropped = invalidation();
      await writer.write('k', `v${++version}`); // no near copy of k now: the next read goes to Redis
      await dropped;
      expect(reader.nearEntries).toBe(0);
      hold = true;
      release = undefined;
      const inFlight = reader.read('k'); // GET answered, decoding held
      await until(() => release !== undefined, 'the read to be in flight');
      if (cause === 'a write') {
        const invalidated = invalidation();
        await writer.write('k', `v${++version}`);
        await invalidated;
      } else {
        await admin.client('KILL', 'TYPE', 'pubsub');
        await until(() => !reader.nearCache!.armed, 'the gap');
      }
      hold = false;
      release!();
      expect(await inFlight).toBe(cause === 'a write' ? `v${version - 1}` : `v${version}`);
      expect(reader.nearEntries).toBe(0);
      expect(await reader.nearCache!.ready(10_000)).toBe(true);
      expect(await reader.read('k')).toBe(`v${version}`);
      expect(reader.nearEntries).toBe(1);
    }
  });

  it('while bypassed, reads go to Redis; a write is read back at once, and its own echo never brings back an older value', async () => {
    const cacheName = uniqueName('own');
    const store = storeOf<string>({ cacheName, nearCache: true });
    expect(await store.read('k')).toBeUndefined(); // not armed yet: from Redis, and arming starts
    expect(await store.nearCache!.ready(10_000)).toBe(true);
    const echoes: string[][] = [];
    store.nearCache!.onInvalidate((keys) => keys && echoes.push([...keys]));
    for (let i = 1; i <= 20; i++) {
      await store.write('k', `v${i}`);
      expect(await store.read('k')).toBe(`v${i}`);
    }
    await until(() => echoes.flat().filter((k) => k === `${store.prefix}k`).length >= 20, 'the echoes of our writes');
    expect(await store.read('k')).toBe('v20');
    expect(await store.read('k')).toBe('v20');
    expect(store.nearEntries).toBe(1);
    await store.delete('k');
    expect(await store.read('k')).toBeUndefined();
  });

  it('a copy does not outlive its Redis TTL, even before Redis reports the expiry', async () => {
    const cacheName = uniqueName('ttl');
    const reader = storeOf<string>({ cacheName, nearCache: true });
    const writer = storeOf<string>({ cacheName });
    expect(await reader.nearCache!.ready(10_000)).toBe(true);
    await writer.write('k', 'short', { expiresAt: Date.now() + 400 });
    expect(await reader.read('k')).toBe('short');
    expect(await reader.read('k')).toBe('short');
    expect(reader.nearEntries).toBe(1);
    await new Promise((r) => setTimeout(r, 450));
    expect(await reader.read('k')).toBeUndefined();
  });

  it('bounds: at most maxEntries copies per store, least recently used out', async () => {
    const store = storeOf<string>({ cacheName: uniqueName('lru'), nearCache: { maxEntries: 5 } });
    expect(await store.nearCache!.ready(10_000)).toBe(true);
    for (let i = 0; i < 8; i++) await store.write(`k${i}`, `v${i}`);
    for (let i = 0; i < 8; i++) expect(await store.read(`k${i}`)).toBe(`v${i}`);
    expect(store.nearEntries).toBe(5);
    expect(store.nearCache!.stats().entries).toBe(5);
  });

  it("connections: none until first use, two for the pair, none after close; a user's client is never closed", async () => {
    const client = new Redis(server.url);
    try {
      const backend = new RedisBackend({ client, cacheName: uniqueName('life'), nearCache: true });
      await new Promise((r) => setTimeout(r, 50));
      expect(await nearConnections(admin)).toEqual([]);
      await backend.responses.read('x');
      expect(await backend.nearCache!.ready(10_000)).toBe(true);
      expect((await nearConnections(admin)).sort()).toEqual([
        'axios-client-cache-near-sub',
        'axios-client-cache-near-track',
      ]);
      await backend.close();
      await until(async () => (await nearConnections(admin)).length === 0, 'the pair to close');
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('tracking refused by an ACL: the store works from Redis, says why, and arms by itself once allowed', async () => {
    const user = uniqueName('nearless').replace(/[^a-z0-9-]/gi, '');
    await admin.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-client');
    try {
      const errors: unknown[] = [];
      const url = server.url.replace('redis://', `redis://${user}:pw@`);
      const backend = backendOf({ url, nearCache: true });
      backend.on('store-error', (e) => errors.push(e));
      const store = backend.responses as RedisCache<CachedResponse>;
      await store.write('k', makeResponse({ body: 'from redis' }));
      expect((await store.read('k'))!.text()).toBe('from redis');
      expect(await backend.nearCache!.ready(300)).toBe(false);
      expect((await store.read('k'))!.text()).toBe('from redis');
      expect(store.nearEntries).toBe(0);
      expect(errors).toContainEqual(
        expect.objectContaining({
          operation: 'near-cache',
          error: expect.objectContaining({ message: expect.stringMatching(/NOPERM/) }),
        }),
      );
      expect(backend.nearCache!.stats()).toMatchObject({ armed: false, armings: 0 });

      await admin.call('ACL', 'SETUSER', user, '+client');
      expect(await backend.nearCache!.ready(15_000)).toBe(true);
      await store.read('k');
      expect(store.nearEntries).toBe(1);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  }, 30_000);
});

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set (scripts/with-redis.mjs)')(
  'near cache on a server without client tracking',
  () => {
    let server: RedisServer;

    beforeAll(async () => {
      // CLIENT renamed away: CLIENT ID and CLIENT TRACKING are unknown commands, as on a server before Redis 6.
      server = await startRedisServer({ bin: REDIS_SERVER_BIN, extraArgs: ['--rename-command', 'CLIENT', ''] });
    });
    afterAll(async () => {
      await server.stop();
    });

    it('is bypassed: the store works from Redis and reports why', async () => {
      const errors: unknown[] = [];
      const store = new RedisCache<string>({
        url: server.url,
        cacheName: uniqueName('old'),
        timeoutMs: 2000,
        nearCache: true,
      });
      store.on('store-error', (e) => errors.push(e));
      try {
        await store.write('k', 'v');
        expect(await store.read('k')).toBe('v');
        expect(await store.nearCache!.ready(300)).toBe(false);
        expect(await store.read('k')).toBe('v');
        expect(store.nearEntries).toBe(0);
        expect(errors).toContainEqual(
          expect.objectContaining({
            operation: 'near-cache',
            error: expect.objectContaining({ message: expect.stringMatching(/unknown command/i) }),
          }),
        );
      } finally {
        await store.close();
      }
    });
  },
);
