/**
 * The coherence check of the multi-process near-cache tests. Times are ms of one clock shared
 * by every process on the machine (`process.hrtime`, CLOCK_MONOTONIC), so a writer's ack time
 * and a reader's read and invalidation times compare directly.
 *
 * The rule: in process P, let `r` be the last invalidation of key k that P applied before a
 * read of k started (an invalidation message naming k, a flush, a gap, or tracking armed
 * again: after each of them P serves nothing older than what Redis held then). The read must
 * return a value no older than the last write (or delete) of k acknowledged before `r`. In the
 * writer's own process its acknowledged writes count at once (read-your-writes). A read may
 * return anything newer, or a write or delete still in flight.
 *
 * And no invalidation may go missing: every acknowledged write reaches every other process
 * (a message for its key, or a flush, gap or re-arming after it was sent) — else the rule
 * above would pass for a reader that never hears of a write.
 */

/** One write or delete of a key by its only writer; `index` counts the key's operations from 1. */
export interface Op {
  key: string;
  index: number;
  kind: 'set' | 'del';
  sentAt: number;
  /** When the writer got Redis's acknowledgement; `null` when it failed (it may or may not have landed). */
  ackAt: number | null;
}

/** One read: `value` is the index of the write it returned, `null` for no entry, `'error'` for a failed read. */
export interface Read {
  key: string;
  startAt: number;
  endAt: number;
  value: number | null | 'error';
}

/** An invalidation applied by a process: the keys, or `null` for everything (flush, gap, re-armed). */
export interface Arrival {
  at: number;
  keys: string[] | null;
}

/** What one process recorded. */
export interface ProcessLog {
  ops: Op[];
  reads: Read[];
  arrivals: Arrival[];
}

export interface StaleRead {
  process: number;
  key: string;
  startAt: number;
  value: number | null | 'error';
  /** The oldest op index the read was allowed to return. */
  floor: number;
}

export interface CoherenceReport {
  reads: number;
  failedReads: number;
  stale: StaleRead[];
  /** Reads returning something never written before they ended. */
  impossible: StaleRead[];
  /** Acknowledged ops some other process never heard of. */
  missing: Array<{ process: number; op: Op }>;
  /** For every acknowledged op and every other process: first invalidation after it was sent − its ack (ms). */
  delays: number[];
}

/** Last index i with xs[i] <= t (xs sorted), or -1. */
function lastAtOrBefore(xs: readonly number[], t: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** A FLUSHALL (or a restart of a server without persistence) made by the test: every key may be gone after it. */
export interface Flush {
  sentAt: number;
  ackAt: number;
}

/** Runs the check over every process's log. `marginMs` absorbs clock-read jitter. */
export function checkCoherence(
  logs: readonly ProcessLog[],
  flushes: readonly Flush[] = [],
  marginMs = 0.05,
): CoherenceReport {
  const opsOf = new Map<string, Op[]>();
  const owner = new Map<string, number>();
  logs.forEach((log, p) => {
    for (const op of log.ops) {
      (opsOf.get(op.key) ?? opsOf.set(op.key, []).get(op.key)!).push(op);
      owner.set(op.key, p);
    }
  });
  for (const ops of opsOf.values()) ops.sort((a, b) => a.index - b.index);
  // Acked ops by key, sorted by ack time (one writer per key: also by index).
  const acked = new Map<string, { at: number[]; index: number[] }>();
  for (const [key, ops] of opsOf) {
    const done = ops.filter((op) => op.ackAt !== null).sort((a, b) => a.ackAt! - b.ackAt!);
    acked.set(key, { at: done.map((op) => op.ackAt!), index: done.map((op) => op.index) });
  }
  const floorAt = (key: string, t: number, strict: boolean): number => {
    const a = acked.get(key);
    if (a === undefined) return 0;
    const i = lastAtOrBefore(a.at, strict ? t - marginMs : t);
    let floor = 0;
    for (let j = 0; j <= i; j++) floor = Math.max(floor, a.index[j]!);
    return floor;
  };

  const report: CoherenceReport = { reads: 0, failedReads: 0, stale: [], impossible: [], missing: [], delays: [] };
  logs.forEach((log, p) => {
    // Arrival times that concern each key, sorted.
    const everything = log.arrivals.filter((a) => a.keys === null).map((a) => a.at);
    const byKey = new Map<string, number[]>();
    for (const a of log.arrivals) {
      if (a.keys === null) continue;
      for (const key of a.keys) (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(a.at);
    }
    const arrivalsOf = new Map<string, number[]>();
    const timesOf = (key: string): number[] => {
      let times = arrivalsOf.get(key);
      if (times === undefined) {
        times = [...(byKey.get(key) ?? []), ...everything].sort((a, b) => a - b);
        arrivalsOf.set(key, times);
      }
      return times;
    };

    for (const read of log.reads) {
      report.reads++;
      if (read.value === 'error') {
        report.failedReads++;
        continue;
      }
      const times = timesOf(read.key);
      const i = lastAtOrBefore(times, read.startAt);
      let floor = i < 0 ? 0 : floorAt(read.key, times[i]!, true);
      if (owner.get(read.key) === p) floor = Math.max(floor, floorAt(read.key, read.startAt, false));
      const ops = opsOf.get(read.key) ?? [];
      const stale = { process: p, key: read.key, startAt: read.startAt, value: read.value, floor };
      if (read.value === null) {
        // A flush could have run after the floor write if it was acknowledged after that write
        // was sent: Redis may run the write first and the writer hear its reply after the
        // flusher heard its own (two connections, two processes).
        const floorSent = ops.find((op) => op.index === floor)?.sentAt ?? 0;
        const possible =
          floor === 0 ||
          ops.some((op) => op.kind === 'del' && op.index >= floor && op.sentAt < read.endAt) ||
          flushes.some((f) => f.sentAt < read.endAt && f.ackAt > floorSent - marginMs);
        if (!possible) report.stale.push(stale);
        continue;
      }
      const op = ops.find((o) => o.index === read.value);
      if (op === undefined || op.kind !== 'set' || op.sentAt > read.endAt) report.impossible.push(stale);
      else if (read.value < floor) report.stale.push(stale);
    }

    // Liveness: every acknowledged op of another process reached this one.
    for (const [key, ops] of opsOf) {
      if (owner.get(key) === p) continue;
      const times = timesOf(key);
      let previous: Op | undefined;
      for (const op of ops) {
        // A delete of an absent key changes nothing, so Redis has nothing to report: only a
        // delete right after an acknowledged write surely changed something.
        const changes = op.kind === 'set' || (previous?.kind === 'set' && previous.ackAt !== null);
        previous = op;
        if (op.ackAt === null || !changes) continue;
        const j = lastAtOrBefore(times, op.sentAt - marginMs) + 1;
        if (j >= times.length) report.missing.push({ process: p, op });
        else report.delays.push(times[j]! - op.ackAt);
      }
    }
  });
  return report;
}

/** p-quantile of `xs` (0..1), nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A one-line summary for the test output. */
export function summary(name: string, report: CoherenceReport): string {
  const d = report.delays;
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  return (
    `${name}: ${report.reads} reads (${report.failedReads} failed open), stale ${report.stale.length}, impossible ${report.impossible.length}, ` +
    `missing invalidations ${report.missing.length}; ack → invalidation applied: p50 ${ms(quantile(d, 0.5))}, p99 ${ms(quantile(d, 0.99))}, max ${ms(Math.max(...d))} over ${d.length}`
  );
}
