import { RedisMissLock } from '@axios-client-cache/redis';
import { freePort, rawCommand, startRedisServer } from '../../../scripts/redis-servers.mjs';
import { CLUSTER_NODES, describeIf, REDIS_SERVER_BIN, REDIS_URL, uniqueName } from './helpers/env.js';

describeIf(REDIS_URL, 'REDIS_URL not set')('RedisMissLock', () => {
  const locks: RedisMissLock[] = [];
  const make = (cacheName: string, leaseMs: number): RedisMissLock => {
    const lock = new RedisMissLock({ url: REDIS_URL, cacheName, leaseMs });
    locks.push(lock);
    return lock;
  };
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((l) => l.close()));
  });

  it('one holder at a time; a follower gets the outcome the holder releases', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 2000), make(name, 2000)];
    const lease = await a.acquire('k');
    expect(lease).toBeDefined();
    expect(await b.acquire('k')).toBeUndefined();
    const waiting = b.wait('k');
    setTimeout(() => void lease!.release({ ok: true }), 100);
    expect(await waiting).toEqual({ ok: true });
  });

  it('an error outcome is kept for the rest of the lease: later arrivals get it without a lease', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 1000), make(name, 1000)];
    const lease = await a.acquire('k');
    await lease!.release({ ok: false, message: 'connect ECONNREFUSED', code: 'ECONNREFUSED', status: 502 });
    expect(await b.acquire('k')).toBeUndefined();
    expect(await b.wait('k')).toEqual({ ok: false, message: 'connect ECONNREFUSED', code: 'ECONNREFUSED', status: 502 });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.acquire('k')).toBeDefined();
  });

  it('after a success the next miss takes the lease at once, and is single-flight again', async () => {
    const name = uniqueName('lock');
    const [a, b, c] = [make(name, 5000), make(name, 5000), make(name, 5000)];
    const first = await a.acquire('k');
    await first!.release({ ok: true });
    const started = performance.now();
    const second = await b.acquire('k');
    expect(second).toBeDefined();
    expect(performance.now() - started).toBeLessThan(500);
    // the new lease is a lease: others wait for it, and its holder's release reaches them
    expect(await c.acquire('k')).toBeUndefined();
    expect(await a.acquire('k')).toBeUndefined();
    const waiting = c.wait('k');
    setTimeout(() => void second!.release({ ok: false, message: 'second failed', status: 503 }), 100);
    expect(await waiting).toEqual({ ok: false, message: 'second failed', status: 503 });
  });

  it('an error outcome reaches a waiter that was already waiting', async () => {
    const name = uniqueName('lock');
    const [a, b, c] = [make(name, 5000), make(name, 5000), make(name, 5000)];
    const lease = await a.acquire('k');
    expect(await b.acquire('k')).toBeUndefined();
    const waiting = b.wait('k');
    await new Promise((r) => setTimeout(r, 100));
    await lease!.release({ ok: false, message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' });
    // a new miss right after the error does not take the lease away from it
    expect(await c.acquire('k')).toBeUndefined();
    expect(await waiting).toEqual({ ok: false, message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' });
  });

  it('a waiter whose holder succeeded learns it even if a new lease was taken before its next poll', async () => {
    const name = uniqueName('lock');
    const [a, b, c] = [make(name, 5000), make(name, 5000), make(name, 5000)];
    const first = await a.acquire('k');
    const waiting = c.wait('k');
    await new Promise((r) => setTimeout(r, 100)); // c has polled and seen a's lease
    const released = performance.now();
    await first!.release({ ok: true });
    const second = await b.acquire('k'); // within a millisecond or two: before c polls again
    expect(second).toBeDefined();
    expect(await waiting).toEqual({ ok: true });
    // at its next poll, not when the new lease ends
    expect(performance.now() - released).toBeLessThan(1000);
  });

  it('a crashed holder (never releasing) holds followers up no longer than the lease', async () => {
    const name = uniqueName('lock');
    const [a, b] = [make(name, 400), make(name, 400)];
    expect(await a.acquire('k')).toBeDefined();
    const started = performance.now();
    expect(await b.wait('k')).toBeUndefined();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(250);
    expect(waited).toBeLessThan(700);
    expect(await b.acquire('k')).toBeDefined();
  });

  it('a holder whose lease expired and was taken over does not overwrite the new lease', async () => {
    const name = uniqueName('lock');
    const [a, b, c] = [make(name, 200), make(name, 2000), make(name, 2000)];
    const old = await a.acquire('k');
    await new Promise((r) => setTimeout(r, 250));
    const fresh = await b.acquire('k');
    expect(fresh).toBeDefined();
    await old!.release({ ok: false, message: 'late' });
    const waiting = c.wait('k');
    setTimeout(() => void fresh!.release({ ok: true }), 100);
    expect(await waiting).toEqual({ ok: true });
  });

  it('with Redis unreachable, acquire gives a no-op lease and wait ends at once', async () => {
    const lock = new RedisMissLock({
      url: `redis://127.0.0.1:${await freePort()}`, cacheName: uniqueName('lock'), leaseMs: 5000,
    });
    locks.push(lock);
    const lease = await lock.acquire('k');
    expect(lease).toBeDefined();
    await expect(lease!.release({ ok: true })).resolves.toBeUndefined();
    const started = performance.now();
    expect(await lock.wait('k')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describeIf(REDIS_URL && CLUSTER_NODES, 'REDIS_CLUSTER_NODES not set')('RedisMissLock on a Redis Cluster', () => {
  it('takes, releases and takes again a lease on every master', async () => {
    const name = uniqueName('lock');
    const [a, b] = [new RedisMissLock({ cluster: { nodes: CLUSTER_NODES! }, cacheName: name, leaseMs: 5000, timeoutMs: 1000 }),
      new RedisMissLock({ cluster: { nodes: CLUSTER_NODES! }, cacheName: name, leaseMs: 5000, timeoutMs: 1000 })];
    try {
      await a.connection.connect();
      await b.connection.connect();
      // keys spread over the slots (and so the masters)
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      for (const key of keys) {
        const lease = await a.acquire(key);
        expect(lease).toBeDefined();
        expect(await b.acquire(key)).toBeUndefined();
        const waiting = b.wait(key);
        await lease!.release({ ok: false, message: `failed ${key}` });
        expect(await waiting).toEqual({ ok: false, message: `failed ${key}` });
        expect(await b.acquire(key)).toBeUndefined();
      }
      for (const key of keys) {
        const lease = await b.acquire(`ok-${key}`);
        await lease!.release({ ok: true });
        expect(await a.acquire(`ok-${key}`)).toBeDefined();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set')('RedisMissLock on a Redis refusing writes (own redis-server)', () => {
  it('a release that failed is retried: the waiters get the outcome once Redis takes writes again', async () => {
    const server = await startRedisServer({ bin: REDIS_SERVER_BIN });
    const name = uniqueName('lock');
    const [a, b] = [new RedisMissLock({ url: server.url, cacheName: name, leaseMs: 5000 }),
      new RedisMissLock({ url: server.url, cacheName: name, leaseMs: 5000 })];
    try {
      const lease = await a.acquire('k');
      expect(await b.acquire('k')).toBeUndefined();
      const started = performance.now();
      const waiting = b.wait('k');
      expect(await rawCommand(server.port, 'CONFIG SET maxmemory-policy noeviction')).toMatch(/^\+OK/);
      expect(await rawCommand(server.port, 'CONFIG SET maxmemory 1')).toMatch(/^\+OK/);
      const released = lease!.release({ ok: false, message: 'origin down' }); // refused: OOM
      await new Promise((r) => setTimeout(r, 300));
      expect(await rawCommand(server.port, 'CONFIG SET maxmemory 0')).toMatch(/^\+OK/);
      await released;
      expect(await waiting).toEqual({ ok: false, message: 'origin down' });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await server.stop();
    }
  }, 20_000);
});
