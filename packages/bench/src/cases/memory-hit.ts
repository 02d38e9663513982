/**
 * Memory hit: a GET answered from an in-process cache, against the floor (the same axios
 * setup with an adapter that answers at once, no cache) and axios-cache-interceptor's memory
 * storage in both of its modes. Same ~1 KiB JSON body, `responseType: 'json'`, 64 URLs in turn.
 */
import { isDeepStrictEqual } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { buildMemoryStorage, setupCache } from 'axios-cache-interceptor';
import { attachCache } from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { BODY, instantAdapter } from '../fixtures.js';
import { check, compare, rowsOf, type CaseResult } from '../harness.js';

const URLS = Array.from({ length: 64 }, (_, i) => `https://api.example.com/items/${i}`);
const TTL = 3_600_000;

export async function run(): Promise<CaseResult> {
  const adapter = instantAdapter();
  const fresh = () => axios.create({ adapter });
  const memoryBackend = new MemoryBackend({ expireAfter: '1h' });
  // Its defaults, and its leanest documented setup for a server: no header interpretation, and
  // no cacheTakeover (the no-cache request headers that keep a browser from caching twice).
  const aci = (cloneData: boolean, lean: boolean) =>
    setupCache(fresh(), {
      storage: buildMemoryStorage(cloneData),
      ttl: TTL,
      ...(lean ? { interpretHeader: false, cacheTakeover: false } : {}),
    }) as unknown as AxiosInstance;
  const apis: Record<string, AxiosInstance> = {
    floor: fresh(),
    ours: attachCache(fresh(), { expireAfter: '1h' }),
    oursMemory: attachCache(fresh(), memoryBackend),
    aciShared: aci(false, false),
    aciSharedHeaders: aci(false, true),
    aciClone: aci(true, false),
    aciCloneHeaders: aci(true, true),
  };
  const labels: Record<string, string> = {
    floor: 'floor: axios, instant adapter, no cache',
    ours: 'axios-client-cache (attachCache, default in-memory DictCache)',
    oursMemory: 'axios-client-cache (MemoryBackend, bounded LRU)',
    aciShared:
      'axios-cache-interceptor, memory, default mode (callers share one object), interpretHeader: false, cacheTakeover: false',
    aciSharedHeaders: 'axios-cache-interceptor, memory, default mode, its defaults (interpretHeader, cacheTakeover on)',
    aciClone: 'axios-cache-interceptor, memory, cloneData: true, interpretHeader: false, cacheTakeover: false',
    aciCloneHeaders: 'axios-cache-interceptor, memory, cloneData: true, its defaults otherwise',
  };

  // Prime every cache, and check that each contender answers hits with the right body.
  for (const [id, api] of Object.entries(apis)) {
    for (const url of URLS) await api.get(url);
    for (const url of URLS) {
      const res = await api.get(url);
      check(isDeepStrictEqual(res.data, BODY), `${id}: wrong body`);
      if (id.startsWith('ours')) check(res.fromCache === true, `${id}: not a hit`);
      if (id.startsWith('aci')) check((res as unknown as { cached?: boolean }).cached === true, `${id}: not a hit`);
    }
  }
  // Isolation: does a caller's change to response.data reach the next caller?
  const leaks: string[] = [];
  for (const [id, api] of Object.entries(apis)) {
    if (id === 'floor') continue;
    const mine = (await api.get(URLS[0]!)).data;
    mine.name = 'changed by a caller';
    if ((await api.get(URLS[0]!)).data.name !== BODY.name) leaks.push(id);
    mine.name = BODY.name; // in the shared mode this puts the stored object back as it was
  }

  const stats = await compare(
    Object.fromEntries(Object.entries(apis).map(([id, api]) => [id, (i: number) => api.get(URLS[i & 63]!)])),
  );
  await memoryBackend.close();

  const rows = rowsOf(stats, labels, 'floor', 'ns', {
    floor: 'floor: instant adapter, no cache',
    ours: 'axios-client-cache, DictCache (default)',
    oursMemory: 'axios-client-cache, MemoryBackend',
    aciShared: 'a-c-i shared object, lean config',
    aciSharedHeaders: 'a-c-i shared object, defaults',
    aciClone: 'a-c-i cloneData, lean config',
    aciCloneHeaders: 'a-c-i cloneData, defaults',
  });
  const ratio = (id: string) => rows.find((r) => r.id === id)!.ratio!;
  const ns = (id: string) => stats[id]!.median;
  const bestClone = ns('aciClone') <= ns('aciCloneHeaders') ? 'aciClone' : 'aciCloneHeaders';
  const us = (x: number) => `${(x / 1000).toFixed(2)} µs`;
  return {
    title: 'Memory hit',
    method:
      'ns per GET answered from the cache, sequential awaits, 64 URLs in turn, ~1 KiB JSON body, responseType json; ' +
      'contenders interleaved round by round in one process; ratios are the median of per-round ratios to the floor.',
    rows,
    goals: [
      {
        goal: 'time per hit within 1.05× of the floor',
        measured: `${ratio('ours').toFixed(3)}× (${us(ns('ours'))} vs ${us(ns('floor'))})`,
        met: ratio('ours') <= 1.05,
      },
      {
        goal: 'faster than axios-cache-interceptor with cloneData (the faster of its two cloneData setups)',
        measured: `${us(ns('ours'))} vs ${us(ns(bestClone))} (${(ns('ours') / ns(bestClone)).toFixed(3)}×)`,
        met: ns('ours') < ns(bestClone),
      },
    ],
    notes: [
      `A caller's change to response.data reached the next caller for: ${leaks.length ? leaks.map((id) => labels[id]).join('; ') : 'none'}.`,
      'axios-cache-interceptor hands back the stored parsed object and skips transformResponse on a hit; ' +
        'axios-client-cache hands axios a fresh deep copy of the parse (its default JSON transform passes it on), ' +
        'so every caller gets an object of its own (the isolation cloneData buys) at about a quarter of the cost of a parse.',
    ],
  };
}
