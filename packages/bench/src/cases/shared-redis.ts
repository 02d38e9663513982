/**
 * Many processes on one Redis: (1) four processes serving one stale stale-while-revalidate entry
 * — how many refreshes reach the origin, with the cross-process lease and without it
 * (`leaseMs: false`); (2) `invalidateTags` of a tag on 10 000 entries of a 3-master Redis
 * Cluster — the Redis commands it sends, how long it takes, and whether every process then misses.
 *
 * Processes are real (`fork`, src/shared-worker.ts), the origin is the bench's own process
 * (200 ms latency, `Cache-Control: max-age=1, stale-while-revalidate=60`), the Cluster is started
 * for the case on loopback (scripts/redis-servers.mjs).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { CachedResponse } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { startRedisCluster, startRedisServer } from '../../../../scripts/redis-servers.mjs';
import { startOrigin } from '../fixtures.js';
import { check, QUICK, statOf, type CaseResult, type Goal, type Row } from '../harness.js';

const PROCESSES = 4;
const ENTRIES = QUICK ? 2_000 : 10_000;

class Worker {
  readonly child: ChildProcess;
  constructor(env: Record<string, string>) {
    this.child = fork(fileURLToPath(new URL('../shared-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  ask<T>(message: object, field: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m !== null && typeof m === 'object' && field in m) {
          this.child.off('message', onMessage);
          this.child.off('exit', onExit);
          resolve((m as Record<string, T>)[field]!);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`worker exited (${code})`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      if (Object.keys(message).length > 0) this.child.send(message);
    });
  }
  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'exit' });
    await Promise.race([exited, sleep(5000).then(() => this.child.kill('SIGKILL'))]);
  }
}

async function workers(env: Record<string, string>): Promise<Worker[]> {
  const all = Array.from({ length: PROCESSES }, () => new Worker(env));
  await Promise.all(all.map((w) => w.ask({}, 'ready')));
  return all;
}

/** Refreshes that reached the origin, per round, when PROCESSES processes serve one stale entry. */
async function swrRefreshes(redisURL: string, lease: boolean, rounds: number): Promise<number[]> {
  const origin = await startOrigin({ latencyMs: 200, cacheControl: 'max-age=1, stale-while-revalidate=60' });
  const all = await workers({
    REDIS_URL: redisURL,
    CACHE_NAME: `bench-swr-${lease ? 'lease' : 'nolease'}-${process.pid}`,
    ORIGIN: origin.baseURL,
    LEASE: lease ? 'on' : 'off',
  });
  const refreshes: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const path = `/swr/${round}`;
      await all[0]!.ask({ type: 'burst', path, n: 1 }, 'fromCache');
      await sleep(300); // the write lands
      await sleep(1_000); // stale now, within its stale-while-revalidate window
      await origin.count(); // resets the origin's count
      const served = await Promise.all(all.map((w) => w.ask<number>({ type: 'burst', path, n: 20 }, 'fromCache')));
      check(
        served.every((n) => n === 20),
        `every request served stale from the cache (${served.join(', ')})`,
      );
      await sleep(800); // every refresh (200 ms at the origin) done
      refreshes.push(await origin.count());
    }
  } finally {
    await Promise.all(all.map((w) => w.stop()));
    await origin.close();
  }
  return refreshes;
}

/** invalidateTags of one tag on ENTRIES entries of a 3-master Cluster. */
async function clusterInvalidation(): Promise<{
  commands: string[];
  masterCalls: number;
  ms: number;
  liveBefore: number[];
  liveAfter: number[];
  sampled: number;
}> {
  const cluster = await startRedisCluster({ masters: 3 });
  const nodes = (cluster.nodes as string)
    .split(',')
    .map((a) => ({ host: a.split(':')[0]!, port: Number(a.split(':')[1]) }));
  const cacheName = `bench-tags-${process.pid}`;
  const backend = new RedisBackend({ cluster: { nodes }, cacheName, timeoutMs: 10_000, expireAfter: 3600 });
  const admin = new Cluster(nodes);
  try {
    const tag = 'catalog';
    const keys: string[] = [];
    const now = Date.now();
    for (let start = 0; start < ENTRIES; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, ENTRIES - start) }, (_, j) => {
          const i = start + j;
          const url = `https://api.example.com/products/${i}`;
          const key = backend.createKey('GET', url);
          keys.push(key);
          return backend.saveResponse(
            new CachedResponse({
              method: 'GET',
              url,
              finalUrl: url,
              status: 200,
              statusText: 'OK',
              headers: [['content-type', 'application/json']],
              body: Buffer.from(JSON.stringify({ id: i })),
              createdAt: now,
              requestTime: now,
              expires: now + 3_600_000,
              tags: [tag, `product:${i}`],
            }),
            key,
          );
        }),
      );
    }
    const sample = keys.filter((_, i) => i % Math.ceil(ENTRIES / 250) === 0);
    const all = await workers({
      CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(','),
      CACHE_NAME: cacheName,
      ORIGIN: 'http://127.0.0.1:9',
    });
    try {
      const liveBefore = await Promise.all(all.map((w) => w.ask<number>({ type: 'sample', keys: sample }, 'live')));
      await sleep(1_000);
      const masters = admin.nodes('master');
      await Promise.all(masters.map((m) => m.config('RESETSTAT')));
      const commands: string[] = [];
      const send = backend.connection.send.bind(backend.connection);
      (backend.connection as { send: typeof send }).send = (client, command) => {
        commands.push((command as unknown as { name: string }).name);
        return send(client, command);
      };
      const started = process.hrtime.bigint();
      await backend.invalidateTags([tag]);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      (backend.connection as { send: typeof send }).send = send;
      let masterCalls = 0;
      for (const m of masters) {
        const info = await m.info('commandstats');
        for (const x of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
          if (!['info', 'ping', 'config', 'cluster'].includes(x[1]!.split('|')[0]!)) masterCalls += Number(x[2]);
        }
      }
      const liveAfter = await Promise.all(all.map((w) => w.ask<number>({ type: 'sample', keys: sample }, 'live')));
      return { commands, masterCalls, ms, liveBefore, liveAfter, sampled: sample.length };
    } finally {
      await Promise.all(all.map((w) => w.stop()));
    }
  } finally {
    await backend.clear().catch(() => undefined);
    await backend.close();
    admin.disconnect();
    await cluster.stop();
  }
}

