/**
 * Runs the interleaved write/read workload of helpers/near-worker.ts in several processes and
 * checks the logs with helpers/coherence.ts.
 */
import {
  checkCoherence,
  type Arrival,
  type CoherenceReport,
  type Flush,
  type Op,
  type ProcessLog,
  type Read,
} from './coherence.js';
import type { NearCacheStats } from '@axios-client-cache/redis';
import type { Target } from './near-worker.js';
import { Worker } from './processes.js';

export type { Target } from './near-worker.js';

/** The clock every process shares (CLOCK_MONOTONIC), in ms. */
export const hrnow = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Near cache counters a worker reports (its last error as a message). */
export type WorkerStats = Omit<NearCacheStats, 'lastError'> & { lastError?: string };

/** Starts `n` near-cache workers; resolves once each has tracking armed on every target. */
export async function startNearWorkers(n: number, env: Record<string, string>, targets: Target[]): Promise<Worker[]> {
  const workers = Array.from({ length: n }, () => new Worker(env, 'near-worker.ts'));
  await Promise.all(workers.map((w) => w.ready));
  for (const on of targets) {
    const armed = await Promise.all(workers.map((w) => w.ask<boolean>({ on, type: 'ready', timeoutMs: 15_000 })));
    if (!armed.every(Boolean)) throw new Error(`near cache not armed on ${on} in every worker: ${armed.join(', ')}`);
  }
  return workers;
}

export interface WorkloadOptions {
  /** Which of the workers' targets. */
  on: Target;
  /** Keys written by each worker (every worker reads all of them). @defaultValue 2 */
  keysPerWorker?: number;
  /** Writes and deletes per worker (at least). */
  writes?: number;
  /** Keep writing at least this long (ms). @defaultValue 0 */
  minMs?: number;
  /** Keep reading at least this long (ms). @defaultValue 0 */
  readMs?: number;
  /** Random pause after each write, up to this (ms). @defaultValue 3 */
  maxPauseMs?: number;
  /** Share of deletes among the operations. @defaultValue 0.15 */
  deleteRatio?: number;
  /** A name that keeps this run's keys apart from the others'. */
  tag: string;
  /** How long to wait after the last write for the last invalidations (ms). @defaultValue 1000 */
  settleMs?: number;
  /** Called at `startAt + atMs` (the fault to inject). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a fault that is not a write resolves to nothing
  fault?: { atMs: number; inject: () => Promise<Flush | void> };
}

export interface WorkloadResult {
  report: CoherenceReport;
  stats: WorkerStats[];
  writes: number;
  flushes: Flush[];
}

interface RawResult {
  ops: Op[];
  reads: number[];
  stats: WorkerStats;
}

/** Runs the workload in every worker at once, with the fault (if any) injected from here. */
export async function runWorkload(workers: Worker[], options: WorkloadOptions): Promise<WorkloadResult> {
  const {
    keysPerWorker = 2,
    writes = 0,
    minMs = 0,
    readMs = 0,
    maxPauseMs = 3,
    deleteRatio = 0.15,
    tag,
    fault,
    settleMs = 1000,
    on,
  } = options;
  const all = workers.flatMap((_, p) => Array.from({ length: keysPerWorker }, (_, i) => `${tag}-${p}-${i}`));
  const startAt = hrnow() + 300;
  const flushes: Flush[] = [];
  let injected: Promise<void> | undefined;
  if (fault !== undefined) {
    injected = new Promise<void>((resolve, reject) => {
      setTimeout(
        () => {
          fault.inject().then((flush) => {
            if (flush) flushes.push(flush);
            resolve();
          }, reject);
        },
        Math.max(0, startAt + fault.atMs - hrnow()),
      );
    });
  }
  const raw = await Promise.all(
    workers.map((w, p) =>
      w.ask<RawResult>({
        on,
        type: 'run',
        own: all.slice(p * keysPerWorker, (p + 1) * keysPerWorker),
        all,
        writes,
        minMs,
        readMs,
        maxPauseMs,
        deleteRatio,
        startAt,
      }),
    ),
  );
  await injected;
  // Every writer is done: give the last invalidations time to arrive, then collect them.
  await new Promise((r) => setTimeout(r, settleMs));
  const arrivals = await Promise.all(
    workers.map((w) => w.ask<Arrival[]>({ on, type: 'arrivals', since: startAt - 1000 })),
  );
  const logs: ProcessLog[] = raw.map((r, p) => {
    const reads: Read[] = [];
    for (let i = 0; i < r.reads.length; i += 4) {
      const v = r.reads[i + 3]!;
      reads.push({
        key: all[r.reads[i]!]!,
        startAt: r.reads[i + 1]!,
        endAt: r.reads[i + 2]!,
        value: v === -1 ? null : v === -2 ? 'error' : v,
      });
    }
    return { ops: r.ops, reads, arrivals: arrivals[p]! };
  });
  // NEAR_DUMP=<file>: every process's log, to replay a failed check with checkCoherence.
  if (process.env.NEAR_DUMP)
    (await import('node:fs')).writeFileSync(
      process.env.NEAR_DUMP,
      JSON.stringify({ logs, flushes, stats: raw.map((r) => r.stats) }),
    );
  return {
    report: checkCoherence(logs, flushes),
    stats: raw.map((r) => r.stats),
    writes: raw.reduce((n, r) => n + r.ops.length, 0),
    flushes,
  };
}
