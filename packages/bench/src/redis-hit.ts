/**
 * Redis hits: throughput and Redis commands per hit, against the limit, in one run.
 *
 *   pnpm --filter @axios-client-cache/redis build
 *   pnpm --filter @axios-client-cache/bench exec tsx src/redis-hit.ts
 *
 * Uses $REDIS_URL, else starts a redis-server of its own on a free loopback port
 * (scripts/redis-servers.mjs). Prints one JSON object of figures; the bench runner imports
 * {@link run}.
 *
 * Four axios instances answer the same GET of a ~1 KiB JSON body from Redis:
 * - `limit`: an adapter that does one bare ioredis `GET` of the body and nothing else, on a
 *   client with default options — the target;
 * - `limitPipelined`: the same on a client with ioredis's `enableAutoPipelining`, which
 *   sends the commands of one tick in one write. Concurrent requests resume together, so
 *   at concurrency 32 this (not `limit`) is the ceiling for a client that batches its
 *   writes, as ours does; at concurrency 1 it only adds a tick per command;
 * - `ours`: `attachCache` with a `RedisBackend` (msgpack entries, deadline, fail-open);
 * - `aci`: axios-cache-interceptor with its documented Redis storage recipe
 *   (`buildStorage`, JSON values, `PXAT`), on ioredis.
 * Figures: `redis.hit.<variant>.c1.rps` and `.c32.rps` (requests/s at concurrency 1 and 32,
 * median of many short interleaved rounds, the order of the variants reversed every other
 * round so none always runs in another's garbage), `redis.hit.ours.vsLimit.c1` / `.c32`
 * (goal ≥ 0.95) and the same for aci, `redis.hit.ours.vsLimitPipelined.c32`, and
 * `redis.hit.<variant>.commandsPerHit` from `INFO commandstats` (goal for ours: exactly 1).
 */
