/**
 * A separate process sharing a Redis cache with the test: started with `fork` (tsx loader),
 * it answers the test's messages over IPC. Env: REDIS_URL, CACHE_NAME, ORIGIN, LEASE_MS, TIMEOUT_MS.
 */
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

type Message =
  | { type: 'burst'; path: string; n: number }
  | { type: 'get'; path: string }
  | { type: 'deleteUrl'; path: string }
  | { type: 'exit' };

const backend = new RedisBackend({
  url: process.env.REDIS_URL,
  cacheName: process.env.CACHE_NAME,
  leaseMs: process.env.LEASE_MS === 'off' ? false : Number(process.env.LEASE_MS ?? 3000),
  expireAfter: 60,
  timeoutMs: Number(process.env.TIMEOUT_MS ?? 100),
});
const origin = process.env.ORIGIN!;
const api = attachCache(axios.create({ baseURL: origin }), backend);

async function get(path: string): Promise<{ ok: boolean; fromCache?: boolean; body?: string; error?: string }> {
  try {
    const res = await api.get(path, { responseType: 'text' });
    return { ok: true, fromCache: res.fromCache === true, body: String(res.data) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

process.on('message', (message: Message) => {
  void (async () => {
    switch (message.type) {
      case 'burst':
        process.send!(await Promise.all(Array.from({ length: message.n }, () => get(message.path))));
        break;
      case 'get':
        process.send!(await get(message.path));
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

void backend.connection.connect().then(() => process.send!('ready'));
