/**
 * A cache on a Redis Cluster: entries spread over every master (each key hashes on its own),
 * a hit from any process, and clear() walking every master with SCAN.
 *
 *   REDIS_CLUSTER_NODES=127.0.0.1:7000,127.0.0.1:7001 pnpm start
 *   # or, with a throwaway cluster: node ../../scripts/with-redis.mjs pnpm start
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Cluster } from 'ioredis';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

const nodes = (process.env.REDIS_CLUSTER_NODES ?? '127.0.0.1:7000').split(',').map((address) => {
  const [host = '127.0.0.1', port = '7000'] = address.split(':');
  return { host, port: Number(port) };
});
const cacheName = `example-cluster-${process.pid}`;

let originRequests = 0;
const origin = createServer((req, res) => {
  originRequests++;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, at: Date.now() }));
});

async function main(): Promise<void> {
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  // The cache makes and closes its own Cluster client from the startup nodes.
  // timeoutMs: the deadline of each Redis call (100 ms by default), generous for a busy demo machine
  const backend = new RedisBackend({ cluster: { nodes }, cacheName, expireAfter: '10m', timeoutMs: 1000 });
  const api = attachCache(axios.create({ baseURL }), backend);
  const admin = new Cluster(nodes);
  try {
    if (!(await backend.connection.connect()))
      throw new Error(`no Redis Cluster at ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
    const paths = Array.from({ length: 30 }, (_, i) => `/products/${i}`);
    // every write ends as `stored` or as a `store-error` (the cache fails open)
    let settled = 0;
    const errors: unknown[] = [];
    const allWritten = new Promise<void>((resolve) => {
      backend.on('stored', () => ++settled === paths.length && resolve());
      backend.on('store-error', ({ error }) => errors.push(error) && ++settled === paths.length && resolve());
    });
    await Promise.all(paths.map((path) => api.get(path)));
    await allWritten;
    if (errors.length > 0) console.log(`store errors: ${errors.map(String).join('; ')}`);
    const hits = await Promise.all(paths.map((path) => api.get(path)));
    console.log(`30 GETs: ${originRequests} origin requests, then ${hits.filter((r) => r.fromCache).length} hits`);

    // Where the entries live: count this cache's keys on each master.
    const perMaster: string[] = [];
    for (const node of admin.nodes('master')) {
      let cursor = '0';
      let n = 0;
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${cacheName}:r:*`, 'COUNT', 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      perMaster.push(`${node.options.port}: ${n}`);
    }
    console.log(`entries per master (port: count): ${perMaster.join(', ')}`);

    await backend.clear(); // SCAN + UNLINK on every master
    const after = await api.get(paths[0]!);
    console.log(`after clear(): GET ${paths[0]} fromCache=${after.fromCache}`);
    if (originRequests !== 31 || hits.some((r) => !r.fromCache) || after.fromCache || perMaster.length < 2)
      process.exitCode = 1;
  } finally {
    await backend.clear().catch(() => undefined);
    await backend.close();
    admin.disconnect();
    origin.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  origin.close();
});
