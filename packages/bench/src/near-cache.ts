/**
 * Near cache (Redis package owner): a Redis hit answered from process memory, against the
 * in-process store and against a plain Redis hit, for axios-client-cache and, beside it, for
 * undici's cache with undici-cache-redis; and how long after a write acknowledged in another
 * process the near copy stops being served.
 *
 *   node --expose-gc --import tsx src/child.ts near-cache     (from packages/bench; built packages)
 *
 * Hits: one GET of the bench's ~1 KiB JSON body from a real `node:http` origin (its own
 * process, `Cache-Control: max-age=3600`), parsed as JSON, sequential awaits; each client's three
 * contenders interleaved round by round (harness.ts `compare`). Each client's ratio is to its own memory
 * store: axios-client-cache's `MemoryBackend` for `RedisBackend` with and without `nearCache`,
 * undici's `MemoryCacheStore` for undici-cache-redis with `tracking` on and off. Redis commands
 * per hit come from `INFO commandstats` over 1 000 hits (heartbeat PINGs and ROLEs left out).
 *
 * Invalidation delay: process B (src/near-writer.ts) writes a new version of the entry A
 * serves, 1 200 times, each 1–4 ms after A reported seeing the one before, and records when each
 * write was acknowledged; A reads it through axios back to back (yielding to I/O between reads)
 * and records when a read first returned each version. Delay = A's first read of version i − B's
 * acknowledgement of it (both `process.hrtime`, one clock for the machine); a negative delay
 * (A saw it before B's acknowledgement arrived) counts as 0.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import { Redis } from 'ioredis';
import { Agent, cacheStores, interceptors, type Dispatcher } from 'undici';
import { RedisCacheStore } from 'undici-cache-redis';
import { attachCache } from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { RedisBackend } from '@axios-client-cache/redis';
import { startRedisServer } from '../../../scripts/redis-servers.mjs';
import { BODY, startOrigin } from './fixtures.js';
import { check, compare, median, QUICK, rowsOf, type CaseResult, type Goal } from './harness.js';

const PATH = '/items/4711';
const TRIALS = QUICK ? 300 : 1200;
const hrnow = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Calls of the commands a hit could make, from INFO commandstats (INFO and the heartbeat's PING / ROLE left out). */
async function commandCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (!['info', 'ping', 'role'].includes(m[1]!)) n += Number(m[2]);
  return n;
}

