/**
 * Several processes, one Redis cache: single-flight of identical misses across processes,
 * an origin error shared without a second origin request, and a response of one process
 * seen (and deleted) by another.
 */
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { describeIf, REDIS_URL, uniqueName } from './helpers/env.js';
import { startOrigin, Worker } from './helpers/processes.js';

type Result = { ok: boolean; fromCache?: boolean; body?: string; error?: string };

describeIf(REDIS_URL, 'REDIS_URL not set')('processes sharing one Redis cache', () => {
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let workers: Worker[] = [];
  let cacheName: string;

  beforeAll(async () => {
    origin = await startOrigin(300);
  });
  afterAll(async () => {
    await origin.close();
  });
  beforeEach(() => {
    cacheName = uniqueName('procs');
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    const cleanup = new RedisBackend({ url: REDIS_URL, cacheName, timeoutMs: 5_000 });
    await cleanup.clear().catch(() => undefined);
    await cleanup.close();
  });

  async function startWorkers(n: number, env: Record<string, string> = {}): Promise<Worker[]> {
    // A generous deadline: these tests are about sharing, and four processes starting at once on
    // a busy 2-core machine can stall a Redis reply past 100 ms (which would rightly fail open).
    workers = Array.from(
      { length: n },
      () =>
        new Worker({
          REDIS_URL: REDIS_URL!,
          CACHE_NAME: cacheName,
          ORIGIN: origin.url,
          LEASE_MS: '3000',
          TIMEOUT_MS: '1000',
          ...env,
        }),
    );
    await Promise.all(workers.map((w) => w.ready));
    return workers;
  }

  it('4 processes × 50 concurrent identical misses make exactly 1 origin request', async () => {
    const all = await startWorkers(4);
    const results = (
      await Promise.all(all.map((w) => w.ask<Result[]>({ type: 'burst', path: '/same?x=1', n: 50 })))
    ).flat();
    expect(results).toHaveLength(200);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(results.map((r) => r.body)).size).toBe(1);
    expect(origin.count('/same?x=1')).toBe(1);
  }, 60_000);

  it('4 processes × 5 concurrent refresh: true make 1 origin request: what another process fetched after they asked answers them', async () => {
    const all = await startWorkers(4);
    const path = '/refreshed';
    expect((await all[0]!.ask<Result>({ type: 'get', path })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50)); // the write is off the response path
    const results = (
      await Promise.all(all.map((w) => w.ask<Result[]>({ type: 'burst', path, n: 5, refresh: true })))
    ).flat();
    expect(results).toHaveLength(20);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // Every caller got the refreshed answer (the origin's second), none the one stored before.
    expect(new Set(results.map((r) => JSON.parse(r.body!).served))).toEqual(new Set([2]));
    expect(origin.count(path)).toBe(2);
  }, 60_000);

  it('a leader slower than its lease: one waiter takes the lease over, the others wait on it (2 origin requests, not 4)', async () => {
    const slow = await startOrigin(1500);
    try {
      // The lease (1 s) ends before the leader's answer (1.5 s), and the taker's wait (1 s more) after it.
      const all = await startWorkers(4, { ORIGIN: slow.url, LEASE_MS: '1000' });
      const results = (
        await Promise.all(all.map((w) => w.ask<Result[]>({ type: 'burst', path: '/slow', n: 1 })))
      ).flat();
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(slow.count('/slow')).toBe(2);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it("a leader's origin error never fails another process's requests by itself: each asks the origin once", async () => {
    const all = await startWorkers(4);
    const results = (
      await Promise.all(all.map((w) => w.ask<Result[]>({ type: 'burst', path: '/boom', n: 50 })))
    ).flat();
    expect(results).toHaveLength(200);
    expect(results.filter((r) => r.ok)).toEqual([]);
    // single-flight within each process still holds: one origin request per process, not per request
    expect(origin.count('/boom')).toBe(4);
  }, 60_000);

  it("process A's response is a hit in process B, and deleteUrl in B is seen by A", async () => {
    const [b] = await startWorkers(1);
    const backend = new RedisBackend({ url: REDIS_URL, cacheName, expireAfter: 60, timeoutMs: 5_000 });
    const a = attachCache(axios.create({ baseURL: origin.url }), backend);
    try {
      const first = await a.get('/shared', { responseType: 'text' });
      expect(first.fromCache).toBe(false);
      await new Promise((r) => setTimeout(r, 50)); // the write is off the response path
      const inB = await b!.ask<Result>({ type: 'get', path: '/shared' });
      expect(inB).toEqual({ ok: true, fromCache: true, body: first.data });
      expect(origin.count('/shared')).toBe(1);
      expect((await a.get('/shared')).fromCache).toBe(true);

      await b!.ask({ type: 'deleteUrl', path: '/shared' });
      const again = await a.get('/shared', { responseType: 'text' });
      expect(again.fromCache).toBe(false);
      expect(origin.count('/shared')).toBe(2);
    } finally {
      await backend.close();
    }
  }, 60_000);

  it('4 processes × 20 requests for one stale stale-while-revalidate entry: all served stale, exactly 1 origin refresh', async () => {
    const all = await startWorkers(4, { CACHE_CONTROL: '1' });
    // The refreshed answer stays fresh however slow the checks below: only one refresh can be due.
    const path = `/swr?cc=${encodeURIComponent('max-age=1, stale-while-revalidate=60')}&cc2=max-age%3D600`;
    const first = await all[0]!.ask<Result>({ type: 'get', path });
    expect(first.fromCache).toBe(false);
    await new Promise((r) => setTimeout(r, 1_100)); // stale now, within its stale-while-revalidate window
    const results = (await Promise.all(all.map((w) => w.ask<Result[]>({ type: 'burst', path, n: 20 })))).flat();
    expect(results).toHaveLength(80);
    expect(results.filter((r) => !(r.ok && r.fromCache && r.body === first.body))).toEqual([]);
    // The refresh (the origin answers after 300 ms) lands, and every process serves it.
    const until = Date.now() + 10_000;
    let fresh = await all[3]!.ask<Result>({ type: 'get', path });
    while (fresh.body === first.body && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      fresh = await all[3]!.ask<Result>({ type: 'get', path });
    }
    expect(fresh).toMatchObject({ ok: true, fromCache: true });
    expect(fresh.body).not.toBe(first.body);
    for (const w of all) expect((await w.ask<Result>({ type: 'get', path })).body).toBe(fresh.body);
    expect(origin.count(path)).toBe(2); // the first miss, and one refresh for all four processes
  }, 60_000);
});
