/**
 * Signed entries in a shared Redis: what is stored, a forged entry turned into a miss (and a
 * `signature-invalid` event) instead of being served, and key rotation keeping the cache warm.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 CACHE_KEY=$(openssl rand -base64 32) pnpm start
 *   # or: node ../../scripts/with-redis.mjs pnpm start   (a key is made up for the demo)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { Redis } from 'ioredis';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OLD_KEY = process.env.CACHE_KEY ?? randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const cacheName = `example-signed-${process.pid}`;

let originRequests = 0;
const origin = createServer((req, res) => {
  originRequests++;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, balance: 100 }));
});

function stored(backend: RedisBackend): Promise<void> {
  return new Promise((resolve) => {
    const off = backend.on('stored', () => {
      off();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  const raw = new Redis(REDIS_URL);
  // secretKey makes core use @axios-client-cache/signed (in a bundle: serializer: new SignedSerializer(...))
  // timeoutMs: the deadline of each Redis call (100 ms by default), generous for a busy demo machine
  const backend = new RedisBackend({ client: raw, cacheName, secretKey: OLD_KEY, expireAfter: '10m', timeoutMs: 1000 });
  const rejected: string[] = [];
  backend.on('signature-invalid', ({ key }) => rejected.push(key));
  const api = attachCache(axios.create({ baseURL }), backend);
  const rotated = new RedisBackend({
    client: raw,
    cacheName,
    secretKey: [OLD_KEY, NEW_KEY],
    expireAfter: '10m',
    timeoutMs: 1000,
  });
  const apiRotated = attachCache(axios.create({ baseURL }), rotated);
  try {
    const write = stored(backend);
    const first = await api.get('/accounts/7');
    await write;
    const entryKey = `${cacheName}:r:${first.cacheKey}`;
    const entry = (await raw.getBuffer(entryKey))!;
    const headerLength = entry.readUInt16BE(2);
    console.log(
      `stored ${entry.length} bytes under ${entryKey.slice(0, 40)}…: 0x${entry.subarray(0, 2).toString('hex')} (signed), header ${entry.subarray(4, 4 + headerLength).toString()}`,
    );
    console.log(`second GET fromCache=${(await api.get('/accounts/7')).fromCache}`);

    // Someone with write access to Redis plants a response: same bytes, a changed balance.
    await raw.set(
      entryKey,
      Buffer.from(entry.toString('latin1').replace('"balance":100', '"balance":999'), 'latin1'),
      'KEEPTTL',
    );
    const rewrite = stored(backend);
    const afterForgery = await api.get<{ balance: number }>('/accounts/7');
    await rewrite; // the miss went to the origin and stored a good entry again
    console.log(
      `after forging the entry: fromCache=${afterForgery.fromCache}, balance=${afterForgery.data.balance}, signature-invalid events: ${rejected.length}`,
    );

    // Rotation: a process with [old, new] reads entries signed with the old key and signs with the new one.
    const viaRotated = await apiRotated.get('/accounts/7');
    console.log(`with secretKey [old, new]: the old key's entry is a hit: fromCache=${viaRotated.fromCache}`);
    const ok =
      first.fromCache === false &&
      afterForgery.fromCache === false &&
      afterForgery.data.balance === 100 &&
      rejected.length === 1 &&
      viaRotated.fromCache === true &&
      originRequests === 2;
    console.log(`origin requests: ${originRequests}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await backend.clear().catch(() => undefined);
    await Promise.all([backend.close(), rotated.close()]);
    raw.disconnect();
    origin.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  origin.close();
});
