/**
 * The main job, on the in-memory store: a local origin that takes ~200 ms, and an axios
 * instance with a cache. Shows a miss then a hit, per-request expireAfter, a refresh
 * answered by 304, and deleteUrl.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';

const LATENCY_MS = 200;
let originRequests = 0;
const users = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
];

const origin = createServer((req, res) => {
  originRequests++;
  setTimeout(() => {
    const body = JSON.stringify({ url: req.url, users });
    res.setHeader('Content-Type', 'application/json');
    // /live has no validator: once expired it is fetched again. /users has an ETag, so a
    // refresh (or an expired entry) is a conditional request the origin can answer with 304.
    if (req.url?.startsWith('/live')) {
      res.end(body);
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.end(body);
  }, LATENCY_MS);
});

async function main(): Promise<void> {
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  const api = attachCache(axios.create({ baseURL }), { expireAfter: '10m' });

  console.log(`origin ${baseURL} answers in ~${LATENCY_MS} ms; cache: in memory, expireAfter 10m\n`);
  const show = async (label: string, call: () => Promise<{ fromCache?: boolean; status: number }>) => {
    const start = process.hrtime.bigint();
    const res = await call();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const source = res.fromCache ? 'cache ' : 'origin';
    console.log(`${label.padEnd(44)} ${source} ${ms.toFixed(1).padStart(7)} ms`);
  };

  await show('GET /users?page=2', () => api.get('/users', { params: { page: 2 } }));
  await show('GET /users?page=2 again', () => api.get('/users', { params: { page: 2 } }));
  await show('GET /users?page=2 (params in the URL)', () => api.get('/users?page=2'));

  await show('GET /live  expireAfter: 1s', () => api.get('/live', { expireAfter: 1 }));
  await show('GET /live  at once', () => api.get('/live', { expireAfter: 1 }));
  await new Promise((r) => setTimeout(r, 1100));
  await show('GET /live  1.1 s later (expired)', () => api.get('/live', { expireAfter: 1 }));

  const before = originRequests;
  await show('GET /users?page=2  refresh: true (304)', () => api.get('/users', { params: { page: 2 }, refresh: true }));
  console.log(`${''.padEnd(44)} origin answered 304 Not Modified: ${originRequests - before} request, body from cache`);

  await api.cache.deleteUrl(`${baseURL}/users`, { params: { page: 2 } });
  await show('deleteUrl, then GET /users?page=2', () => api.get('/users', { params: { page: 2 } }));

  const stats = api.cache.stats();
  console.log(
    `\norigin requests: ${originRequests}; cache hits ${stats.hits}, misses ${stats.misses}, revalidated ${stats.revalidated}`,
  );
  origin.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  origin.close();
});
