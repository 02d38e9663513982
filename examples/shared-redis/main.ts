/**
 * Two processes, one cache: process A (this one) and process B (a fork of this file) share
 * a Redis cache. A's response is a hit in B; `deleteUrl` in B is seen by A.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm start
 *   # or, with a throwaway redis-server: node ../../scripts/with-redis.mjs pnpm start
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CACHE_NAME = `example-shared-redis-${process.env.RUN_ID ?? process.pid}`;

function cachedApi(origin: string) {
  // timeoutMs: the deadline of each Redis call (100 ms by default), generous for a busy demo machine
  const backend = new RedisBackend({ url: REDIS_URL, cacheName: CACHE_NAME, expireAfter: '5m', timeoutMs: 1000 });
  return attachCache(axios.create({ baseURL: origin }), backend);
}

type Command = { do: 'get' | 'delete'; origin: string };

if (process.argv[2] === 'b') {
  // Process B: does what A asks, with its own client and its own in-process state.
  let api: ReturnType<typeof cachedApi> | undefined;
  process.on('message', async (message: Command) => {
    if (api === undefined) {
      api = cachedApi(message.origin);
      // connect before the first request: until the first connection is up, a request goes to the origin
      await (api.cache as RedisBackend).connection.connect();
    }
    if (message.do === 'get') {
      const res = await api.get('/users');
      console.log(`B (pid ${process.pid}): GET /users → fromCache=${res.fromCache}`, res.data);
    } else {
      await api.cache.deleteUrl(`${message.origin}/users`);
      console.log(`B (pid ${process.pid}): deleteUrl /users`);
    }
    process.send!('done');
  });
  process.on('disconnect', () => void api?.cache.close());
} else {
  await main();
}

async function main(): Promise<void> {
  let originRequests = 0;
  const origin = createServer((_req, res) => {
    originRequests++;
    setTimeout(() => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ users: ['Ada', 'Grace'], servedBy: 'origin', n: originRequests }));
    }, 200);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

  const api = cachedApi(originUrl);
  if (!(await (api.cache as RedisBackend).connection.connect())) {
    console.error(
      `No Redis at ${REDIS_URL}: start redis-server, set REDIS_URL, or run: node ../../scripts/with-redis.mjs pnpm start`,
    );
    await api.cache.close();
    origin.close();
    process.exitCode = 1;
    return;
  }
  const b = fork(fileURLToPath(import.meta.url), ['b'], { env: { ...process.env, RUN_ID: String(process.pid) } });
  const inB = (command: Command['do']) =>
    new Promise<void>((resolve) => {
      b.once('message', () => resolve());
      b.send({ do: command, origin: originUrl } satisfies Command);
    });

  try {
    // the write happens off the response path: wait for it before asking B
    const written = new Promise<void>((resolve) => {
      const off = api.cache.on('stored', () => {
        off();
        resolve();
      });
    });
    const first = await api.get('/users');
    console.log(`A (pid ${process.pid}): GET /users → fromCache=${first.fromCache}`);
    await written;

    await inB('get'); // a hit: A's response, read from Redis by another process
    await inB('delete');

    const again = await api.get('/users');
    console.log(`A (pid ${process.pid}): GET /users after B's deleteUrl → fromCache=${again.fromCache}`);
    console.log(`origin requests: ${originRequests} (1 by A, 0 by B, 1 by A after the delete)`);
    if (first.fromCache || again.fromCache || originRequests !== 2) process.exitCode = 1;
  } finally {
    b.disconnect();
    await api.cache.clear();
    await api.cache.close();
    origin.close();
  }
}