function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The invalidation delay between two processes, `TRIALS` times. */
async function invalidationDelays(
  url: string,
  originURL: string,
): Promise<{ delays: number[]; unseen: number; early: number }> {
  const cacheName = `bench-near-delay-${process.pid}`;
  const backend = new RedisBackend({ url, cacheName, expireAfter: 3600, timeoutMs: 5000, nearCache: true });
  const api = attachCache(axios.create({ baseURL: originURL }), backend);
  try {
    check(await backend.nearCache!.ready(10_000), 'near cache armed');
    await api.get(PATH);
    const key = backend.createKey('GET', `${originURL}${PATH}`);
    for (let i = 0; i < 200 && (await backend.responses.read(key)) === undefined; i++)
      await new Promise((r) => setTimeout(r, 5));
    check((await backend.responses.read(key)) !== undefined, 'the entry is stored under the key the writer will use');
    const writer = fork(fileURLToPath(new URL('./near-writer.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        REDIS_URL: url,
        CACHE_NAME: cacheName,
        KEY: key,
        URL: `${originURL}${PATH}`,
        TRIALS: String(TRIALS),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let ready: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const acks = new Promise<number[]>((resolve, reject) => {
      writer.on('message', (m: 'ready' | { acks?: number[]; error?: string }) => {
        if (m === 'ready') ready();
        else if (m.acks) resolve(m.acks);
        else reject(new Error(`writer: ${m.error}`));
      });
      writer.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
    });
    let done = false;
    void acks
      .finally(() => {
        done = true;
      })
      .catch(() => undefined);
    const seen = new Map<number, number>();
    let last = 0;
    await Promise.race([started, acks]);
    writer.send('go');
    while (!done) {
      const startedAt = hrnow();
      const version = (await api.get(PATH)).data.version as number | undefined;
      if (version !== undefined && version > last) {
        seen.set(version, startedAt);
        last = version;
        if (writer.connected) writer.send({ seen: version });
      }
      await new Promise((r) => setImmediate(r));
    }
    const ackAt = await acks;
    writer.disconnect();
    // The last write's read may come right after the writer's report.
    for (let i = 0; i < 50 && last < TRIALS; i++) {
      const startedAt = hrnow();
      const version = (await api.get(PATH)).data.version as number;
      if (version > last) {
        seen.set(version, startedAt);
        last = version;
      }
    }
    const delays: number[] = [];
    let unseen = 0;
    let early = 0;
    for (let i = 1; i <= TRIALS; i++) {
      const at = seen.get(i);
      if (at === undefined) {
        unseen++;
        continue;
      }
      const d = at - ackAt[i - 1]!;
      if (d < 0) early++;
      delays.push(Math.max(0, d));
    }
    return { delays, unseen, early };
  } finally {
    await backend.clear().catch(() => undefined);
    await backend.close();
  }
}

export async function run(): Promise<CaseResult> {
  const own = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url: string = process.env.REDIS_URL ?? own!.url;
  const { hostname, port } = new URL(url);
  const admin = new Redis(url);
  const origin = await startOrigin();
  const prefix = `bench-near-${process.pid}`;
  const memory = new MemoryBackend({ expireAfter: '1h' });
  // No heartbeat during the figures: its PINGs would only blur the command count. A long
  // deadline: on a busy machine a GET past the default 100 ms would fail open to the origin,
  // and this case measures hits.
  const near = new RedisBackend({
    url,
    cacheName: `${prefix}-near`,
    expireAfter: 3600,
    timeoutMs: 5000,
    nearCache: { heartbeatMs: 600_000 },
  });
  const plain = new RedisBackend({ url, cacheName: `${prefix}-plain`, expireAfter: 3600, timeoutMs: 5000 });
  const errors: unknown[] = [];
  const ucr = (tracking: boolean) =>
    new RedisCacheStore({
      clientOpts: {
        host: hostname,
        port: Number(port),
        keyPrefix: `${prefix}-ucr-${tracking ? 'tracking' : 'plain'}:`,
      },
      tracking,
      errorCallback: (error: unknown) => errors.push(error),
    });
  const ucrTracking = ucr(true);
  const ucrPlain = ucr(false);
  const agents: Dispatcher[] = [];
  const undici = (store: unknown) => {
    const agent = new Agent().compose(interceptors.cache({ store: store as never }));
    agents.push(agent);
    return async () => {
      const res = await agent.request({ origin: origin.baseURL, path: PATH, method: 'GET' });
      return { body: await res.body.json(), age: res.headers.age };
    };
  };
  try {
    const apis: Record<string, AxiosInstance> = {
      memory: attachCache(axios.create({ baseURL: origin.baseURL }), memory),
      near: attachCache(axios.create({ baseURL: origin.baseURL }), near),
      redis: attachCache(axios.create({ baseURL: origin.baseURL }), plain),
    };
    const clients: Record<string, () => Promise<{ body: unknown; age: unknown }>> = {
      memory: undici(new cacheStores.MemoryCacheStore()),
      tracking: undici(ucrTracking),
      redis: undici(ucrPlain),
    };
    check(await near.nearCache!.ready(10_000), 'near cache armed');

    // Prime: every contender stores the entry, then answers from its cache with the right body.
    for (const api of Object.values(apis)) await api.get(PATH);
    for (const client of Object.values(clients)) await client();
    await new Promise((r) => setTimeout(r, 300)); // background writes, and their echoes in the near cache
    for (const api of Object.values(apis)) await api.get(PATH);
    for (const client of Object.values(clients)) await client();
    await origin.count();
    for (const [id, api] of Object.entries(apis)) {
      const res = await api.get(PATH);
      check(
        res.fromCache === true && JSON.stringify(res.data) === JSON.stringify(BODY),
        `axios ${id}: a hit with the body`,
      );
    }
    for (const [id, client] of Object.entries(clients)) {
      const { body, age } = await client();
      check(JSON.stringify(body) === JSON.stringify(BODY) && age !== undefined, `undici ${id}: a hit with the body`);
    }
    check((await origin.count()) === 0, 'every contender answered from its cache');

    const commandsPerHit: Record<string, number> = {};
    const perHit = async (id: string, hit: () => Promise<unknown>) => {
      const before = await commandCalls(admin);
      for (let i = 0; i < 1000; i++) await hit();
      commandsPerHit[id] = ((await commandCalls(admin)) - before) / 1000;
    };
    for (const [id, api] of Object.entries(apis)) await perHit(`axios.${id}`, () => api.get(PATH));
    for (const [id, client] of Object.entries(clients)) await perHit(`undici.${id}`, client);

    // Each client's three side by side (undici-cache-redis's own background work stays out of
    // the axios rounds, and the other way round).
    const stats = {
      ...(await compare({
        'axios.memory': () => apis.memory!.get(PATH),
        'axios.near': () => apis.near!.get(PATH),
        'axios.redis': () => apis.redis!.get(PATH),
      })),
      ...(await compare({
        'undici.memory': clients.memory!,
        'undici.tracking': clients.tracking!,
        'undici.redis': clients.redis!,
      })),
    };
    const reached = await origin.count();
    check(
      reached === 0,
      `no request reached the origin while timing (${reached} did; undici-cache-redis errors: ${errors.length})`,
    );
    check(near.nearCache!.stats().armed, 'the near cache stayed armed');

    const labels: Record<string, string> = {
      'axios.memory': 'axios-client-cache: MemoryBackend hit',
      'axios.near': 'axios-client-cache: RedisBackend hit, nearCache',
      'axios.redis': 'axios-client-cache: RedisBackend hit, no near cache',
      'undici.memory': "undici cache: undici's MemoryCacheStore hit",
      'undici.tracking': 'undici cache: undici-cache-redis hit, tracking on',
      'undici.redis': 'undici cache: undici-cache-redis hit, tracking off',
    };
    const short: Record<string, string> = {
      'axios.memory': 'MemoryBackend (baseline)',
      'axios.near': 'RedisBackend, nearCache',
      'axios.redis': 'RedisBackend, no near cache',
      'undici.memory': 'undici MemoryCacheStore (baseline)',
      'undici.tracking': 'undici-cache-redis, tracking on',
      'undici.redis': 'undici-cache-redis, tracking off',
    };
    const group = (g: string) => Object.fromEntries(Object.entries(stats).filter(([id]) => id.startsWith(`${g}.`)));
    const rows = [
      ...rowsOf(group('axios'), labels, 'axios.memory', 'ns', short),
      ...rowsOf(group('undici'), labels, 'undici.memory', 'ns', short),
    ];
    for (const row of rows) row.extra = `Redis commands per hit: ${commandsPerHit[row.id]}`;
    const ratio = (id: string) => rows.find((r) => r.id === id)!.ratio!;
    const us = (id: string) => `${(stats[id]!.median / 1000).toFixed(2)} µs`;

    const { delays, unseen, early } = await invalidationDelays(url, origin.baseURL);
    check(delays.length >= 1000 || QUICK, `at least 1 000 trials measured (${delays.length})`);
    const ms = (x: number) => `${x.toFixed(3)} ms`;
    const p50 = quantile(delays, 0.5);
    const p99 = quantile(delays, 0.99);
    const max = Math.max(...delays);

    const goals: Goal[] = [
      {
        goal: 'Redis hit with nearCache within 1.05× a MemoryBackend hit',
        measured: `${ratio('axios.near').toFixed(3)}× (${us('axios.near')} vs ${us('axios.memory')})`,
        met: ratio('axios.near') <= 1.05,
      },
      {
        goal: 'Redis commands per nearCache hit: 0',
        measured: String(commandsPerHit['axios.near']),
        met: commandsPerHit['axios.near'] === 0,
      },
      {
        goal: 'Redis hit without a near cache vs MemoryBackend',
        measured: `${ratio('axios.redis').toFixed(3)}×`,
        met: null,
      },
      {
        goal: "undici-cache-redis, tracking on, vs undici's MemoryCacheStore",
        measured: `${ratio('undici.tracking').toFixed(3)}× (${us('undici.tracking')} vs ${us('undici.memory')})`,
        met: null,
      },
      {
        goal: "undici-cache-redis, tracking off, vs undici's MemoryCacheStore",
        measured: `${ratio('undici.redis').toFixed(3)}×`,
        met: null,
      },
      {
        goal: `invalidation delay (write acknowledged in B → A stops serving the old entry), p99 ≤ 5 ms`,
        measured: `p50 ${ms(p50)}, p99 ${ms(p99)} over ${delays.length} trials`,
        met: p99 <= 5,
      },
      { goal: 'invalidation delay, max ≤ 50 ms', measured: ms(max), met: max <= 50 },
    ];
    return {
      title: 'Near cache: Redis hits from process memory',
      method:
        'ns per GET answered from the cache, sequential awaits, ~1 KiB JSON body from a real origin process (parsed as JSON), ' +
        "each client's three contenders interleaved round by round in one process; each client's ratio is to its own memory store. " +
        `Invalidation delay: another process writes a new version of the entry ${TRIALS} times (each 1–4 ms after this one saw the last); this one reads it ` +
        "through axios back to back and notes when it first got each version; delay = that time − the writer's acknowledgement.",
      rows,
      goals,
      notes: [
        `Invalidation delay over ${delays.length} trials: p50 ${ms(p50)}, p90 ${ms(quantile(delays, 0.9))}, p99 ${ms(p99)}, p99.9 ${ms(quantile(delays, 0.999))}, ` +
          `max ${ms(max)}, mean ${ms(delays.reduce((a, b) => a + b, 0) / delays.length)}; ${early} trials saw the new version before the writer's ` +
          `acknowledgement arrived (counted as 0); ${unseen} versions were not seen within 2 s (not counted).`,
        `Median of the delays: ${ms(median(delays))}. The delay includes the read that fetches the new entry from Redis after the invalidation.`,
        'undici-cache-redis 1.0.1 tracks the keys it read (default CLIENT TRACKING, not BCAST) and, per its source, does not arm tracking again after a reconnect; ' +
          'its default error callback writes to the console (given one here).',
        ...(errors.length
          ? [`undici-cache-redis reported ${errors.length} errors, the first: ${String(errors[0])}`]
          : []),
      ],
    };
  } finally {
    for (const agent of agents) await agent.close().catch(() => undefined);
    await ucrTracking.close().catch(() => undefined);
    await ucrPlain.close().catch(() => undefined);
    await near.clear().catch(() => undefined);
    await plain.clear().catch(() => undefined);
    await near.close();
    await plain.close();
    await memory.close();
    let cursor = '0';
    do {
      const [next, keys] = await admin
        .scan(cursor, 'MATCH', `${prefix}-ucr-*`, 'COUNT', 1000)
        .catch(() => ['0', [] as string[]] as const);
      cursor = next;
      if (keys.length > 0) await admin.unlink(...keys).catch(() => undefined);
    } while (cursor !== '0');
    admin.disconnect();
    await origin.close();
    await own?.stop();
  }
}