export async function run(): Promise<CaseResult> {
  const own = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url: string = process.env.REDIS_URL ?? own!.url;
  try {
    const rounds = QUICK ? 2 : 5;
    const withLease = await swrRefreshes(url, true, rounds);
    const withoutLease = await swrRefreshes(url, false, rounds);
    const tags = await clusterInvalidation();
    const rows: Row[] = [
      {
        id: 'swr.lease',
        label: `stale-while-revalidate, ${PROCESSES} processes × 20 requests on one stale entry: origin refreshes (cross-process lease)`,
        short: `SWR refreshes, ${PROCESSES} processes, lease`,
        unit: 'count',
        stat: statOf(withLease),
        extra: `per round: ${withLease.join(', ')}`,
      },
      {
        id: 'swr.nolease',
        label: `stale-while-revalidate, ${PROCESSES} processes × 20 requests on one stale entry: origin refreshes (leaseMs: false)`,
        short: `SWR refreshes, ${PROCESSES} processes, no lease`,
        unit: 'count',
        stat: statOf(withoutLease),
        extra: `per round: ${withoutLease.join(', ')}`,
      },
      {
        id: 'tags.invalidate',
        label: `invalidateTags of a tag on ${ENTRIES.toLocaleString('en')} entries, 3-master Cluster: ms`,
        short: `invalidateTags, ${ENTRIES} entries, Cluster`,
        unit: 'ms',
        stat: statOf([tags.ms]),
        extra: `commands sent: ${tags.commands.join(', ')}; calls on the masters: ${tags.masterCalls}`,
      },
    ];
    const goals: Goal[] = [
      {
        goal: `${PROCESSES} processes, one stale entry under stale-while-revalidate: exactly 1 origin refresh`,
        measured: `${withLease.join(', ')} over ${rounds} rounds (without the lease: ${withoutLease.join(', ')})`,
        met: withLease.every((n) => n === 1),
      },
      {
        goal: `invalidateTags of a tag on ${ENTRIES.toLocaleString('en')} entries over a 3-master Cluster: O(1) commands`,
        measured: `${tags.commands.length} command (${tags.commands.join(', ')}), ${tags.masterCalls} call(s) on the masters, ${tags.ms.toFixed(2)} ms`,
        met: tags.commands.length === 1 && tags.masterCalls === 1,
      },
      {
        goal: 'every process misses after it',
        measured: `live of ${tags.sampled} sampled entries per process: before ${tags.liveBefore.join(', ')}; after ${tags.liveAfter.join(', ')}`,
        met: tags.liveBefore.every((n) => n === tags.sampled) && tags.liveAfter.every((n) => n === 0),
      },
    ];
    return {
      title: 'Many processes on one Redis: one refresher, tag invalidation',
      method:
        `${PROCESSES} forked processes with RedisBackend (cacheControl) on one Redis; the origin answers after 200 ms with ` +
        "'max-age=1, stale-while-revalidate=60'; each round one process stores a new URL, 1.3 s later every process sends 20 concurrent " +
        'requests for it, and the origin requests of the next 0.8 s are counted. Tags: entries written with saveResponse, then one ' +
        'invalidateTags; commands counted at the client and with INFO commandstats on every master; each process then reads a sample.',
      rows,
      goals,
      notes: [],
    };
  } finally {
    await own?.stop();
  }
}
