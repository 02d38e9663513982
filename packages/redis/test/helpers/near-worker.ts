/**
 * A process sharing near-cached Redis caches with the test (forked with the tsx loader by
 * helpers/near-run.ts). Env: REDIS_URL and/or CLUSTER_NODES (host:port,…), CACHE_NAME, ORIGIN
 * (for the axios requests), TIMEOUT_MS, HEARTBEAT_MS. Every message names its target (`on`:
 * 'redis' or 'cluster'); the backend of a target is made on its first message, so one process
 * serves both (starting a process with the TypeScript loader costs seconds).
 *
 * Store-level operations use `backend.responses` (the RedisCache of responses, near cache on);
 * a value is a response whose body starts with the decimal index of the write that made it.
 */
import axios from 'axios';
import { attachCache, type CachedAxiosInstance, type CachedResponse } from '@axios-client-cache/core';
import { RedisBackend, type RedisCache } from '@axios-client-cache/redis';
import { makeResponse } from '@axios-client-cache/test-suite';
import type { Arrival, Op } from './coherence.js';

/** Which server a message is about. */
export type Target = 'redis' | 'cluster';

type Message = { on: Target } & (
  | { type: 'ready'; timeoutMs: number }
  | { type: 'read'; key: string }
  | { type: 'write'; key: string; index: number }
  | { type: 'delete'; key: string }
  | { type: 'waitInvalidation'; key: string; since: number; timeoutMs: number }
  | { type: 'get'; path: string; tags?: string[] }
  | { type: 'invalidateTags'; tags: string[] }
  | { type: 'refresh'; path: string }
  | { type: 'deleteUrl'; path: string }
  | { type: 'stats' }
  | { type: 'arrivals'; since: number }
  | {
      type: 'run';
      own: string[];
      all: string[];
      writes: number;
      minMs: number;
      maxPauseMs: number;
      deleteRatio: number;
      startAt: number;
      readMs: number;
    }
  | { type: 'exit' }
);

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const cacheName = process.env.CACHE_NAME!;
const origin = process.env.ORIGIN ?? 'http://127.0.0.1:1';
const PAD = 'x'.repeat(512);

interface Context {
  backend: RedisBackend;
  store: RedisCache<CachedResponse>;
  api: CachedAxiosInstance;
  /** Invalidations applied here, as store keys (a `null`: a flush, a gap, or armed again). */
  arrivals: Arrival[];
}

const contexts = new Map<Target, Context>();

function contextOf(target: Target): Context {
  let context = contexts.get(target);
  if (context !== undefined) return context;
  const nodes = process.env.CLUSTER_NODES;
  const backend = new RedisBackend({
    ...(target === 'cluster'
      ? {
          cluster: { nodes: nodes!.split(',').map((a) => ({ host: a.split(':')[0]!, port: Number(a.split(':')[1]) })) },
        }
      : { url: process.env.REDIS_URL }),
    cacheName,
    expireAfter: 600,
    timeoutMs: Number(process.env.TIMEOUT_MS ?? 1000),
    nearCache: { heartbeatMs: Number(process.env.HEARTBEAT_MS ?? 200) },
  });
  const arrivals: Arrival[] = [];
  const responsePrefix = `${cacheName}:r:`;
  backend.nearCache!.onInvalidate((keys) => {
    const at = now();
    if (keys === null) arrivals.push({ at, keys: null });
    else
      arrivals.push({
        at,
        keys: keys.filter((k) => k.startsWith(responsePrefix)).map((k) => k.slice(responsePrefix.length)),
      });
  });
  backend.nearCache!.onStateChange((armed) => {
    if (armed) arrivals.push({ at: now(), keys: null });
  });
  context = {
    backend,
    store: backend.responses as RedisCache<CachedResponse>,
    api: attachCache(axios.create({ baseURL: origin }), backend),
    arrivals,
  };
  contexts.set(target, context);
  return context;
}

const numberIn = (response: CachedResponse | undefined): number | null => {
  if (response === undefined) return null;
  const text = response.text();
  return Number(text.slice(0, text.indexOf(':')));
};

async function read(c: Context, key: string): Promise<number | null | 'error'> {
  try {
    return numberIn(await c.store.read(key));
  } catch {
    return 'error';
  }
}

