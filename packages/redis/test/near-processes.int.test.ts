/**
 * Near caches of several processes on one Redis and on one Cluster: a write or delete in one
 * process is never served from another's near cache once its invalidation has arrived, and a
 * fuzz of 1 000 interleaved writes and reads finds no read older than the last write
 * acknowledged before the invalidation that reached the reader (helpers/coherence.ts).
 */
import { CLUSTER_NODES, describeIf, REDIS_URL, uniqueName } from './helpers/env.js';
import { summary } from './helpers/coherence.js';
import { runWorkload, startNearWorkers, type Target, type WorkerStats } from './helpers/near-run.js';
import { startOrigin, type Worker } from './helpers/processes.js';

type Get = { ok: boolean; fromCache?: boolean; body?: string; error?: string };

const targets: Array<[Target, string, unknown]> = [
  ['redis', 'one Redis', REDIS_URL],
  ['cluster', 'one Redis Cluster', CLUSTER_NODES],
];

// Four processes for the whole file, each with a backend on the Redis and one on the Cluster (each
// test uses keys and paths of its own): starting a process with the TypeScript loader costs
// seconds on a 2-core machine.
let workers: Worker[] = [];
let origin: Awaited<ReturnType<typeof startOrigin>> | undefined;
const available = targets.filter(([, , ready]) => ready).map(([on]) => on);

beforeAll(async () => {
  if (available.length === 0) return;
  origin = await startOrigin(5);
  const env: Record<string, string> = {
    CACHE_NAME: uniqueName('near'),
    ORIGIN: origin.url,
    TIMEOUT_MS: '2000',
    HEARTBEAT_MS: '500',
  };
  if (REDIS_URL) env.REDIS_URL = REDIS_URL;
  if (CLUSTER_NODES) env.CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES!;
  // Generous deadlines: these tests are about coherence, not about failing open on a busy machine.
  workers = await startNearWorkers(4, env, available);
}, 90_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await origin?.close();
});

