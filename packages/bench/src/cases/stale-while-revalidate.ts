/**
 * Stale-while-revalidate: how long a caller waits for a stale entry when the origin takes
 * 200 ms and says `Cache-Control: max-age=1, stale-while-revalidate=60`. Entries are made
 * stale by a real wait (axios-cache-interceptor reads Date.now(), so a clock cannot be
 * injected into it; the same wait is used for both).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { setupCache } from 'axios-cache-interceptor';
import { attachCache } from '@axios-client-cache/core';
import { BODY, startOrigin } from '../fixtures.js';
import { check, QUICK, settle, statOf, pairedRatio, type CaseResult, type Row } from '../harness.js';

const LATENCY_MS = 200;
const CACHE_CONTROL = 'max-age=1, stale-while-revalidate=60';

export async function run(): Promise<CaseResult> {
  const origin = await startOrigin({ latencyMs: LATENCY_MS, cacheControl: CACHE_CONTROL });
  const apis: Record<string, AxiosInstance> = {
    plain: axios.create({ baseURL: origin.baseURL }),
    ours: attachCache(axios.create({ baseURL: origin.baseURL }), { cacheControl: true }),
    // Its documented HTTP-header mode: interpretHeader (the default) reads max-age and stale-while-revalidate.
    aci: setupCache(axios.create({ baseURL: origin.baseURL }), { interpretHeader: true }) as unknown as AxiosInstance,
  };
  const labels: Record<string, string> = {
    plain: 'plain axios: an origin request (baseline)',
    ours: 'axios-client-cache (cacheControl: true): stale entry',
    aci: 'axios-cache-interceptor (interpretHeader: true): stale entry',
  };
  const rounds = QUICK ? 2 : 7;
  const perRound = QUICK ? 2 : 6;
  const ids = Object.keys(apis);
  const samples: Record<string, number[]> = { plain: [], ours: [], aci: [] };
  const served: Record<string, { fromCache: number; stale: number; total: number }> = {
    plain: { fromCache: 0, stale: 0, total: 0 },
    ours: { fromCache: 0, stale: 0, total: 0 },
    aci: { fromCache: 0, stale: 0, total: 0 },
  };
  const backgroundRequests: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const urls = (id: string) => Array.from({ length: perRound }, (_, k) => `/${id}/swr/${round + 1}/${k}`);
    // Store every entry, then let them all go stale.
    await Promise.all(['ours', 'aci'].flatMap((id) => urls(id).map((url) => apis[id]!.get(url))));
    await sleep(1_100);
    for (let j = 0; j < ids.length; j++) {
      const id = ids[(j + Math.max(round, 0)) % ids.length]!;
      await settle();
      await origin.count();
      for (const url of urls(id)) {
        const start = process.hrtime.bigint();
        const res: AxiosResponse = await apis[id]!.get(url);
        const ns = Number(process.hrtime.bigint() - start);
        check(res.data.id === BODY.id, `${id}: wrong body`);
        if (round < 0) continue;
        samples[id]!.push(ns / 1e6);
        const s = served[id]!;
        s.total++;
        if (res.fromCache === true || (res as unknown as { cached?: boolean }).cached === true) s.fromCache++;
        if (res.isExpired === true || (res as unknown as { stale?: boolean }).stale === true) s.stale++;
      }
      // Let background revalidations finish before the next contender is timed.
      await sleep(LATENCY_MS + 100);
      const seen = await origin.count();
      if (id === 'ours' && round >= 0) backgroundRequests.push(seen);
    }
  }
  await origin.close();
  const stats = Object.fromEntries(ids.map((id) => [id, statOf(samples[id]!)]));
  const rows: Row[] = ids.map((id) => ({
    id,
    label: labels[id]!,
    unit: 'ms',
    stat: stats[id]!,
    short: (
      {
        plain: 'plain axios (origin request)',
        ours: 'axios-client-cache, stale entry',
        aci: 'axios-cache-interceptor, stale entry',
      } as Record<string, string>
    )[id]!,
    ...(id === 'plain' ? {} : { ratio: pairedRatio(stats[id]!, stats.plain!), baseline: 'plain' }),
    extra: `answered from cache ${served[id]!.fromCache}/${served[id]!.total}, marked stale ${served[id]!.stale}/${served[id]!.total}`,
  }));
  const ours = stats.ours!;
  const aci = stats.aci!;
  return {
    title: `Stale-while-revalidate (origin latency ${LATENCY_MS} ms)`,
    method:
      `ms from a GET of a stale entry (\`Cache-Control: ${CACHE_CONTROL}\`, stored then aged 1.1 s) to its answer; ` +
      `${perRound} distinct URLs per contender per round, ${rounds} rounds; each sample is one request.`,
    rows,
    goals: [
      {
        goal: 'answer a stale entry without waiting for the origin (the issue sets no number)',
        measured: `${ours.median.toFixed(3)} ms vs axios-cache-interceptor ${aci.median.toFixed(1)} ms`,
        met: ours.max < LATENCY_MS / 2 && ours.median < aci.median,
      },
    ],
    notes: [
      `Origin requests made by our background revalidation per round of ${perRound} stale answers: ${backgroundRequests.join(', ')}.`,
      'axios-cache-interceptor 1.12 uses stale-while-revalidate only as the time a stale entry is kept (for a conditional request ' +
        'and stale-if-error); a stale entry is requested from the origin before answering.',
    ],
  };
}