async function get(
  c: Context,
  path: string,
  refresh = false,
  tags?: string[],
): Promise<{ ok: boolean; fromCache?: boolean; body?: string; error?: string }> {
  try {
    const res = await c.api.get(path, { responseType: 'text', refresh, clientCache: { tags } });
    return { ok: true, fromCache: res.fromCache === true, body: String(res.data) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function waitInvalidation(c: Context, key: string, since: number, timeoutMs: number): Promise<boolean> {
  const until = now() + timeoutMs;
  while (now() < until) {
    if (c.arrivals.some((a) => a.at >= since && (a.keys === null || a.keys.includes(key)))) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** Interleaved writes of `own` keys and reads of `all` keys, for the coherence check. */
async function run(c: Context, m: Extract<Message, { type: 'run' }>): Promise<unknown> {
  const ops: Op[] = [];
  const reads: number[] = [];
  const counters = new Map<string, number>();
  while (now() < m.startAt) await new Promise((r) => setTimeout(r, 1));
  const started = now();
  let writing = m.own.length > 0;
  const writer = async (): Promise<void> => {
    let count = 0;
    while (count < m.writes || now() - started < m.minMs) {
      const key = m.own[Math.floor(Math.random() * m.own.length)]!;
      const index = (counters.get(key) ?? 0) + 1;
      counters.set(key, index);
      const kind = Math.random() < m.deleteRatio ? 'del' : 'set';
      const sentAt = now();
      let ackAt: number | null = null;
      try {
        if (kind === 'set') await c.store.write(key, makeResponse({ body: `${index}:${PAD}` }));
        else await c.store.delete(key);
        ackAt = now();
      } catch {
        // failed open: it may or may not have landed
      }
      ops.push({ key, index, kind, sentAt, ackAt });
      count++;
      const pause = Math.random() * m.maxPauseMs;
      await new Promise((r) => (pause < 0.5 ? setImmediate(r) : setTimeout(r, pause)));
    }
    writing = false;
  };
  const reader = async (): Promise<void> => {
    // Until this process's writes are done and `readMs` has passed, then 50 ms more.
    let until = Infinity;
    let n = 0;
    for (;;) {
      if (!writing && until === Infinity) until = Math.max(now(), started + m.readMs) + 50;
      if (now() >= until) break;
      const k = Math.floor(Math.random() * m.all.length);
      const startAt = now();
      const value = await read(c, m.all[k]!);
      reads.push(k, startAt, now(), value === null ? -1 : value === 'error' ? -2 : value);
      // Mostly back to back (but letting I/O in), sometimes a 1 ms pause: four processes
      // spinning flat out would starve each other on a 2-core machine.
      await new Promise((r) => (++n % 4 === 0 ? setTimeout(r, 1) : setImmediate(r)));
    }
  };
  await Promise.all([writer(), reader(), reader()]);
  return { ops, reads, stats: statsOf(c) };
}

function statsOf(c: Context): Record<string, unknown> {
  const { lastError, ...stats } = c.backend.nearCache!.stats();
  return {
    ...stats,
    lastError: lastError === undefined ? undefined : String((lastError as Error).message ?? lastError),
  };
}

async function answer(message: Message): Promise<unknown> {
  if (message.type === 'exit') {
    for (const c of contexts.values()) await c.backend.close();
    process.disconnect();
    return undefined;
  }
  const c = contextOf(message.on);
  switch (message.type) {
    case 'ready':
      await c.backend.connection.connect();
      return c.backend.nearCache!.ready(message.timeoutMs);
    case 'read':
      return read(c, message.key);
    case 'write': {
      const sentAt = now();
      await c.store.write(message.key, makeResponse({ body: `${message.index}:${PAD}` }));
      return { sentAt, ackAt: now() };
    }
    case 'delete': {
      const sentAt = now();
      await c.store.delete(message.key);
      return { sentAt, ackAt: now() };
    }
    case 'waitInvalidation':
      return waitInvalidation(c, message.key, message.since, message.timeoutMs);
    case 'get':
      return get(c, message.path, false, message.tags);
    case 'invalidateTags': {
      const sentAt = now();
      await c.api.cache.invalidateTags(message.tags);
      return { sentAt, ackAt: now() };
    }
    case 'refresh':
      return get(c, message.path, true);
    case 'deleteUrl':
      await c.api.cache.deleteUrl(`${origin}${message.path}`);
      return { ok: true };
    case 'stats':
      return statsOf(c);
    case 'arrivals':
      return c.arrivals.filter((a) => a.at >= message.since);
    case 'run':
      return run(c, message);
  }
}

process.on('message', (message: Message) => {
  void answer(message).then((reply) => {
    if (message.type !== 'exit') process.send!(reply ?? null);
  });
});

process.send!('ready');
