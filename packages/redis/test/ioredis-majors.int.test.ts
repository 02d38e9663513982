/**
 * A client the application made with ioredis 5 or ioredis 6 — standalone or Cluster, RESP2 or
 * RESP3 — is a working store: a miss, then a hit from Redis, single-flight across two backends
 * through the Redis lease, `clear()` and `deleteUrl`, and the client is left open. This file runs in both Jest projects, so the library itself runs on
 * each major too: one of the two clients of each pair then comes from another copy of ioredis.
 */
import axios from 'axios';
import { attachCache, CacheConfigError } from '@axios-client-cache/core';
import { RedisBackend, type RedisCache } from '@axios-client-cache/redis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { CLUSTER_NODES, describeIf, REDIS_URL, uniqueName } from './helpers/env.js';
import { startOrigin } from './helpers/processes.js';

/** Passed to the options without a cast: the option types accept the classes of both majors. */
type AnyClient = Redis5 | Redis6 | Redis6<'resp3'> | Cluster5 | Cluster6;

const standalone: Array<[string, () => AnyClient, string]> = [
  ['ioredis 5', () => new Redis5(REDIS_URL!, { lazyConnect: true }), 'resp=2'],
  ['ioredis 6 (its default protocol, RESP3)', () => new Redis6(REDIS_URL!, { lazyConnect: true }), 'resp=3'],
  ['ioredis 6, protocol: 2', () => new Redis6(REDIS_URL!, { lazyConnect: true, protocol: 2 }), 'resp=2'],
  [
    'ioredis 6, protocol: 3, replyMapping: resp3',
    () => new Redis6(REDIS_URL!, { lazyConnect: true, protocol: 3, replyMapping: 'resp3' }),
    'resp=3',
  ],
];

const clusters: Array<[string, () => AnyClient]> = [
  ['ioredis 5 Cluster', () => new Cluster5(CLUSTER_NODES!, { lazyConnect: true })],
  ['ioredis 6 Cluster', () => new Cluster6(CLUSTER_NODES!, { lazyConnect: true })],
];

let origin: Awaited<ReturnType<typeof startOrigin>>;
beforeAll(async () => {
  origin = await startOrigin(50);
});
afterAll(async () => {
  await origin?.close();
});

/** Resolves on the backend's next `stored` event; fails (after 5 s) when nothing is stored. */
function stored(backend: RedisBackend, errors: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nothing stored; store errors: ${errors.map(String).join('; ')}`)),
      5000,
    );
    const off = backend.on('stored', () => {
      off();
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Miss, hit, single-flight across two backends, deleteUrl and clear, through axios and a real origin. */
async function exercise(a: AnyClient, b: AnyClient, option: 'client' | 'cluster'): Promise<void> {
  const cacheName = uniqueName('majors');
  const errors: unknown[] = [];
  const backends = [a, b].map(
    (client) =>
      new RedisBackend({
        ...(option === 'client' ? { client } : { cluster: client }),
        cacheName,
        expireAfter: 60,
        timeoutMs: 2000,
        leaseMs: 5000,
      }),
  );
  for (const backend of backends) backend.on('store-error', ({ error }) => errors.push(error));
  const [first, second] = backends as [RedisBackend, RedisBackend];
  const [apiA, apiB] = backends.map((backend) => attachCache(axios.create({ baseURL: origin.url }), backend));
  try {
    const path = `/item/${cacheName}`;
    const write = stored(first, errors);
    const miss = await apiA!.get(path);
    expect(miss.fromCache).toBe(false);
    await write;
    const hit = await apiB!.get(path);
    expect(hit.fromCache).toBe(true);
    expect(hit.data).toEqual(miss.data);
    expect(origin.count(path)).toBe(1);

    // Two processes' worth of backends miss the same URL at once: one leads, the other waits
    // on the Redis lease and then reads what the leader stored.
    const burst = `/item/${cacheName}-burst`;
    const results = await Promise.all([apiA!.get(burst), apiB!.get(burst), apiA!.get(burst), apiB!.get(burst)]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(origin.count(burst)).toBe(1);

    await second.deleteUrl(`${origin.url}${path}`);
    expect((await apiA!.get(path)).fromCache).toBe(false);
    expect(origin.count(path)).toBe(2);

    await first.clear();
    expect(await (first.responses as RedisCache).size()).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    for (const backend of backends) await backend.close();
  }
  // never closed by the library: it did not create them
  expect(a.status).toBe('ready');
  expect(b.status).toBe('ready');
}

describeIf(REDIS_URL, 'REDIS_URL not set')('a standalone client of either ioredis major', () => {
  it.each(standalone)('%s works as `client`', async (_, make, protocol) => {
    const [a, b] = [make(), make()];
    try {
      await Promise.all([a.connect(), b.connect()]);
      // the client speaks the protocol this case is about
      expect(String(await a.call('CLIENT', 'INFO'))).toContain(protocol);
      await exercise(a, b, 'client');
    } finally {
      await Promise.all([a.quit(), b.quit()]);
    }
  });

  it('clients of both majors share one cache', async () => {
    const [a, b] = [standalone[0]![1](), standalone[1]![1]()];
    try {
      await Promise.all([a.connect(), b.connect()]);
      await exercise(a, b, 'client');
    } finally {
      await Promise.all([a.quit(), b.quit()]);
    }
  });
});

describeIf(CLUSTER_NODES, 'REDIS_CLUSTER_NODES not set')('a Cluster client of either ioredis major', () => {
  it.each(clusters)('%s works as `cluster` and as `client`', async (_, make) => {
    const [a, b] = [make(), make()];
    try {
      await Promise.all([a.connect(), b.connect()]);
      await exercise(a, b, 'cluster');
      await exercise(a, b, 'client');
    } finally {
      await Promise.all([a.quit(), b.quit()]);
    }
  });
});

describe('what is not a client of a supported ioredis', () => {
  it.each([
    ['a plain object', {}, /Invalid client: \{\} \(expected an ioredis 5 or 6 Redis or Cluster client\)/],
    ['null', null, /Invalid client: null/],
    // the shape of ioredis 4's Redis: no isCluster, no createScanStream
    [
      'an ioredis 4 client',
      { status: 'wait', sendCommand() {}, pipeline() {} },
      /Invalid client: a client of ioredis 4 or older/,
    ],
  ])('%s is a CacheConfigError at construction', (_, client, message) => {
    expect(() => new RedisBackend({ client: client as never })).toThrow(CacheConfigError);
    expect(() => new RedisBackend({ client: client as never })).toThrow(message);
  });

  it('a standalone client given as `cluster` is a CacheConfigError', () => {
    const client = new Redis6({ lazyConnect: true });
    try {
      expect(() => new RedisBackend({ cluster: client })).toThrow(/Invalid cluster: .*expected an ioredis Cluster/);
    } finally {
      client.disconnect();
    }
  });
});
