/**
 * Faults in the invalidation stream, on servers of the test's own: two processes write and read
 * interleaved (helpers/near-run.ts) while the subscriber or the tracking connections are killed,
 * Redis is paused (CLIENT PAUSE, SIGSTOP), flushed, restarted, or a Cluster master fails over to
 * its replica. Each leaves no read older than the last invalidation that reached the reader
 * allows (helpers/coherence.ts), no acknowledged write unheard of, and tracking armed again.
 */
import { Redis } from 'ioredis';
import { sleep } from '@axios-client-cache/test-suite';
import {
  startRedisCluster,
  startRedisServer,
  type RedisCluster,
  type RedisServer,
} from '../../../scripts/redis-servers.mjs';
import { summary } from './helpers/coherence.js';
import { describeIf, REDIS_SERVER_BIN, uniqueName, until } from './helpers/env.js';
import {
  hrnow,
  runWorkload,
  startNearWorkers,
  type Target,
  type WorkerStats,
  type WorkloadResult,
} from './helpers/near-run.js';
import type { Worker } from './helpers/processes.js';

/** Short deadline and heartbeat, so a frozen stream is noticed within ~0.3 s. */
const WORKER_ENV = { TIMEOUT_MS: '200', HEARTBEAT_MS: '100' };
/**
 * Not a speed goal: a bound on how long a reader may go without hearing of an acknowledged
 * write (by its invalidation, or by a gap that flushed everything). Generous, for a busy CI machine.
 */
const MAX_UNHEARD_MS = 5000;

async function statsOf(workers: Worker[], on: Target): Promise<WorkerStats[]> {
  return Promise.all(workers.map((w) => w.ask<WorkerStats>({ on, type: 'stats' })));
}

/** The checks every fault shares; returns the counters before and after. */
async function faultRun(
  name: string,
  workers: Worker[],
  on: Target,
  // biome-ignore lint/suspicious/noConfusingVoidType: most faults resolve to nothing; a write says when it landed
  inject: (tag: string) => Promise<{ sentAt: number; ackAt: number } | void>,
  options: { keysPerWorker?: number } = {},
): Promise<{ before: WorkerStats[]; after: WorkerStats[]; result: WorkloadResult }> {
  const before = await statsOf(workers, on);
  const tag = uniqueName('fault');
  const result = await runWorkload(workers, {
    on,
    tag,
    minMs: 900,
    readMs: 900,
    maxPauseMs: 2,
    keysPerWorker: options.keysPerWorker ?? 2,
    settleMs: 300,
    fault: { atMs: 250, inject: () => inject(tag) },
  });
  const { report } = result;
  process.stdout.write(`${summary(name, report)}\n`);
  expect(report.impossible).toEqual([]);
  expect(report.stale).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(Math.max(...report.delays)).toBeLessThan(MAX_UNHEARD_MS);
  // Armed again by itself, and serving from memory again.
  expect(await Promise.all(workers.map((w) => w.ask({ on, type: 'ready', timeoutMs: 15_000 })))).toEqual(
    workers.map(() => true),
  );
  const key = uniqueName('after');
  await workers[0]!.ask({ on, type: 'write', key, index: 1 });
  for (const w of workers) {
    const hits = (await w.ask<WorkerStats>({ on, type: 'stats' })).hits;
    expect(await w.ask({ on, type: 'read', key })).toBe(1);
    expect(await w.ask({ on, type: 'read', key })).toBe(1);
    expect((await w.ask<WorkerStats>({ on, type: 'stats' })).hits).toBeGreaterThan(hits);
  }
  return { before, after: await statsOf(workers, on), result };
}

/** Every worker saw a gap and armed tracking again. */
function gapped(before: WorkerStats[], after: WorkerStats[]): void {
  for (let i = 0; i < before.length; i++) {
    expect(after[i]!.gaps).toBeGreaterThan(before[i]!.gaps);
    expect(after[i]!.armings).toBeGreaterThan(before[i]!.armings);
  }
}

// A server and a Cluster (3 masters, a replica each) of this file's own, and two processes with a
// backend on each (starting a process with the TypeScript loader costs seconds).
let server: RedisServer;
let cluster: RedisCluster;
let admin: Redis;
let workers: Worker[] = [];
const cacheName = uniqueName('faults');