for (const [on, name, ready] of targets) {
  describeIf(ready, `${name} not started (scripts/with-redis.mjs)`)(`near caches of processes sharing ${name}`, () => {
    const start = (n: number): Worker[] => workers.slice(0, n);

    it("2 processes: a write or a delete in one is never served from the other's near cache once its invalidation arrived", async () => {
      const [a, b] = start(2);
      await b!.ask({ on, type: 'write', key: 'k', index: 1 });
      expect(await a!.ask({ on, type: 'read', key: 'k' })).toBe(1);
      const before = await a!.ask<WorkerStats>({ on, type: 'stats' });
      expect(await a!.ask({ on, type: 'read', key: 'k' })).toBe(1);
      expect((await a!.ask<WorkerStats>({ on, type: 'stats' })).hits).toBe(before.hits + 1); // from A's memory

      for (const [step, expected] of [
        ['write', 2],
        ['delete', null],
        ['write', 3],
      ] as const) {
        const { sentAt } = await b!.ask<{ sentAt: number }>(
          step === 'write' ? { on, type: 'write', key: 'k', index: expected } : { on, type: 'delete', key: 'k' },
        );
        expect(await a!.ask({ on, type: 'waitInvalidation', key: 'k', since: sentAt, timeoutMs: 10_000 })).toBe(true);
        expect(await a!.ask({ on, type: 'read', key: 'k' })).toBe(expected);
        expect(await a!.ask({ on, type: 'read', key: 'k' })).toBe(expected);
      }
      // B's own write came back to B as an invalidation too: B still reads its latest value.
      expect(await b!.ask({ on, type: 'read', key: 'k' })).toBe(3);
    }, 60_000);

    it('2 processes through axios: a response refreshed or deleted in one stops being served by the other', async () => {
      const [a, b] = start(2);
      const path = `/near/${uniqueName('item')}`;
      const first = await a!.ask<Get>({ on, type: 'get', path });
      expect(first.fromCache).toBe(false);
      const hitIn = async (w: Worker, body?: string): Promise<Get> => {
        const until = Date.now() + 10_000;
        for (;;) {
          const res = await w.ask<Get>({ on, type: 'get', path });
          if (res.fromCache && (body === undefined || res.body === body)) return res;
          if (Date.now() > until) throw new Error(`no hit with ${body ?? 'any body'}: ${JSON.stringify(res)}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      expect((await hitIn(b!)).body).toBe(first.body);
      // Served from B's memory soon (the first read may race the invalidation of A's write, and is then not kept).
      const hits = (await b!.ask<WorkerStats>({ on, type: 'stats' })).hits;
      for (let i = 0; i < 20 && (await b!.ask<WorkerStats>({ on, type: 'stats' })).hits === hits; i++) {
        expect((await b!.ask<Get>({ on, type: 'get', path })).body).toBe(first.body);
      }
      expect((await b!.ask<WorkerStats>({ on, type: 'stats' })).hits).toBeGreaterThan(hits);

      const refreshed = await a!.ask<Get>({ on, type: 'refresh', path });
      expect(refreshed.fromCache).toBe(false);
      expect(refreshed.body).not.toBe(first.body);
      await hitIn(b!, refreshed.body);
      for (let i = 0; i < 20; i++) expect((await b!.ask<Get>({ on, type: 'get', path })).body).toBe(refreshed.body);

      await a!.ask({ on, type: 'deleteUrl', path });
      const until = Date.now() + 10_000;
      let res = await b!.ask<Get>({ on, type: 'get', path });
      while (res.fromCache && Date.now() < until) res = await b!.ask<Get>({ on, type: 'get', path });
      expect(res.fromCache).toBe(false);
    }, 60_000);

    it('4 processes: a tag invalidated in one is never served by another once it arrived (near caches and all); other tags stay hits', async () => {
      const all = start(4);
      const id = uniqueName('tag');
      const byRequest = `/tags/${id}/a`;
      const byHeader = `/tags/${id}/b?tag=h-${id}`;
      const other = `/tags/${id}/c`;
      const old = new Map<string, string | undefined>();
      old.set(byRequest, (await all[0]!.ask<Get>({ on, type: 'get', path: byRequest, tags: [`r-${id}`] })).body);
      old.set(byHeader, (await all[0]!.ask<Get>({ on, type: 'get', path: byHeader })).body);
      old.set(other, (await all[0]!.ask<Get>({ on, type: 'get', path: other, tags: [`o-${id}`] })).body);
      // Every process serves all three from the cache (soon from its own memory).
      for (const w of all) {
        for (const [path, body] of old)
          expect(await w.ask<Get>({ on, type: 'get', path })).toMatchObject({ fromCache: true, body });
      }
      const servedBefore = origin!.count();

      await all[3]!.ask({ on, type: 'invalidateTags', tags: [`r-${id}`, `h-${id}`] });
      // The invalidation of each tag's version reaches every near cache within ms; from then on
      // the old answer is never served (a miss, or the answer stored after the invalidation).
      for (const w of all) {
        for (const path of [byRequest, byHeader]) {
          const until = Date.now() + 10_000;
          let res = await w.ask<Get>({ on, type: 'get', path });
          while (res.body === old.get(path) && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 5));
            res = await w.ask<Get>({ on, type: 'get', path });
          }
          expect(res.ok).toBe(true);
          expect(res.body).not.toBe(old.get(path));
          for (let i = 0; i < 5; i++)
            expect((await w.ask<Get>({ on, type: 'get', path })).body).not.toBe(old.get(path));
        }
        expect(await w.ask<Get>({ on, type: 'get', path: other })).toMatchObject({
          fromCache: true,
          body: old.get(other),
        });
      }
      // Both were fetched again: once each when single-flight and the shared store hold (never more than once per process).
      const refetched = origin!.count() - servedBefore;
      expect(refetched).toBeGreaterThanOrEqual(2);
      expect(refetched).toBeLessThanOrEqual(8);
    }, 60_000);

    it('4 processes, 1 000 interleaved writes and deletes with reads: no read older than the invalidation that reached it allows', async () => {
      const all = start(4);
      const { report, stats, writes } = await runWorkload(all, {
        on,
        tag: 'fuzz',
        writes: 250,
        keysPerWorker: 2,
        maxPauseMs: 3,
        settleMs: 300,
      });
      process.stdout.write(`${summary(`fuzz, ${name}, ${writes} writes`, report)}\n`);
      expect(writes).toBeGreaterThanOrEqual(1000);
      expect(report.impossible).toEqual([]);
      expect(report.stale).toEqual([]);
      expect(report.missing).toEqual([]);
      // Not vacuous: every process served from memory and applied invalidations.
      for (const s of stats) {
        expect(s.hits).toBeGreaterThan(100);
        expect(s.invalidations).toBeGreaterThan(100);
      }
    }, 120_000);
  });
}

describe('coherence check (helpers/coherence.ts) can fail', () => {
  it('flags a read older than an invalidation allows, and a write no other process heard of', async () => {
    const { checkCoherence } = await import('./helpers/coherence.js');
    const writer = {
      ops: [
        { key: 'k', index: 1, kind: 'set' as const, sentAt: 0, ackAt: 1 },
        { key: 'k', index: 2, kind: 'set' as const, sentAt: 2, ackAt: 3 },
      ],
      reads: [],
      arrivals: [],
    };
    const reader = {
      ops: [],
      reads: [
        { key: 'k', startAt: 2.5, endAt: 2.6, value: 1 }, // fine: the invalidation of 2 had not arrived
        { key: 'k', startAt: 5, endAt: 5.1, value: 1 }, // stale: write 2 was acked before the invalidation at 4
        { key: 'k', startAt: 5, endAt: 5.1, value: 7 }, // never written
      ],
      arrivals: [
        { at: 1.5, keys: ['k'] },
        { at: 4, keys: ['k'] },
      ],
    };
    const report = checkCoherence([writer, reader]);
    expect(report.stale).toEqual([expect.objectContaining({ startAt: 5, value: 1, floor: 2 })]);
    expect(report.impossible).toHaveLength(1);
    expect(report.missing).toEqual([]);
    const deaf = checkCoherence([writer, { ...reader, arrivals: [{ at: 1.5, keys: ['k'] }] }]);
    expect(deaf.missing).toEqual([{ process: 1, op: writer.ops[1] }]);
  });

  it('lets a flush erase a write Redis may have run before it, and only that', async () => {
    const { checkCoherence } = await import('./helpers/coherence.js');
    // Write 1 was sent at 1, before the flush (sent 1.5) was acknowledged at 2: Redis may have run
    // the write first, though the writer heard its reply only at 3. Write 2 was sent after it.
    const writer = (sentAt: number) => ({
      ops: [{ key: 'k', index: 1, kind: 'set' as const, sentAt, ackAt: 3 }],
      reads: [{ key: 'k', startAt: 4, endAt: 4.1, value: null }],
      arrivals: [{ at: 2.5, keys: null }],
    });
    const flushes = [{ sentAt: 1.5, ackAt: 2 }];
    expect(checkCoherence([writer(1)], flushes).stale).toEqual([]);
    expect(checkCoherence([writer(2.5)], flushes).stale).toEqual([expect.objectContaining({ value: null, floor: 1 })]);
  });
});
