/**
 * MemoryCache at scale: hit latency with 1 000 and with 100 000 entries (goal: within 1.1×
 * of each other), and live heap per stored 1 KiB response (goal: at most 1.5 KiB).
 *
 *   pnpm --filter @axios-client-cache/bench exec tsx src/memory-scale.ts
 *
 * Prints one JSON object of figures (ns, bytes, ratios). The bench runner imports {@link run}.
 *
 * Hit latency is measured three ways, each at both sizes:
 * - `store.uniform`: `MemoryCache#read` of uniformly random keys — no locality at all, the
 *   worst case for CPU caches (at 100 000 entries every lookup misses them);
 * - `store.zipf`: the same with Zipf(1)-distributed keys, as real traffic is skewed;
 * - `axios`: a full `GET` through axios with the cache attached (a `MemoryBackend`) and an
 *   adapter that would answer instantly, uniformly random URLs — what a caller waits for.
 */
import { createHash, randomBytes } from 'node:crypto';
import { runWhenMain } from './standalone.js';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import axios, { AxiosHeaders, type AxiosAdapter } from 'axios';
import { attachCache, CachedResponse } from '@axios-client-cache/core';
import { MemoryBackend, MemoryCache } from '@axios-client-cache/memory';

const KiB = 1024;
const SIZES = [1_000, 100_000] as const;

function forcedGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Live JS heap plus ArrayBuffer memory (response bodies live there), after full GCs. */
async function liveBytes(gc: () => void): Promise<number> {
  // ArrayBuffer memory is released by a sweeper that may finish after gc() returns.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** A key as the backend makes it (sha256 hex), as a fresh string each time, as a request makes it. */
function keyOf(i: number): string {
  return createHash('sha256').update(`GET https://api.example.com/items/${i}`).digest('hex');
}

const HEADERS = (i: number): Array<[string, string]> => [
  ['content-type', 'application/json; charset=utf-8'],
  ['etag', `"${i.toString(16)}-1"`],
  ['cache-control', 'max-age=600'],
  ['date', 'Tue, 25 Nov 2025 10:00:00 GMT'],
];

/** A typical small JSON API response with a 1 KiB body. */
function response(i: number, body: Uint8Array): CachedResponse {
  const url = `https://api.example.com/items/${i}`;
  return new CachedResponse({
    method: 'GET',
    url,
    finalUrl: url,
    status: 200,
    statusText: 'OK',
    headers: HEADERS(i),
    body,
    createdAt: 1_764_064_800_000,
    expires: null,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `count` indexes in [0, n) drawn from Zipf(1): rank r has weight 1/r; ranks are shuffled over indexes. */
function zipfIndexes(n: number, count: number): number[] {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cumulative[r] = sum += 1 / (r + 1);
  const rankToIndex = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [rankToIndex[i], rankToIndex[j]] = [rankToIndex[j]!, rankToIndex[i]!];
  }
  return Array.from({ length: count }, () => {
    const x = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return rankToIndex[lo]!;
  });
}

function uniformIndexes(n: number, count: number): number[] {
  return Array.from({ length: count }, () => Math.floor(Math.random() * n));
}

/** Median ns per awaited call over `rounds` batches (the first few warm the JIT and are dropped). */
async function timePerCall(batch: string[], call: (key: string) => Promise<unknown>, rounds: number): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch.length; i++) await call(batch[i]!);
    const ns = Number(process.hrtime.bigint() - start) / batch.length;
    if (round >= 3) samples.push(ns);
  }
  return median(samples);
}

async function storeHits(entries: number, body: Uint8Array): Promise<{ uniform: number; zipf: number }> {
  const store = new MemoryCache<CachedResponse>({
    maxEntries: entries,
    maxBytes: 1024 * 1024 * 1024,
    sweepIntervalMs: false,
  });
  for (let i = 0; i < entries; i++) await store.write(keyOf(i), response(i, body));
  const batchSize = 20_000;
  // Lookups use key strings made anew, as each request makes its key anew.
  const uniform = uniformIndexes(entries, batchSize).map(keyOf);
  const zipf = zipfIndexes(entries, batchSize).map(keyOf);
  for (const key of [...uniform, ...zipf])
    if ((await store.read(key)) === undefined) throw new Error('bench setup: a key is missing');
  const read = (key: string) => store.read(key);
  const result = { uniform: await timePerCall(uniform, read, 25), zipf: await timePerCall(zipf, read, 25) };
  await store.close();
  return result;
}

