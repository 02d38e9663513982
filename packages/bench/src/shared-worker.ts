/**
 * A process of the shared-redis bench (src/cases/shared-redis.ts): a RedisBackend (standalone,
 * or a Cluster with CLUSTER_NODES) with `cacheControl` and the cache CACHE_NAME, answering the
 * runner over IPC: `burst` (n concurrent GETs of a path), `sample` (which of some keys are
 * still stored and live), `exit`.
 */
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

type Message = { type: 'burst'; path: string; n: number } | { type: 'sample'; keys: string[] } | { type: 'exit' };

const nodes = process.env.CLUSTER_NODES?.split(',').map((a) => ({
  host: a.split(':')[0]!,
  port: Number(a.split(':')[1]),
}));
const backend = new RedisBackend({
  ...(nodes === undefined ? { url: process.env.REDIS_URL } : { cluster: { nodes } }),
  cacheName: process.env.CACHE_NAME,
  cacheControl: true,
  timeoutMs: 5000,
  leaseMs: process.env.LEASE === 'off' ? false : 3000,
});
const api = attachCache(axios.create({ baseURL: process.env.ORIGIN }), backend);

process.on('message', (m: Message) => {
  void (async () => {
    if (m.type === 'exit') {
      await backend.close();
      process.exit(0);
    }
    if (m.type === 'burst') {
      const results = await Promise.all(
        Array.from({ length: m.n }, () => api.get(m.path).then((r) => r.fromCache === true)),
      );
      process.send!({ fromCache: results.filter(Boolean).length });
    }
    if (m.type === 'sample') {
      let live = 0;
      for (const key of m.keys) if ((await backend.getResponse(key)) !== undefined) live++;
      process.send!({ live });
    }
  })();
});

void backend.connection.connect().then(() => process.send!({ ready: true }));
