/**
 * Herd: 500 concurrent identical requests to an origin that answers in 100 ms, on an empty
 * cache. How many reach the origin, and how long until all 500 have their answer.
 */
import axios, { type AxiosInstance } from 'axios';
import { setupCache } from 'axios-cache-interceptor';
import { attachCache } from '@axios-client-cache/core';
import { BODY, startOrigin } from '../fixtures.js';
import { check, QUICK, settle, statOf, type CaseResult, type Row, pairedRatio } from '../harness.js';

const CONCURRENCY = 500;
const LATENCY_MS = 100;

export async function run(): Promise<CaseResult> {
  const origin = await startOrigin({ latencyMs: LATENCY_MS });
  const makers: Record<string, () => AxiosInstance> = {
    plain: () => axios.create({ baseURL: origin.baseURL }),
    ours: () => attachCache(axios.create({ baseURL: origin.baseURL }), { expireAfter: '1h' }),
    aci: () =>
      setupCache(axios.create({ baseURL: origin.baseURL }), {
        ttl: 3_600_000,
        interpretHeader: false,
        cacheTakeover: false,
      }) as unknown as AxiosInstance,
  };
  const labels: Record<string, string> = {
    plain: 'plain axios (baseline)',
    ours: 'axios-client-cache (attachCache)',
    aci: 'axios-cache-interceptor (memory)',
  };
  const rounds = QUICK ? 2 : 7;
  const wall: Record<string, number[]> = { plain: [], ours: [], aci: [] };
  const seen: Record<string, number[]> = { plain: [], ours: [], aci: [] };
  const ids = Object.keys(makers);
  // One warm-up round each (connections, JIT), then timed rounds in rotating order; each round
  // a fresh instance (empty cache) and a fresh URL.
  for (let round = -1; round < rounds; round++) {
    for (let j = 0; j < ids.length; j++) {
      const id = ids[(j + Math.max(round, 0)) % ids.length]!;
      const api = makers[id]!();
      const url = `/${id}/herd/${round + 1}`;
      await settle();
      await origin.count();
      const start = process.hrtime.bigint();
      const responses = await Promise.all(Array.from({ length: CONCURRENCY }, () => api.get(url)));
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const count = await origin.count();
      check(
        responses.every((r) => r.data.id === BODY.id),
        `${id}: wrong body`,
      );
      if (round >= 0) {
        wall[id]!.push(ms);
        seen[id]!.push(count);
      }
    }
  }
  await origin.close();
  const rows: Row[] = ids.map((id) => {
    const stat = statOf(wall[id]!);
    const requests = statOf(seen[id]!);
    return {
      id,
      label: labels[id]!,
      unit: 'ms',
      stat,
      short: `${labels[id]!.split(' (')[0]}: ${requests.median} origin req.`,
      ...(id === 'plain' ? {} : { ratio: pairedRatio(stat, statOf(wall.plain!)), baseline: 'plain' }),
      extra: `origin requests: median ${requests.median}, max ${requests.max}`,
    };
  });
  const oursSeen = statOf(seen.ours!);
  return {
    title: `Herd (${CONCURRENCY} concurrent identical requests, origin latency ${LATENCY_MS} ms)`,
    method:
      `wall time in ms from firing ${CONCURRENCY} GETs of one URL at once on an empty cache until all have answered; ` +
      'origin requests counted by the origin; a fresh instance and URL per round; ratios to plain axios.',
    rows,
    goals: [
      {
        goal: 'origin requests seen: 1',
        measured: `median ${oursSeen.median}, max ${oursSeen.max}`,
        met: oursSeen.max === 1,
      },
    ],
    notes: [],
  };
}
