/**
 * Process B of the near-cache bench's invalidation delay (src/near-cache.ts): on 'go', writes
 * version 1…TRIALS of the entry under KEY (a response with body `{"version": i}`), each once the
 * reader has reported seeing the one before, 1–4 ms later, and sends back when Redis acknowledged
 * each (`process.hrtime` ms, the clock of the machine).
 */
import { CachedResponse } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';

const backend = new RedisBackend({
  url: process.env.REDIS_URL,
  cacheName: process.env.CACHE_NAME,
  expireAfter: 3600,
  timeoutMs: 1000,
});
const key = process.env.KEY!;
const url = process.env.URL!;
const trials = Number(process.env.TRIALS);
const hrnow = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  await backend.connection.connect();
  process.send!('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const acks: number[] = [];
  // One trial at a time: the next write waits until the reader has seen this one (at most 2 s),
  // so no version is overwritten unseen however slow the machine.
  let seen = 0;
  let wake: (() => void) | undefined;
  process.on('message', (m: { seen?: number }) => {
    if (typeof m.seen === 'number' && m.seen > seen) {
      seen = m.seen;
      wake?.();
    }
  });
  const seenBy = (version: number) =>
    new Promise<void>((resolve) => {
      if (seen >= version) return resolve();
      const timer = setTimeout(resolve, 2000);
      wake = () => {
        if (seen < version) return;
        clearTimeout(timer);
        resolve();
      };
    });
  for (let version = 1; version <= trials; version++) {
    const now = Date.now();
    const response = new CachedResponse({
      method: 'GET',
      url,
      finalUrl: url,
      status: 200,
      statusText: 'OK',
      headers: [
        ['content-type', 'application/json; charset=utf-8'],
        ['cache-control', 'max-age=3600'],
      ],
      body: Buffer.from(JSON.stringify({ version })),
      createdAt: now,
      expires: now + 3_600_000,
      requestTime: now,
      responseTime: now,
    });
    await backend.saveResponse(response, key);
    acks.push(hrnow());
    await seenBy(version);
    await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
  }
  process.send!({ acks });
  await backend.close();
}

main().catch((error: unknown) => process.send!({ error: String((error as Error).stack ?? error) }));
