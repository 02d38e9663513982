/**
 * The command on the real 3-master Redis Cluster: stats per master (checked against each
 * master's own SCAN), urls, show, delete and clear across slots.
 */
import { RedisBackend } from '@axios-client-cache/redis';
import { Cluster } from 'ioredis';
import type { Origin } from '../../core/test/helpers/origin.js';
import { CLUSTER_NODES, describeIf, uniqueName } from '../../redis/test/helpers/env.js';
import { asJson, cachedClient, cli, inProcess, startTestOrigin } from './helpers/cli.js';

const PAGES = 12;

describeIf(CLUSTER_NODES, 'REDIS_CLUSTER_NODES not set (run through scripts/with-redis.mjs)')(
  'axios-client-cache on a Redis Cluster',
  () => {
    let origin: Origin;
    let backend: RedisBackend;
    let cluster: Cluster;
    let cacheName: string;
    let base: string[];
    let host: string;

    beforeAll(async () => {
      origin = await startTestOrigin();
      host = new URL(origin.url).host;
      cacheName = uniqueName('cli-cluster');
      backend = new RedisBackend({ cluster: { nodes: CLUSTER_NODES! }, cacheName, timeoutMs: 2000, leaseMs: false });
      const { get } = cachedClient(origin, backend);
      for (let page = 1; page <= PAGES; page++) await get('/users', { params: { page }, expireAfter: 600 });
      cluster = new Cluster(CLUSTER_NODES!);
      base = ['--cluster', process.env.REDIS_CLUSTER_NODES!, '--cache-name', cacheName];
    });
    afterAll(async () => {
      await backend.clear();
      await backend.close();
      cluster.disconnect();
      await origin.close();
    });

    /** Response keys of this cache on each master, counted by the master's own SCAN. */
    async function perMaster(): Promise<Record<string, number>> {
      await new Promise<void>((resolve) =>
        cluster.status === 'ready' ? resolve() : cluster.once('ready', () => resolve()),
      );
      const counts: Record<string, number> = {};
      for (const node of cluster.nodes('master')) {
        let n = 0;
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${cacheName}:r:*`, 'COUNT', 1000);
          cursor = next;
          n += keys.length;
        } while (cursor !== '0');
        counts[`${node.options.host}:${node.options.port}`] = n;
      }
      return counts;
    }

    it('stats: one row per master, and the total; text and JSON', async () => {
      const [json, text, expected] = await Promise.all([
        asJson(cli, ['stats', ...base]),
        cli(['stats', ...base]),
        perMaster(),
      ]);
      expect(json.code).toBe(0);
      expect(
        Object.fromEntries(json.json.nodes.map((n: { node: string; entries: number }) => [n.node, n.entries])),
      ).toEqual(expected);
      expect(Object.keys(expected)).toHaveLength(3);
      expect(json.json.total).toMatchObject({ entries: PAGES, fresh: PAGES, aliases: 0, unreadable: 0 });
      expect(json.json.redis).toBe(`cluster ${process.env.REDIS_CLUSTER_NODES}`);
      expect(text.code).toBe(0);
      const rows = text.stdout
        .split('\n')
        .slice(2, 6)
        .map((line) => line.split(/\s{2,}/).slice(0, 2));
      expect(rows).toEqual([
        ...Object.entries(expected).map(([node, n]) => [node, String(n)]),
        ['total', String(PAGES)],
      ]);
    });

    it('urls, show, delete <url> and --pattern, clear --yes across slots', async () => {
      const [list, one, show] = await Promise.all([
        asJson(cli, ['urls', ...base]),
        asJson(inProcess, ['urls', '--pattern', `${host}/users?page=1`, ...base]),
        inProcess(['show', `${origin.url}/users?page=7`, ...base]),
      ]);
      expect(list.code).toBe(0);
      expect(list.json.count).toBe(PAGES);
      expect(one.json.urls.map((u: { url: string }) => u.url)).toEqual([`${origin.url}/users?page=1`]);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('status       200 OK\n');

      const deleted = await inProcess(['delete', `${origin.url}/users?page=7`, ...base]);
      expect(deleted.stdout).toBe(`deleted GET ${origin.url}/users?page=7\n`);
      const pattern = await cli(['delete', '--pattern', `${host}/users?page=1*`, ...base]);
      expect(pattern.code).toBe(0);
      expect(pattern.stdout).toBe(`deleted 4 entries matching ${host}/users?page=1*\n`);
      const cleared = await asJson(cli, ['clear', '--yes', ...base]);
      expect(cleared.json).toMatchObject({ deleted: PAGES - 5, entries: PAGES - 5 });
      expect(Object.values(await perMaster())).toEqual([0, 0, 0]);
    });
  },
);