beforeAll(async () => {
  if (!REDIS_SERVER_BIN) return;
  [server, cluster] = await Promise.all([
    startRedisServer({ bin: REDIS_SERVER_BIN }),
    startRedisCluster({ masters: 3, replicas: 1, bin: REDIS_SERVER_BIN }),
  ]);
  admin = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  workers = await startNearWorkers(
    2,
    { REDIS_URL: server.url, CLUSTER_NODES: cluster.nodes, CACHE_NAME: cacheName, ...WORKER_ENV },
    ['redis', 'cluster'],
  );
}, 90_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  admin?.disconnect();
  await server?.stop();
  await cluster?.stop();
});

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set (scripts/with-redis.mjs)')(
  'near cache faults on a server of its own',
  () => {
    it('the subscribers killed (CLIENT KILL TYPE pubsub)', async () => {
      const { before, after } = await faultRun('CLIENT KILL TYPE pubsub', workers, 'redis', async () => {
        await admin.client('KILL', 'TYPE', 'pubsub');
      });
      gapped(before, after);
    }, 60_000);

    it('the tracking connections killed (CLIENT KILL ID)', async () => {
      const { before, after } = await faultRun('CLIENT KILL ID <tracker>', workers, 'redis', async () => {
        const list = (await admin.client('LIST')) as string;
        const ids = [...list.matchAll(/^id=(\d+) .*name=axios-client-cache-near-track /gm)].map((m) => m[1]!);
        expect(ids).toHaveLength(2);
        for (const id of ids) await admin.client('KILL', 'ID', id);
      });
      gapped(before, after);
    }, 60_000);

    it('Redis paused (CLIENT PAUSE 500 ALL)', async () => {
      const { before, after, result } = await faultRun('CLIENT PAUSE 500 ALL', workers, 'redis', async () => {
        await admin.client('PAUSE', '500', 'ALL');
        await sleep(600);
      });
      gapped(before, after);
      expect(result.report.failedReads).toBeGreaterThan(0); // the reads went to the paused Redis and failed open
    }, 60_000);

    it('Redis frozen (SIGSTOP for 600 ms)', async () => {
      const { before, after, result } = await faultRun('SIGSTOP 600 ms', workers, 'redis', async () => {
        server.signal('SIGSTOP');
        await sleep(600);
        server.signal('SIGCONT');
      });
      gapped(before, after);
      expect(result.report.failedReads).toBeGreaterThan(0);
    }, 60_000);

    it('FLUSHALL (a null invalidation: everything dropped, tracking stays armed)', async () => {
      const { before, after } = await faultRun('FLUSHALL', workers, 'redis', async () => {
        const sentAt = hrnow();
        await admin.flushall();
        return { sentAt, ackAt: hrnow() };
      });
      for (let i = 0; i < before.length; i++) expect(after[i]!.flushes).toBeGreaterThan(before[i]!.flushes);
    }, 60_000);

    it('Redis restarted (SIGKILL, no persistence: every entry gone)', async () => {
      const { before, after } = await faultRun('restart', workers, 'redis', async () => {
        const sentAt = hrnow();
        await server.kill();
        await sleep(200);
        await server.start();
        return { sentAt, ackAt: hrnow() };
      });
      gapped(before, after);
    }, 60_000);
  },
);

describeIf(REDIS_SERVER_BIN, 'REDIS_SERVER_BIN not set (scripts/with-redis.mjs)')(
  'near cache and a Cluster master failover (a cluster of its own, with replicas)',
  () => {
    /** The master holding the slot of `key`, and its replica once that is in sync (after an earlier failover it may still be joining). */
    async function masterAndReplica(key: string): Promise<{ master: { port: number }; replica: { port: number } }> {
      const node = new Redis(cluster.servers[0]!.port);
      const port = (n: string[]) => Number(n[1]!.split(':')[1]!.split('@')[0]);
      try {
        const slot = Number(await node.cluster('KEYSLOT', key));
        const end = Date.now() + 10_000;
        for (;;) {
          const nodes = String(await node.cluster('NODES'))
            .trim()
            .split('\n')
            .map((line) => line.split(' '));
          const master = nodes.find(
            (n) =>
              n[2]!.includes('master') &&
              n.slice(8).some((range) => {
                const [lo, hi = lo] = range.split('-').map(Number);
                return slot >= lo! && slot <= hi!;
              }),
          );
          const replica = master && nodes.find((n) => n[3] === master[0] && n[7] === 'connected');
          if (master && replica) {
            const probe = new Redis(port(replica));
            const info = await probe.info('replication').finally(() => probe.disconnect());
            if (info.includes('master_link_status:up'))
              return { master: { port: port(master) }, replica: { port: port(replica) } };
          }
          if (Date.now() > end) throw new Error(`no replica in sync for the master of slot ${slot}`);
          await sleep(50);
        }
      } finally {
        node.disconnect();
      }
    }

    async function promote(port: number, ...args: string[]): Promise<void> {
      const replica = new Redis(port);
      try {
        expect(await replica.cluster('FAILOVER', ...(args as []))).toBe('OK');
        await until(async () => ((await replica.call('ROLE')) as unknown[])[0] === 'master', 'replica promoted');
      } finally {
        replica.disconnect();
      }
    }

    it('CLUSTER FAILOVER: the replica of the master of a key in use takes over', async () => {
      const { before, after } = await faultRun(
        'CLUSTER FAILOVER',
        workers,
        'cluster',
        async (tag) => {
          const { replica } = await masterAndReplica(`${cacheName}:r:${tag}-0-0`);
          await promote(replica.port);
        },
        { keysPerWorker: 4 },
      );
      gapped(before, after);
    }, 90_000);

    // Frozen, then killed while still frozen, so the stream from it just falls silent (only the
    // heartbeat can notice) and it never comes back: resumed, an old master may take writes until it
    // hears of the takeover, which Redis then drops — a split brain no cache can paper over, and a
    // race this test would lose now and then. (Resuming it instead passes too, most of the time.)
    it('CLUSTER FAILOVER TAKEOVER of a master frozen and then killed (silent: no invalidation from it)', async () => {
      const { before, after } = await faultRun(
        'CLUSTER FAILOVER TAKEOVER of a frozen master',
        workers,
        'cluster',
        async (tag) => {
          const { master, replica } = await masterAndReplica(`${cacheName}:r:${tag}-0-0`);
          const frozen = cluster.servers.find((s) => s.port === master.port)!;
          frozen.signal('SIGSTOP');
          await promote(replica.port, 'TAKEOVER');
          await sleep(300);
          frozen.signal('SIGKILL');
          await until(
            () => frozen.process!.exitCode !== null || frozen.process!.signalCode !== null,
            'the old master to die',
          );
        },
        { keysPerWorker: 4 },
      );
      gapped(before, after);
    }, 90_000);
  },
);
