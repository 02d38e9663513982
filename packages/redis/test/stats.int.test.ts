/** stats({ scan: true }) on Redis: what the namespace holds, by a bounded SCAN on every master. */
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { startOrigin, type Origin } from '../../core/test/helpers/origin.js';
import { CLUSTER_NODES, describeIf, REDIS_URL, uniqueName } from './helpers/env.js';

describeIf(REDIS_URL, 'REDIS_URL not set')('stats({ scan: true }) on Redis', () => {
  let origin: Origin;
  beforeAll(async () => {
    origin = await startOrigin((req, res) => {
      res.end(`{"path":"${req.url}"}`);
    });
  });
  afterAll(async () => {
    await origin.close();
  });

  it.each([
    ['a standalone Redis', () => ({ url: REDIS_URL })],
    ['a Redis Cluster', () => (CLUSTER_NODES ? { cluster: { nodes: CLUSTER_NODES } } : { url: REDIS_URL })],
  ])('%s: entries and bytes of this cache only, lower bounds past the limit', async (_case, where) => {
    const backend = new RedisBackend({ ...where(), cacheName: uniqueName('stats'), timeoutMs: 2000, expireAfter: 60 });
    const other = new RedisBackend({
      ...where(),
      cacheName: uniqueName('stats-other'),
      timeoutMs: 2000,
      expireAfter: 60,
    });
    try {
      const api = attachCache(axios.create({ baseURL: origin.url }), backend);
      const elsewhere = attachCache(axios.create({ baseURL: origin.url }), other);
      for (let i = 0; i < 30; i++) await api.get(`/item/${i}`);
      await elsewhere.get('/not-counted');
      await new Promise((r) => setTimeout(r, 50));
      expect(backend.stats().entries).toBeUndefined(); // Redis does not know without a scan
      const all = await backend.stats({ scan: true });
      expect(all).toMatchObject({ entries: 30, complete: true, misses: 30, stored: 30 });
      expect(all.bytes).toBeGreaterThan(30 * 20);
      const some = await backend.stats({ scan: true, limit: 10 });
      expect(some).toMatchObject({ entries: 10, complete: false });
      expect(some.bytes).toBeLessThan(all.bytes!);
    } finally {
      await backend.clear();
      await other.clear();
      await backend.close();
      await other.close();
    }
  });
});
