import type { BaseCache, CacheItem } from '@axios-client-cache/core';
import { RedisBackend, RedisCache } from '@axios-client-cache/redis';
import { describeStoreConformance, testIf, type ConformanceBackend } from '@axios-client-cache/test-suite';
import { activeTimers, CLUSTER_NODES, REDIS_URL, settleTimers } from './helpers/env.js';

const baselineTimers = activeTimers();
afterAll(() => settleTimers(baselineTimers), 10_000);

// PXAT expiry is decided by the Redis server's clock, so only the real-time TTL test applies.
const capabilities = { injectedClock: false, realTimeTtl: true, closeBehaviour: 'throws' as const };
// These tests check what a store keeps, not its deadline (fail-open.int.test.ts does): a
// generous deadline keeps a busy CI machine from turning a slow reply into a failure.
const timeoutMs = 5_000;

async function teardown(store: BaseCache<CacheItem>): Promise<void> {
  const cache = store as RedisCache;
  try {
    if (!cache.connection.closed) await cache.clear();
  } finally {
    await cache.close();
  }
}

async function teardownBackend(backend: ConformanceBackend): Promise<void> {
  const redis = backend as RedisBackend;
  try {
    if (!redis.connection.closed) await redis.clear();
  } finally {
    await redis.close();
  }
}

async function connected<T extends { connection: { connect(): Promise<boolean> } }>(store: T): Promise<T> {
  await store.connection.connect();
  return store;
}

/** Connected and with tracking armed, so the suite runs through the near copies. */
async function armed<T extends { connection: { connect(): Promise<boolean> }; nearCache: RedisCache['nearCache'] }>(
  store: T,
): Promise<T> {
  await connected(store);
  if (!(await store.nearCache!.ready(10_000))) throw new Error('near cache not armed');
  return store;
}

if (REDIS_URL) {
  describeStoreConformance('RedisCache (standalone)', {
    create: ({ namespace }) => connected(new RedisCache({ url: REDIS_URL, cacheName: namespace, timeoutMs })),
    createBackend: ({ namespace }) => connected(new RedisBackend({ url: REDIS_URL, cacheName: namespace, timeoutMs })),
    teardown,
    teardownBackend,
    capabilities,
  });
  describeStoreConformance('RedisCache (standalone, nearCache)', {
    create: ({ namespace }) =>
      armed(new RedisCache({ url: REDIS_URL, cacheName: namespace, timeoutMs, nearCache: true })),
    createBackend: ({ namespace }) =>
      armed(new RedisBackend({ url: REDIS_URL, cacheName: namespace, timeoutMs, nearCache: true })),
    teardown,
    teardownBackend,
    capabilities,
  });
} else {
  testIf(false, 'REDIS_URL not set')('RedisCache (standalone) — store conformance', async () => {});
}

if (CLUSTER_NODES) {
  describeStoreConformance('RedisCache (cluster)', {
    create: ({ namespace }) =>
      connected(new RedisCache({ cluster: { nodes: CLUSTER_NODES! }, cacheName: namespace, timeoutMs })),
    createBackend: ({ namespace }) =>
      connected(new RedisBackend({ cluster: { nodes: CLUSTER_NODES! }, cacheName: namespace, timeoutMs })),
    teardown,
    teardownBackend,
    capabilities,
  });
  describeStoreConformance('RedisCache (cluster, nearCache)', {
    create: ({ namespace }) =>
      armed(new RedisCache({ cluster: { nodes: CLUSTER_NODES! }, cacheName: namespace, timeoutMs, nearCache: true })),
    createBackend: ({ namespace }) =>
      armed(new RedisBackend({ cluster: { nodes: CLUSTER_NODES! }, cacheName: namespace, timeoutMs, nearCache: true })),
    teardown,
    teardownBackend,
    capabilities,
  });
} else {
  testIf(false, 'REDIS_CLUSTER_NODES not set')('RedisCache (cluster) — store conformance', async () => {});
}
