import { Redis } from 'ioredis';
import { RedisMissLock } from '@axios-client-cache/redis';
import { freePort, rawCommand, startRedisServer } from '../../../scripts/redis-servers.mjs';
import { CLUSTER_NODES, describeIf, REDIS_SERVER_BIN, REDIS_URL, uniqueName } from './helpers/env.js';

const LEASE = /^L:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeIf(REDIS_URL, 'REDIS_URL not set')('RedisMissLock', () => {
  const locks: RedisMissLock[] = [];
  let redis: Redis;
  const make = (cacheName: string, leaseMs: number): RedisMissLock => {
    const lock = new RedisMissLock({ url: REDIS_URL, cacheName, leaseMs, timeoutMs: 2000 });
    locks.push(lock);
    return lock;
  };
  beforeAll(() => {
    redis = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    await redis.quit();
  });
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((l) => l.close()));
  });

  it('one holder at a time: the lease is a real key in Redis, and its release wakes the follower', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 2000), make(name, 2000)];
    const lease = await a.acquire('k');
    expect(await redis.get(`${name}:l:k`)).toMatch(LEASE);
    const ttl = await redis.pttl(`${name}:l:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000);
    expect(await b.acquire('k')).toBeUndefined();
    const waiting = b.wait('k');
    setTimeout(() => void lease!.release({ ok: true }), 100);
    expect(await waiting).toEqual({ ok: true });
    expect(await redis.exists(`${name}:l:k`)).toBe(0);
  });

  it('a holder whose origin failed releases the lease: the next miss takes it at once (the failure is not relayed)', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 5000), make(name, 5000)];
    const lease = await a.acquire('k');
    await lease!.release({ ok: false, message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' });
    expect(await redis.exists(`${name}:l:k`)).toBe(0);
    const next = await b.acquire('k');
    expect(await redis.get(`${name}:l:k`)).toMatch(LEASE);
    await next!.release({ ok: true });
  });

  it('a waiter whose holder released learns it even if a new lease was taken before its next poll', async () => {
    const name = uniqueName('lock');
    const [a, b, c] = [make(name, 5000), make(name, 5000), make(name, 5000)];
    const first = await a.acquire('k');
    const firstToken = await redis.get(`${name}:l:k`);
    const waiting = c.wait('k');
    await new Promise((r) => setTimeout(r, 100)); // c has polled and seen a's lease
    await first!.release({ ok: true });
    const second = await b.acquire('k');
    expect(await redis.get(`${name}:l:k`)).not.toBe(firstToken);
    expect(await waiting).toEqual({ ok: true });
    expect(await redis.get(`${name}:l:k`)).toMatch(LEASE); // the new lease is still held
    await second!.release({ ok: true });
  });

  it('a crashed holder (never releasing): the follower stops waiting when the lease expires, and takes it', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 300), make(name, 300)];
    await a.acquire('k');
    // Whether it sees the lease expire or reaches its own bound first (both at 300 ms), the wait
    // ends with the lease: either way the follower then looks in the store.
    await b.wait('k');
    await new Promise((r) => setTimeout(r, 50));
    expect(await redis.exists(`${name}:l:k`)).toBe(0);
    await b.acquire('k');
    expect(await redis.get(`${name}:l:k`)).toMatch(LEASE);
  });

  it('a wait is bounded by the caller too (lockTimeoutMs), not only by the lease', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 30_000), make(name, 30_000)];
    await a.acquire('k');
    // Returns undefined (no end of the lease seen) well before the 30 s lease: the test's own timeout would catch a wait of 30 s.
    expect(await b.wait('k', 200)).toBeUndefined();
    expect(await redis.get(`${name}:l:k`)).toMatch(LEASE);
  }, 5000);

  it('a holder whose lease expired and was taken over does not end the new lease', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 200), make(name, 5000)];
    const old = await a.acquire('k');
    await new Promise((r) => setTimeout(r, 250));
    const fresh = await b.acquire('k');
    const freshToken = await redis.get(`${name}:l:k`);
    expect(freshToken).toMatch(LEASE);
    await old!.release({ ok: true });
    expect(await redis.get(`${name}:l:k`)).toBe(freshToken);
    await fresh!.release({ ok: true });
  });

  describe('what another writer left under a lease key is untrusted', () => {
    const planted: Array<[string, (key: string) => Promise<unknown>]> = [
      [
        'an outcome of an older release, with no TTL',
        (key) => redis.set(key, 'O:{"ok":false,"message":"planted","code":"ECONNREFUSED"}'),
      ],
      ['a well-formed lease with no TTL', (key) => redis.set(key, 'L:00000000-0000-4000-8000-000000000000')],
      [
        'a well-formed lease with a TTL far past any lease',
        (key) => redis.set(key, 'L:00000000-0000-4000-8000-000000000000', 'PX', 86_400_000),
      ],
      ['garbage bytes', (key) => redis.set(key, Buffer.from([0xff, 0x00, 0x13, 0x37]))],
      [
        'a lease-looking value with junk after it',
        (key) => redis.set(key, 'L:00000000-0000-4000-8000-000000000000;junk', 'PX', 1000),
      ],
    ];

    it.each(planted)('%s: the next miss takes the lease at once', async (_case, plant) => {
      const name = uniqueName('lock');
      const lock = make(name, 2000);
      await plant(`${name}:l:k`);
      const lease = await lock.acquire('k');
      const held = await redis.get(`${name}:l:k`);
      expect(held).toMatch(LEASE);
      expect(held).not.toBe('L:00000000-0000-4000-8000-000000000000');
      const ttl = await redis.pttl(`${name}:l:k`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
      await lease!.release({ ok: true });
    });

    it.each(planted.filter(([name]) => !name.startsWith('a well-formed')))(
      '%s: a waiter does not wait on it',
      async (_case, plant) => {
        const name = uniqueName('lock');
        const lock = make(name, 30_000);
        await plant(`${name}:l:k`);
        // at its first poll: the test's own 5 s timeout would catch a wait for the 30 s lease
        expect(await lock.wait('k')).toBeUndefined();
      },
      5000,
    );
  });

  it('with Redis unreachable, acquire gives a lease that does nothing and wait ends at once', async () => {
    const lock = new RedisMissLock({
      url: `redis://127.0.0.1:${await freePort()}`,
      cacheName: uniqueName('lock'),
      leaseMs: 30_000,
    });
    locks.push(lock);
    const lease = await lock.acquire('k');
    expect(lease).toBeDefined(); // a no-op lease: the caller goes to the origin as if it held one
    await expect(lease!.release({ ok: true })).resolves.toBeUndefined();
    expect(await lock.wait('k')).toBeUndefined();
  }, 5000);
});

