// The application scripts/check-packages.mjs installs the packed packages into: written as a
// user would, in TypeScript checked with strict and exactOptionalPropertyTypes, and run as an
// ES module, as CommonJS and bundled. It prints one line, or throws.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Redis } from 'ioredis';
import { attachCache, CacheConfigError, type CacheBackend } from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { RedisBackend } from '@axios-client-cache/redis';
import { SignedSerializer } from '@axios-client-cache/signed';

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`${process.env.SCENARIO}: ${what}`);
}

/** Resolves on the backend's next write to its store (writes leave the response path). */
function stored(backend: CacheBackend): Promise<void> {
  return new Promise((resolve) => {
    const off = backend.on('stored', () => {
      off();
      resolve();
    });
  });
}

async function missThenHit(backend: CacheBackend, baseURL: string, path: string): Promise<string> {
  const api = attachCache(axios.create({ baseURL }), backend);
  const write = stored(backend);
  const miss = await api.get<{ path: string }>(path);
  check(miss.fromCache === false && miss.data.path === path, `${path}: the first request is not a miss`);
  await write;
  const hit = await api.get<{ path: string }>(path);
  check(hit.fromCache === true && hit.data.path === path, `${path}: the second request is not a hit`);
  return hit.cacheKey ?? '';
}

async function main(): Promise<string> {
  let served = 0;
  const origin = createServer((req, res) => {
    served++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  const cacheName = `check-packages-${process.pid}`;
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const backends: CacheBackend[] = [];
  try {
    const dict = attachCache(axios.create({ baseURL }), { expireAfter: '10m' });
    backends.push(dict.cache);
    check(
      (await dict.get('/dict')).fromCache === false && (await dict.get('/dict')).fromCache === true,
      'DictCache: no miss then hit',
    );

    // Redis calls get 2 s instead of 100 ms: CI machines run many jobs, and this run is about
    // installing and loading, not about failing open (the Redis tests are).
    const timeoutMs = 2000;
    const memory = new MemoryBackend({ maxEntries: 100, expireAfter: 60 });
    backends.push(memory);
    await missThenHit(memory, baseURL, '/memory');

    const shared = new RedisBackend({ client, cacheName, expireAfter: 60, timeoutMs });
    backends.push(shared);
    await missThenHit(shared, baseURL, '/redis');

    // Installed, core loads the signed package by itself; it must resolve from the app too.
    check(typeof SignedSerializer === 'function', '@axios-client-cache/signed exports no SignedSerializer');
    const signed = new RedisBackend({
      url: process.env.REDIS_URL,
      cacheName: `${cacheName}-signed`,
      expireAfter: 60,
      timeoutMs,
      /* SIGNED */
    });
    backends.push(signed);
    const key = await missThenHit(signed, baseURL, '/signed');
    const entry = await client.getBuffer(`${cacheName}-signed:r:${key}`);
    check(entry !== null && entry[0] === 0xc1, 'the signed entry in Redis is not a signed entry');

    let refused = '';
    try {
      new RedisBackend({ url: process.env.REDIS_URL, secretKey: process.env.UNSET_CACHE_KEY });
    } catch (error) {
      if (error instanceof CacheConfigError) refused = error.message;
    }
    check(refused.includes('missing environment variable'), 'an unset secretKey variable was not refused');
    check(served === 4, `the origin served ${served} requests, expected 4`);
    return (
      `${process.env.SCENARIO}: miss → hit with DictCache, MemoryBackend, RedisBackend on an ioredis ${process.env.IOREDIS_VERSION} client, ` +
      `and signed (entry 0x${entry!.subarray(0, 2).toString('hex')}…); unset CACHE_KEY refused`
    );
  } finally {
    for (const backend of backends)
      await backend
        .clear()
        .finally(() => backend.close())
        .catch(() => undefined);
    client.disconnect();
    origin.close();
  }
}

main().then(
  (line) => console.log(line),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
