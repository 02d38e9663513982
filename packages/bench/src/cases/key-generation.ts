/**
 * Key generation: keys per second for a GET with 10 query params and for a POST with a
 * 2 KiB JSON body, each as the cache sees it (a fresh params object per request, as callers
 * build them). `createKey` is the first sight of a request (canonical form + sha256);
 * `backend.createKey` goes through the request plan the hit path makes (a memo of raw request
 * strings, hashing only on a memo miss). axios-cache-interceptor's `defaultKeyGenerator` on the same request is the
 * reference; it runs before axios's transformRequest, so it gets the body as an object.
 */
import { defaultKeyGenerator, type CacheRequestConfig } from 'axios-cache-interceptor';
import { CacheBackend, createKey, type PlanInput } from '@axios-client-cache/core';
import { check, compare, rowsOf, type CaseResult, type Row } from '../harness.js';

const BASE = 'https://api.example.com';

function params(): Record<string, string | number | boolean> {
  return {
    q: 'bench widget',
    page: 3,
    perPage: 50,
    sort: 'created',
    order: 'desc',
    status: 'active',
    owner: 'ada',
    includeArchived: false,
    currency: 'EUR',
    locale: 'en-GB',
  };
}

const BODY_OBJECT = {
  filters: Array.from({ length: 24 }, (_, i) => ({
    field: `field${i}`,
    op: 'eq',
    value: `value-${i}-${'x'.repeat(40)}`,
  })),
  page: 1,
};
const BODY_STRING = JSON.stringify(BODY_OBJECT);

export async function run(): Promise<CaseResult> {
  check(
    BODY_STRING.length >= 2000 && BODY_STRING.length <= 2200,
    `POST body is ${BODY_STRING.length} bytes, not ~2 KiB`,
  );
  const backend = new CacheBackend();
  const maker = { keyFor: (r: PlanInput) => backend.createKey(r.method ?? 'GET', r.url ?? '', r) };
  const aci = defaultKeyGenerator as (config: CacheRequestConfig) => string;
  const get = () => ({ method: 'get', baseURL: BASE, url: '/search', params: params() });
  const post = () => ({
    method: 'post',
    baseURL: BASE,
    url: '/search',
    headers: { 'content-type': 'application/json' },
    data: BODY_STRING,
  });
  const postObject = () => ({ method: 'post', baseURL: BASE, url: '/search', data: { ...BODY_OBJECT } });

  check(
    maker.keyFor(get()) === createKey('GET', '/search', { baseURL: BASE, params: params() }),
    'the plan and createKey disagree (GET)',
  );
  check(
    maker.keyFor(post()) === createKey('POST', '/search', { baseURL: BASE, data: BODY_STRING }),
    'the plan and createKey disagree (POST)',
  );

  const sink: string[] = new Array(16);
  const result = (stats: Awaited<ReturnType<typeof compare>>, labels: Record<string, string>): Row[] =>
    rowsOf(stats, labels, 'aci', 'ns', {
      aci: 'axios-cache-interceptor defaultKeyGenerator',
      createKey: 'axios-client-cache createKey (first sight)',
      keyMaker: 'axios-client-cache backend.createKey (the plan, memo)',
    }).map((row) => ({ ...row, extra: `${Math.round(1e9 / row.stat.median).toLocaleString('en-US')} keys/s` }));

  // Each contender builds its request anew per call: a-c-i from `aciRequest`, ours from `request`.
  const timed = (aciRequest: () => unknown, request: () => PlanInput & { method: string; url: string }) =>
    compare(
      {
        aci: (i) => {
          sink[i & 15] = aci(aciRequest() as CacheRequestConfig);
        },
        createKey: (i) => {
          const p = request();
          sink[i & 15] = createKey(p.method, p.url, p);
        },
        keyMaker: (i) => {
          sink[i & 15] = maker.keyFor(request());
        },
      },
      { roundMs: 500 },
    );
  const getStats = await timed(get, get);
  const postStats = await timed(postObject, post);
  const labels = (what: string): Record<string, string> => ({
    aci: `${what}: axios-cache-interceptor defaultKeyGenerator (reference)`,
    createKey: `${what}: axios-client-cache createKey (first sight: canonical form + sha256)`,
    keyMaker: `${what}: axios-client-cache backend.createKey (the request plan: memo, no hash when seen before)`,
  });
  const rows = [
    ...result(getStats, labels('GET, 10 params')).map((r) => ({
      ...r,
      id: `get.${r.id}`,
      baseline: r.baseline && `get.${r.baseline}`,
    })),
    ...result(postStats, labels('POST, 2 KiB JSON')).map((r) => ({
      ...r,
      id: `post.${r.id}`,
      baseline: r.baseline && `post.${r.baseline}`,
    })),
  ] as Row[];
  const kps = (s: { median: number }) => `${Math.round(1e9 / s.median).toLocaleString('en-US')}/s`;
  return {
    title: 'Key generation',
    method:
      'ns per key, one call per operation with a freshly built request (params object / body) each time, interleaved rounds of ~0.5 s; ' +
      "ratios to axios-cache-interceptor's defaultKeyGenerator on the same request.",
    rows,
    goals: [
      {
        goal: 'keys per second, GET with 10 params',
        measured: `first sight ${kps(getStats.createKey!)}, hit path ${kps(getStats.keyMaker!)}`,
        met: null,
      },
      {
        goal: 'keys per second, POST with 2 KiB JSON',
        measured: `first sight ${kps(postStats.createKey!)}, hit path ${kps(postStats.keyMaker!)}`,
        met: null,
      },
    ],
    notes: [
      'Our keys are sha256 over a canonical request (sorted params, normalised URL, body bytes); axios-cache-interceptor hashes its config object with a 32-bit string hash (object-code).',
    ],
  };
}