async function axiosHits(entries: number, json: string): Promise<{ hit: number; floor: number }> {
  const bytes = Buffer.from(json);
  const adapter: AxiosAdapter = async (config) => ({
    data: config.responseType === 'arraybuffer' ? bytes : json,
    status: 200,
    statusText: 'OK',
    config,
    request: {},
    headers: new AxiosHeaders({ 'content-type': 'application/json', 'cache-control': 'max-age=600' }),
  });
  // A finite expireAfter: attach.ts currently stores `decision.expires ?? responseTime`, so a
  // never-expiring response (expires null) would be stored as already expired.
  const backend = new MemoryBackend({
    expireAfter: '1h',
    maxEntries: entries + 10,
    maxBytes: 1024 * 1024 * 1024,
    sweepIntervalMs: false,
  });
  const cached = attachCache(axios.create({ baseURL: 'https://api.example.com', adapter }), backend);
  const plain = axios.create({ baseURL: 'https://api.example.com', adapter });
  for (let i = 0; i < entries; i++) await cached.get(`/items/${i}`);
  const urls = uniformIndexes(entries, 4_000).map((i) => `/items/${i}`);
  let misses = 0;
  for (const url of urls) if ((await cached.get(url)).fromCache !== true) misses++;
  if (misses > 0) throw new Error(`bench setup: ${misses} misses`);
  const hit = await timePerCall(urls, (url) => cached.get(url), 12);
  const floor = await timePerCall(urls, (url) => plain.get(url), 12);
  await backend.close();
  return { hit, floor };
}

async function heapPerEntry(
  gc: () => void,
  entries: number,
): Promise<{ total: number; responseOnly: number; stored: number }> {
  const bodies = randomBytes(KiB * 64);
  const bodyAt = (i: number) => {
    const offset = (i * 977) % (bodies.length - KiB);
    return bodies.subarray(offset, offset + KiB);
  };
  // The responses alone (what any in-process store that keeps them as objects holds)…
  let before = await liveBytes(gc);
  let held: CachedResponse[] | undefined = Array.from({ length: entries }, (_, i) => response(i, bodyAt(i)));
  const responseOnly = ((await liveBytes(gc)) - before) / entries;
  held = undefined;
  // …and everything a MemoryCache holds: keys, index, bookkeeping and the responses.
  before = await liveBytes(gc);
  const store = new MemoryCache<CachedResponse>({
    maxEntries: entries,
    maxBytes: 1024 * 1024 * 1024,
    sweepIntervalMs: false,
  });
  for (let i = 0; i < entries; i++) await store.write(keyOf(i), response(i, bodyAt(i)));
  const total = ((await liveBytes(gc)) - before) / entries;
  const stored = store.storedBytes / entries;
  await store.close();
  return { total, responseOnly: held === undefined ? responseOnly : 0, stored };
}

/** Runs the benchmark; figures in ns and bytes, ratios as plain numbers. */
export async function run(): Promise<Record<string, number>> {
  const gc = forcedGc();
  const body = randomBytes(KiB);
  const json = JSON.stringify({ data: 'x'.repeat(KiB - 12) });
  const store: Record<number, Array<{ uniform: number; zipf: number }>> = { [SIZES[0]]: [], [SIZES[1]]: [] };
  // Sizes interleaved, best of three: a noisy moment hits both alike.
  for (let i = 0; i < 3; i++) {
    for (const n of SIZES) {
      store[n]!.push(await storeHits(n, body));
      gc();
    }
  }
  const e2e: Record<number, { hit: number; floor: number }> = {};
  try {
    for (const n of SIZES) {
      e2e[n] = await axiosHits(n, json);
      gc();
    }
  } catch (error) {
    // The axios figures need attachCache to store responses; the store figures stand alone.
    process.stderr.write(
      `memory-scale: axios hit figures left out: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  const heap = await heapPerEntry(gc, 100_000);
  const best = (n: number, f: 'uniform' | 'zipf') => Math.min(...store[n]!.map((x) => x[f]));
  const r1 = (n: number) => Number(n.toFixed(1));
  const r3 = (n: number) => Number(n.toFixed(3));
  const [small, large] = SIZES;
  return {
    'memory.hit.store.uniform.1k.ns': r1(best(small, 'uniform')),
    'memory.hit.store.uniform.100k.ns': r1(best(large, 'uniform')),
    'memory.hit.store.uniform.ratio': r3(best(large, 'uniform') / best(small, 'uniform')),
    'memory.hit.store.zipf.1k.ns': r1(best(small, 'zipf')),
    'memory.hit.store.zipf.100k.ns': r1(best(large, 'zipf')),
    'memory.hit.store.zipf.ratio': r3(best(large, 'zipf') / best(small, 'zipf')),
    ...(e2e[small] && e2e[large]
      ? {
          'memory.hit.axios.1k.ns': r1(e2e[small].hit),
          'memory.hit.axios.100k.ns': r1(e2e[large].hit),
          'memory.hit.axios.ratio': r3(e2e[large].hit / e2e[small].hit),
          'memory.axios.floor.ns': r1(Math.min(e2e[small].floor, e2e[large].floor)),
        }
      : {}),
    'memory.heap.bytesPer1KiBEntry': Math.round(heap.total),
    'memory.heap.ratioToBody': r3(heap.total / KiB),
    'memory.heap.cachedResponseBytes': Math.round(heap.responseOnly),
    'memory.heap.storeOverheadBytes': Math.round(heap.total - heap.responseOnly),
    'memory.storedBytesPerEntry': Math.round(heap.stored),
  };
}

runWhenMain(import.meta.url, run);
