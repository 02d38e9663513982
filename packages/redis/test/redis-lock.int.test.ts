import { RedisMissLock } from '@axios-client-cache/redis';
import { freePort } from '../../../scripts/redis-servers.mjs';
import { describeIf, REDIS_URL, uniqueName } from './helpers/env.js';

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