describeIf(REDIS_URL && CLUSTER_NODES, 'REDIS_CLUSTER_NODES not set')('RedisMissLock on a Redis Cluster', () => {
  it('takes, releases and takes again a lease on every master', async () => {
    const name = uniqueName('lock');
    const options = { cluster: { nodes: CLUSTER_NODES! }, cacheName: name, leaseMs: 5000, timeoutMs: 1000 };
    const [a, b] = [new RedisMissLock(options), new RedisMissLock(options)];
    try {
      await a.connection.connect();
      await b.connection.connect();
      // keys spread over the slots (and so the masters)
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      for (const key of keys) {
        const lease = await a.acquire(key);
        expect(await b.acquire(key)).toBeUndefined(); // held: so the first was a real lease
        const waiting = b.wait(key);
        await lease!.release({ ok: true });
        expect(await waiting).toEqual({ ok: true });
        const again = await b.acquire(key);
        expect(await a.acquire(key)).toBeUndefined();
        await again!.release({ ok: true });
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set')(
  'RedisMissLock on a Redis refusing writes (own redis-server)',
  () => {
    it('a release that failed is retried: the waiter is woken once Redis takes writes again', async () => {
      const server = await startRedisServer({ bin: REDIS_SERVER_BIN });
      const name = uniqueName('lock');
      const [a, b] = [
        new RedisMissLock({ url: server.url, cacheName: name, leaseMs: 10_000 }),
        new RedisMissLock({ url: server.url, cacheName: name, leaseMs: 10_000 }),
      ];
      try {
        const lease = await a.acquire('k');
        expect(await b.acquire('k')).toBeUndefined();
        const waiting = b.wait('k');
        // With no replica to write to, Redis refuses every write (NOREPLICAS): the release fails
        expect(await rawCommand(server.port, 'CONFIG SET min-replicas-to-write 1')).toMatch(/^\+OK/);
        const released = lease!.release({ ok: true });
        await new Promise((r) => setTimeout(r, 300));
        expect(await rawCommand(server.port, `EXISTS ${name}:l:k`)).toBe(':1\r\n');
        expect(await rawCommand(server.port, 'CONFIG SET min-replicas-to-write 0')).toMatch(/^\+OK/);
        await released;
        // woken by the retried release, long before the 10 s lease ends (the test's timeout would catch that)
        expect(await waiting).toEqual({ ok: true });
      } finally {
        await Promise.all([a.close(), b.close()]);
        await server.stop();
      }
    }, 8000);
  },
);
