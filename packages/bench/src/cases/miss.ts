/**
 * Miss path: every request a URL the cache has not seen (so it is looked up, fetched from a
 * real origin on loopback and stored), against plain axios fetching the same kind of URLs.
 */
import axios, { type AxiosInstance } from 'axios';
import { setupCache } from 'axios-cache-interceptor';
import { attachCache } from '@axios-client-cache/core';
import { BODY, startOrigin } from '../fixtures.js';
import { check, compare, rowsOf, type CaseResult } from '../harness.js';

export async function run(): Promise<CaseResult> {
  const origin = await startOrigin();
  const fresh = () => axios.create({ baseURL: origin.baseURL });
  const apis: Record<string, AxiosInstance> = {
    plain: fresh(),
    ours: attachCache(fresh(), { expireAfter: '1h' }),
    aci: setupCache(fresh(), {
      ttl: 3_600_000,
      interpretHeader: false,
      cacheTakeover: false,
    }) as unknown as AxiosInstance,
  };
  const labels: Record<string, string> = {
    plain: 'plain axios (baseline)',
    ours: 'axios-client-cache (attachCache, DictCache), every request a miss',
    aci: 'axios-cache-interceptor (memory, interpretHeader: false, cacheTakeover: false), every request a miss',
  };
  // Each contender has its own URL space, so every timed request is a miss for it.
  const stats = await compare(
    Object.fromEntries(
      Object.entries(apis).map(([id, api]) => [
        id,
        async (i: number) => {
          const res = await api.get(`/${id}/items/${i}`);
          if (i % 4096 === 0) check(res.data.id === BODY.id, `${id}: wrong body`);
        },
      ]),
    ),
  );
  // A miss is stored: asking again is a hit.
  for (const id of ['ours', 'aci']) {
    const first = await apis[id]!.get(`/${id}/check`);
    const again = await apis[id]!.get(`/${id}/check`);
    const hit = (r: typeof first) => r.fromCache === true || (r as unknown as { cached?: boolean }).cached === true;
    check(!hit(first) && hit(again), `${id}: a missed URL was not stored`);
  }
  await origin.close();

  const rows = rowsOf(stats, labels, 'plain', 'ns', {
    plain: 'plain axios',
    ours: 'axios-client-cache, miss',
    aci: 'axios-cache-interceptor (a-c-i), miss',
  });
  const ratio = rows.find((r) => r.id === 'ours')!.ratio!;
  return {
    title: 'Miss path (real origin on loopback)',
    method:
      'ns per GET of a URL never seen before (lookup, origin request over keep-alive loopback HTTP to node:http in another ' +
      'process, store), sequential awaits; contenders interleaved round by round; ratios to plain axios.',
    rows,
    goals: [{ goal: 'a miss within 1.10× plain axios', measured: `${ratio.toFixed(3)}×`, met: ratio <= 1.1 }],
    notes: [],
  };
}
