/**
 * A service that caches its upstream calls: an Express app whose routes call an upstream API
 * through one cached axios instance, each route with its own expireAfter. On Redis when
 * REDIS_URL is set (every instance of the service shares the cache), else in memory.
 *
 *   pnpm start                      # in memory
 *   node ../../scripts/with-redis.mjs pnpm start
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import express from 'express';
import { attachCache, type CacheBackend } from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { RedisBackend } from '@axios-client-cache/redis';

/** The upstream API this service depends on; it counts the calls it gets. */
const upstreamCalls = new Map<string, number>();
const upstream = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  upstreamCalls.set(path, (upstreamCalls.get(path) ?? 0) + 1);
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path, servedAt: new Date().toISOString() }));
  }, 50);
});

function makeBackend(): CacheBackend {
  const url = process.env.REDIS_URL;
  return url
    ? new RedisBackend({ url, cacheName: `example-express-${process.pid}`, timeoutMs: 1000 }) // default deadline: 100 ms
    : new MemoryBackend({ maxEntries: 10_000, maxBytes: 50 * 1024 * 1024 });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

async function main(): Promise<void> {
  const upstreamUrl = await listen(upstream);
  const backend = makeBackend();
  const api = attachCache(axios.create({ baseURL: upstreamUrl, timeout: 5000 }), backend);

  const app = express();
  // Reference data changes rarely: ten minutes.
  app.get('/users/:id', async (req, res) => {
    const user = await api.get(`/users/${encodeURIComponent(req.params.id)}`, { expireAfter: '10m' });
    res.set('x-cache', user.fromCache ? 'hit' : 'miss').json(user.data);
  });
  // Prices move: a few seconds.
  app.get('/prices', async (_req, res) => {
    const prices = await api.get('/prices', { expireAfter: 5 });
    res.set('x-cache', prices.fromCache ? 'hit' : 'miss').json(prices.data);
  });
  // Health of the upstream must be live: not cached at all.
  app.get('/status', async (_req, res) => {
    const status = await api.get('/status', { clientCache: false });
    res.set('x-cache', status.fromCache ? 'hit' : 'miss').json(status.data);
  });
  const service = createServer(app);
  const serviceUrl = await listen(service);

  try {
    if (backend instanceof RedisBackend) await backend.connection.connect();
    const calls: string[] = [];
    for (const path of ['/users/7', '/users/7', '/users/8', '/prices', '/prices', '/status', '/status']) {
      const res = await fetch(serviceUrl + path);
      calls.push(`${path} ${res.headers.get('x-cache')}`);
      await new Promise((r) => setTimeout(r, 20)); // let the previous response's write land
    }
    console.log(`service calls: ${calls.join(', ')}`);
    console.log(
      `upstream calls: ${[...upstreamCalls].map(([path, n]) => `${path} ×${n}`).join(', ')} (${backend instanceof RedisBackend ? 'Redis' : 'memory'})`,
    );
    const expected = { '/users/7': 1, '/users/8': 1, '/prices': 1, '/status': 2 };
    if (Object.entries(expected).some(([path, n]) => upstreamCalls.get(path) !== n)) process.exitCode = 1;
  } finally {
    await backend.clear();
    await backend.close();
    service.close();
    upstream.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  upstream.close();
});
