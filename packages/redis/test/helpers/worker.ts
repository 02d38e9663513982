/**
 * A separate process sharing a Redis cache with the test: started with `fork` (tsx loader),
 * it answers the test's messages over IPC. Env: REDIS_URL (or WORKER_CLUSTER_NODES, `host:port,…`),
 * CACHE_NAME, ORIGIN, LEASE_MS, TIMEOUT_MS, NEAR_CACHE (`1`), CACHE_CONTROL (`1`).
 */
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

type Message =
  | { type: 'burst'; path: string; n: number; refresh?: boolean }
  | { type: 'get'; path: string; tags?: string[] }
  | { type: 'invalidateTags'; tags: string[] }
  | { type: 'deleteUrl'; path: string }
  | { type: 'exit' };

const cluster = process.env.WORKER_CLUSTER_NODES?.split(',').map((a) => {
  const [host, port] = a.split(':');
  return { host: host!, port: Number(port) };
});
const backend = new RedisBackend({
  ...(cluster === undefined ? { url: process.env.REDIS_URL } : { cluster: { nodes: cluster } }),
  nearCache: process.env.NEAR_CACHE === '1',
  cacheControl: process.env.CACHE_CONTROL === '1',
  cacheName: process.env.CACHE_NAME,
  leaseMs: process.env.LEASE_MS === 'off' ? false : Number(process.env.LEASE_MS ?? 3000),
  expireAfter: 60,
  timeoutMs: Number(process.env.TIMEOUT_MS ?? 100),
});
const origin = process.env.ORIGIN!;
const api = attachCache(axios.create({ baseURL: origin }), backend);

async function get(
  path: string,
  tags?: string[],
  refresh?: boolean,
): Promise<{ ok: boolean; fromCache?: boolean; body?: string; error?: string }> {
  try {
    const res = await api.get(path, { responseType: 'text', clientCache: { tags }, refresh });
    return { ok: true, fromCache: res.fromCache === true, body: String(res.data) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

process.on('message', (message: Message) => {
  void (async () => {
    switch (message.type) {
      case 'burst':
        process.send!(
          await Promise.all(Array.from({ length: message.n }, () => get(message.path, undefined, message.refresh))),
        );
        break;
      case 'get':
        process.send!(await get(message.path, message.tags));
        break;
      case 'invalidateTags':
        await api.cache.invalidateTags(message.tags);
        process.send!({ ok: true });
        break;
      case 'deleteUrl':
        await api.cache.deleteUrl(`${origin}${message.path}`);
        process.send!({ ok: true });
        break;
      case 'exit':
        await backend.close();
        process.disconnect();
        break;
    }
  })();
});

void backend.connection
  .connect()
  .then(() => backend.nearCache?.ready())
  .then(() => process.send!('ready'));
