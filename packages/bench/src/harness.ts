/**
 * Timing shared by every case: warm-up, then interleaved timed rounds, so a noisy moment on a
 * shared machine hits every contender alike; medians and spread per contender.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** `BENCH_QUICK=1` (or `pnpm bench -- --quick`): short rounds, for smoke-checking only. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** One timed figure of one contender, over the rounds of a case. */
export interface Stat {
  /** Median over the rounds. */
  median: number;
  min: number;
  max: number;
  /** Every round's figure, in round order. */
  samples: number[];
}

/** A contender's row in the report. */
export interface Row {
  /** Short id, stable across runs (used in the chart and for ratios). */
  id: string;
  /** What a reader sees. */
  label: string;
  /** A shorter label for the chart (≤ 60 characters). */
  short?: string;
  /** Unit of `stat`: 'ns' per operation, 'ms' per operation, or a plain count. */
  unit: 'ns' | 'ms' | 'count' | 'keys/s';
  stat: Stat;
  /** Ratio against `baseline` (median of the per-round ratios; contenders ran interleaved). */
  ratio?: number;
  /** The id of the row the ratio is taken against. */
  baseline?: string;
  /** Extra per-row facts (origin requests seen, etc.). */
  extra?: string;
}

/** A goal of the issue, and whether this run met it. */
export interface Goal {
  goal: string;
  measured: string;
  /** `null` when the issue sets no target: the figure is reported, not judged. */
  met: boolean | null;
}

/** What one case sends back to the runner. */
export interface CaseResult {
  title: string;
  /** How the case was measured, in a sentence or two. */
  method: string;
  rows: Row[];
  goals: Goal[];
  notes: string[];
  /** Flat figures, for cases written by other owners (their own JSON). */
  figures?: Record<string, number>;
}

/** Median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Stat of `samples`. */
export function statOf(samples: number[]): Stat {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** A full GC when the process has `--expose-gc` (the runner starts cases with it). */
export async function settle(): Promise<void> {
  gc?.();
  await sleep(5);
}

export interface CompareOptions {
  /** Timed rounds per contender. @defaultValue 7 (quick: 3) */
  rounds?: number;
  /** Time spent on each contender in one round, in ms. @defaultValue 1000 (quick: 100) */
  roundMs?: number;
  /** Warm-up per contender before timing, in ms. @defaultValue 1000 (quick: 100) */
  warmupMs?: number;
  /** A round is made of slices of this many ms per contender, contenders taking turns. @defaultValue 50 */
  sliceMs?: number;
}

/**
 * Times each of `contenders` (one awaited call per operation, sequentially: latency, not
 * throughput). After a warm-up that also calibrates how many calls fill a slice, each round
 * gives every contender about `roundMs`, in slices of `sliceMs` taken in turn (rotating who goes
 * first), so a change in the machine's load during a round reaches every contender alike.
 * Returns ns per operation, one figure per round.
 */
export async function compare(
  contenders: Record<string, (i: number) => unknown>,
  options: CompareOptions = {},
): Promise<Record<string, Stat>> {
  const { rounds = QUICK ? 3 : 7, roundMs = QUICK ? 100 : 1000, warmupMs = QUICK ? 100 : 1000, sliceMs = 50 } = options;
  const names = Object.keys(contenders);
  const perSlice: Record<string, number> = {};
  let counter = 0;
  for (const name of names) {
    const fn = contenders[name]!;
    const start = process.hrtime.bigint();
    const until = start + BigInt(warmupMs) * 1_000_000n;
    let ops = 0;
    // In chunks of 16 so the clock is read rarely.
    while (process.hrtime.bigint() < until) {
      for (let k = 0; k < 16; k++) await fn(counter++);
      ops += 16;
    }
    const ns = Number(process.hrtime.bigint() - start) / ops;
    perSlice[name] = Math.max(4, Math.round((sliceMs * 1e6) / ns));
  }
  const slices = Math.max(1, Math.round(roundMs / sliceMs));
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const ns: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    const ops: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    await settle();
    for (let slice = 0; slice < slices; slice++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(j + slice + round) % names.length]!;
        const fn = contenders[name]!;
        const n = perSlice[name]!;
        const start = process.hrtime.bigint();
        for (let k = 0; k < n; k++) await fn(counter++);
        ns[name]! += Number(process.hrtime.bigint() - start);
        ops[name]! += n;
      }
    }
    for (const name of names) samples[name]!.push(ns[name]! / ops[name]!);
  }
  return Object.fromEntries(names.map((n) => [n, statOf(samples[n]!)]));
}

/** Median of the per-round ratios `a[i] / b[i]` (rounds were interleaved, so paired). */
export function pairedRatio(a: Stat, b: Stat): number {
  return median(a.samples.map((x, i) => x / b.samples[i]!));
}

/** Rows for `stats`, with ratios against `baseline`. */
export function rowsOf(
  stats: Record<string, Stat>,
  labels: Record<string, string>,
  baseline: string,
  unit: Row['unit'] = 'ns',
  short: Record<string, string> = {},
): Row[] {
  const base = stats[baseline]!;
  return Object.entries(stats).map(([id, stat]) => ({
    id,
    label: labels[id] ?? id,
    unit,
    stat,
    ...(short[id] ? { short: short[id] } : {}),
    ...(id === baseline ? {} : { ratio: pairedRatio(stat, base), baseline }),
  }));
}

/** Throws when `cond` is false: a bench that measures the wrong thing must not report. */
export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(`bench check failed: ${message}`);
}