import { runWhenMain } from './standalone.js';
import axios, {
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { buildStorage, canStale, setupCache, type StorageValue } from 'axios-cache-interceptor';
import { Redis } from 'ioredis';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { startRedisServer } from '../../../scripts/redis-servers.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const N_C1 = Number(process.env.BENCH_N_C1 ?? 1500);
const N_C32 = Number(process.env.BENCH_N_C32 ?? 6000);
const URL_PATH = '/users?page=2';
const BODY = JSON.stringify({
  page: 2,
  users: Array.from({ length: 12 }, (_, i) => ({
    id: 1000 + i,
    name: `user ${i}`,
    email: `user${i}@example.com`,
    active: i % 2 === 0,
  })),
});

type Variant = 'limit' | 'limitPipelined' | 'ours' | 'aci';
const VARIANTS: Variant[] = ['limit', 'limitPipelined', 'ours', 'aci'];

/** The origin: answers at once (only the first request of each cache reaches it). */
const origin: AxiosAdapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => ({
  data: BODY,
  status: 200,
  statusText: 'OK',
  headers: { 'content-type': 'application/json' },
  config,
  request: {},
});

async function throughput(api: AxiosInstance, concurrency: number, total: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next++ < total) {
      const res = await api.get(URL_PATH);
      if ((res.data as { page?: number }).page !== 2) throw new Error('wrong body');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return total / ((performance.now() - started) / 1000);
}

/** Total calls of every command but INFO, from `INFO commandstats`. */
async function commandCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') n += Number(m[2]);
  return n;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Every figure of this bench. */
export async function run(): Promise<Record<string, number>> {
  const own = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? own!.url;
  const admin = new Redis(url);
  const prefix = `bench-${process.pid}`;
  const clients: Redis[] = [];
  const apis = {} as Record<Variant, AxiosInstance>;
  let backend: RedisBackend | undefined;
  try {
    // limit: one bare GET of the body
    const bare = new Redis(url);
    clients.push(bare);
    const bodyKey = `${prefix}:limit:body`;
    await bare.set(bodyKey, BODY);
    apis.limit = axios.create({
      baseURL: 'https://api.example.com',
      adapter: async (config) => ({
        data: await bare.get(bodyKey),
        status: 200,
        statusText: 'OK',
        headers: { 'content-type': 'application/json' },
        config,
        request: {},
      }),
    });
    const pipelined = new Redis(url, { enableAutoPipelining: true });
    clients.push(pipelined);
    apis.limitPipelined = axios.create({
      baseURL: 'https://api.example.com',
      adapter: async (config) => ({
        data: await pipelined.get(bodyKey),
        status: 200,
        statusText: 'OK',
        headers: { 'content-type': 'application/json' },
        config,
        request: {},
      }),
    });

    // ours
    backend = new RedisBackend({ url, cacheName: `${prefix}:ours`, expireAfter: 3600 });
    await backend.connection.connect();
    apis.ours = attachCache(axios.create({ baseURL: 'https://api.example.com', adapter: origin }), backend);

    // axios-cache-interceptor, its documented Redis storage (node-redis calls mapped to ioredis)
    const aciClient = new Redis(url);
    clients.push(aciClient);
    const aciKey = (key: string) => `${prefix}:aci:${key}`;
    const storage = buildStorage({
      async find(key) {
        const result = await aciClient.get(aciKey(key));
        return result ? (JSON.parse(result) as StorageValue) : undefined;
      },
      async set(key, value, req) {
        const pxat =
          value.state === 'loading'
            ? Date.now() + (req?.cache && typeof req.cache.ttl === 'number' ? req.cache.ttl : 60_000)
            : (value.state === 'stale' && value.ttl) || (value.state === 'cached' && !canStale(value))
              ? value.createdAt + value.ttl!
              : undefined;
        if (pxat === undefined) await aciClient.set(aciKey(key), JSON.stringify(value));
        else await aciClient.set(aciKey(key), JSON.stringify(value), 'PXAT', pxat);
      },
      async remove(key) {
        await aciClient.del(aciKey(key));
      },
    });
    apis.aci = setupCache(axios.create({ baseURL: 'https://api.example.com', adapter: origin }), {
      storage,
      ttl: 3_600_000,
    });

    // warm: store the entry, let background writes land, prime every code path
    for (const v of VARIANTS) {
      await apis[v].get(URL_PATH);
      await new Promise((r) => setTimeout(r, 50));
      await throughput(apis[v], 8, 2000);
    }
    const first = await apis.ours.get(URL_PATH);
    if (!(first as { fromCache?: boolean }).fromCache) throw new Error('ours: not a hit after warm-up');

    const figures: Record<string, number> = {};
    // commands per hit
    for (const v of VARIANTS) {
      const before = await commandCalls(admin);
      await throughput(apis[v], 1, 1000);
      figures[`redis.hit.${v}.commandsPerHit`] = ((await commandCalls(admin)) - before) / 1000;
    }
    // throughput, interleaved rounds
    const rps: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        (rps[`${v}.c1`] ??= []).push(await throughput(apis[v], 1, N_C1));
        (rps[`${v}.c32`] ??= []).push(await throughput(apis[v], 32, N_C32));
      }
    }
    for (const [name, values] of Object.entries(rps)) figures[`redis.hit.${name}.rps`] = Math.round(median(values));
    figures['redis.hit.ours.vsLimitPipelined.c32'] = Number(
      (figures['redis.hit.ours.c32.rps']! / figures['redis.hit.limitPipelined.c32.rps']!).toFixed(3),
    );
    for (const v of ['ours', 'aci'] as const) {
      for (const c of ['c1', 'c32']) {
        figures[`redis.hit.${v}.vsLimit.${c}`] = Number(
          (figures[`redis.hit.${v}.${c}.rps`]! / figures[`redis.hit.limit.${c}.rps`]!).toFixed(3),
        );
      }
    }
    return figures;
  } finally {
    await backend?.clear().catch(() => undefined);
    await backend?.close();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await admin
        .scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
        .catch(() => ['0', [] as string[]] as const);
      cursor = nextCursor;
      if (keys.length > 0) await admin.unlink(...keys).catch(() => undefined);
    } while (cursor !== '0');
    for (const c of clients) c.disconnect();
    admin.disconnect();
    await own?.stop();
  }
}

runWhenMain(import.meta.url, run);
