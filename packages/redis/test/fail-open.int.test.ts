/**
 * Fail-open under load: a real redis-server of this test's own is killed, frozen, paused and
 * filled while 1 000 requests (50 at a time) go through axios. No request may fail or take
 * longer than the deadline plus the origin time plus a margin, a store-error must be
 * raised, and hits must resume by themselves within 10 s of recovery.
 */
import axios from 'axios';
import { attachCache, type CachedAxiosInstance } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { rawCommand, startRedisServer, type RedisServer } from '../../../scripts/redis-servers.mjs';
import { describeIf, REDIS_SERVER_BIN, uniqueName } from './helpers/env.js';
import { runLoad, slowOrigin, timeToHit } from './helpers/load.js';

const TIMEOUT_MS = 100;
const ORIGIN_MS = 20;
// Not a speed check: wide enough for a loaded 2-core machine running Jest, Redis and the load at
// once, while a request that waited on the frozen Redis (seconds) or on a lease still fails it.
const MARGIN_MS = 1500;
const LIMIT_MS = TIMEOUT_MS + ORIGIN_MS + MARGIN_MS;

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set')('fail-open under load (own redis-server)', () => {
  let server: RedisServer;
  let backend: RedisBackend;
  let api: CachedAxiosInstance;
  let storeErrors: unknown[];

  beforeAll(async () => {
    server = await startRedisServer({ bin: REDIS_SERVER_BIN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    if (server.process?.exitCode !== null || server.process?.signalCode !== null) await server.start();
    backend = new RedisBackend({
      url: server.url,
      cacheName: uniqueName('fail-open'),
      timeoutMs: TIMEOUT_MS,
      expireAfter: 60,
    });
    await backend.connection.connect();
    storeErrors = [];
    backend.on('store-error', (e) => storeErrors.push(e.error));
    api = attachCache(axios.create({ baseURL: 'http://origin.test', adapter: slowOrigin(ORIGIN_MS).adapter }), backend);
    // warm: every URL stored, so the load starts as hits
    await runLoad(api, { total: 25, concurrency: 25, urls: 25 });
    await new Promise((r) => setTimeout(r, 50));
  });
  afterEach(async () => {
    server.signal('SIGCONT');
    await backend.close();
  });

  async function expectFailOpen(fault: () => Promise<void>, recover: () => Promise<void>): Promise<void> {
    let faulted: Promise<void> | undefined;
    let recovered: Promise<void> | undefined;
    const result = await runLoad(api, {
      onRequest: (i) => {
        if (i === 150) faulted = fault();
        if (i === 700) recovered = faulted!.then(recover);
      },
    });
    await recovered;
    expect(result.failures).toEqual([]);
    expect(result.durations).toHaveLength(1000);
    expect(result.maxMs).toBeLessThan(LIMIT_MS);
    expect(storeErrors.length).toBeGreaterThan(0);
    expect(await timeToHit(api)).toBeLessThan(10_000);
  }

  it('SIGKILL, then restart on the same port', async () => {
    await expectFailOpen(
      () => server.kill(),
      () => server.start(),
    );
  }, 60_000);

  it('SIGSTOP, then SIGCONT', async () => {
    await expectFailOpen(
      async () => {
        server.signal('SIGSTOP');
        await new Promise((r) => setTimeout(r, 1500));
      },
      async () => {
        server.signal('SIGCONT');
      },
    );
  }, 60_000);

  it('CLIENT PAUSE', async () => {
    await expectFailOpen(
      async () => {
        expect(await rawCommand(server.port, 'CLIENT PAUSE 1500 ALL')).toMatch(/^\+OK/);
        await new Promise((r) => setTimeout(r, 1500));
      },
      async () => {},
    );
  }, 60_000);

  it('maxmemory full (noeviction): writes fail, requests go on', async () => {
    await expectFailOpen(
      async () => {
        expect(await rawCommand(server.port, 'CONFIG SET maxmemory-policy noeviction')).toMatch(/^\+OK/);
        expect(await rawCommand(server.port, 'CONFIG SET maxmemory 1')).toMatch(/^\+OK/);
        // new entries cannot be stored now: make the load miss so it must write
        await backend.clear().catch(() => undefined);
      },
      async () => {
        expect(await rawCommand(server.port, 'CONFIG SET maxmemory 0')).toMatch(/^\+OK/);
      },
    );
    expect(storeErrors.some((e) => /OOM/.test(String((e as Error).message)))).toBe(true);
  }, 60_000);
});
