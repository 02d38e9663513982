/**
 * What an operator sees of each decision: the not-stored reasons, the debug log, the
 * axios-client-cache:request diagnostics channel, and stats(). Through real axios, an
 * in-process origin and an injected clock.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import axios from 'axios';
import {
  attachCache,
  requestChannel,
  type CacheBackendOptions,
  type CacheEventMap,
  type RequestMessage,
} from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { cachedFake, fakeOrigin, type FakeReply, type FakeSeen } from './helpers/fake-origin.js';

const BASE = 'https://api.example.com';

function setup(
  handler: (req: FakeSeen, n: number) => FakeReply | Promise<FakeReply>,
  options: CacheBackendOptions = {},
) {
  return cachedFake(handler, options, { validateStatus: () => true });
}

const reply = (headers: Record<string, string> = {}, status = 200): FakeReply => ({ status, headers, body: '{}' });

/** Everything published on the channel while `fn` runs. */
async function published(fn: () => Promise<unknown>): Promise<RequestMessage[]> {
  const messages: RequestMessage[] = [];
  const listener = (message: unknown) => messages.push(message as RequestMessage);
  subscribe('axios-client-cache:request', listener);
  try {
    await fn();
  } finally {
    unsubscribe('axios-client-cache:request', listener);
  }
  return messages;
}

describe('not-stored: every decision not to store has a named reason, with the absolute URL, method and key', () => {
  it.each<[string, CacheBackendOptions, FakeReply, object]>([
    ['status', {}, reply({}, 404), {}],
    ['no-store', { cacheControl: true }, reply({ 'cache-control': 'no-store' }), {}],
    ['private', { shared: true }, reply({ 'cache-control': 'private' }), {}],
    ['set-cookie', { shared: true }, reply({ 'set-cookie': 'sid=1' }), {}],
    ['vary-star', {}, reply({ vary: '*' }), {}],
    [
      'authorization',
      { cacheControl: true, shared: true },
      reply({ 'cache-control': 'max-age=60' }),
      { headers: { Authorization: 'Bearer x' } },
    ],
    ['expire-after-0', { cacheControl: true, expireAfter: 0 }, reply(), {}],
    ['stale', { cacheControl: true }, reply({ 'cache-control': 'max-age=0' }), {}],
    ['filter', { filterFn: () => false }, reply(), {}],
    [
      'partial',
      { cacheControl: true },
      reply({ 'content-range': 'bytes 0-1/*' }, 206),
      { headers: { Range: 'bytes=0-1' } },
    ],
  ])('%s', async (reason, options, answer, config) => {
    const { api, backend } = setup(() => answer, options);
    const events: Array<CacheEventMap['not-stored']> = [];
    backend.on('not-stored', (e) => events.push(e));
    const res = await api.get('/thing?b=2&a=1', config);
    expect(events).toEqual([{ key: res.cacheKey, url: `${BASE}/thing?a=1&b=2`, method: 'GET', reason }]);
    expect(backend.stats().notStored).toBe(1);
  });

  it('too-large: a response past the store’s maxEntryBytes', async () => {
    const origin = fakeOrigin(() => ({ body: 'x'.repeat(2000) }));
    const backend = new MemoryBackend({ maxEntryBytes: 1000 });
    const api = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), backend);
    const events: string[] = [];
    backend.on('not-stored', (e) => events.push(e.reason));
    const stored: unknown[] = [];
    backend.on('stored', (e) => stored.push(e));
    await api.get('/big');
    expect(events).toEqual(['too-large']);
    expect(stored).toEqual([]);
  });

  it('hit, miss, stale, revalidated and stored carry the absolute URL, the method and the key', async () => {
    const { api, backend, clock } = setup(
      (req) =>
        req.headers.get('if-none-match')
          ? reply({}, 304)
          : reply({ etag: '"e"', 'cache-control': 'max-age=10, stale-while-revalidate=5' }),
      { cacheControl: true },
    );
    const seen: Array<[string, { key: string; url: string; method: string }]> = [];
    for (const event of ['hit', 'miss', 'stale', 'revalidated', 'stored'] as const)
      backend.on(event, (e) => seen.push([event, e]));
    const first = await api.get('/e');
    await api.get('/e');
    clock.tick(12_000);
    await api.get('/e'); // stale-while-revalidate: served stale, refreshed behind
    await new Promise((r) => setImmediate(r));
    const expected = { key: first.cacheKey, url: `${BASE}/e`, method: 'GET' };
    expect(seen.map(([event]) => event)).toEqual(['miss', 'stored', 'hit', 'stale', 'revalidated', 'stored']);
    for (const [, payload] of seen) expect(payload).toMatchObject(expected);
  });
});

describe('debug: one line per decision', () => {
  it('a scripted scenario: miss, stored, hit, bypass, stale-if-error, not stored', async () => {
    let fail = false;
    const lines: string[] = [];
    const { api, clock } = setup(
      (req) => {
        if (fail) return { status: 503, body: 'down' };
        return req.url.endsWith('/nope')
          ? reply({ 'cache-control': 'no-store' })
          : reply({ 'cache-control': 'max-age=1' });
      },
      {
        cacheControl: true,
        staleIfError: '1h',
        debug: (message, details) => lines.push(`${message} ${String(details.url)}`),
      },
    );
    await api.get('/a');
    await api.get('/a');
    await api.get('/a', { clientCache: false });
    await api.get('/nope');
    fail = true;
    clock.tick(5_000);
    await api.get('/a');
    expect(lines).toEqual([
      `nothing usable stored: asking the origin ${BASE}/a`,
      `stored ${BASE}/a`,
      `served fresh ${BASE}/a`,
      `around the cache: disabled ${BASE}/a`,
      `nothing usable stored: asking the origin ${BASE}/nope`,
      `not stored: no-store ${BASE}/nope`,
      `stored response needs revalidation ${BASE}/a`,
      `asking the origin to revalidate ${BASE}/a`,
      `not stored: status ${BASE}/a`,
      `origin failed: served stale (stale-if-error) ${BASE}/a`,
    ]);
  });

  it('details carry the method, URL and key; a throwing logger never fails a request', async () => {
    const details: Array<Record<string, unknown>> = [];
    const { api } = setup(() => reply(), {
      debug: (_m, d) => {
        details.push(d);
        throw new Error('logger down');
      },
    });
    const res = await api.get('/x');
    expect(res.status).toBe(200);
    expect(details[0]).toMatchObject({ method: 'GET', url: `${BASE}/x`, key: res.cacheKey });
  });
});

describe('the axios-client-cache:request diagnostics channel', () => {
  it('one message per request: method, url, key, outcome, reason, durationMs, cacheName', async () => {
    let fail = false;
    const { api, clock } = setup(
      (req) =>
        fail
          ? { status: 503 }
          : req.headers.get('if-none-match')
            ? reply({}, 304)
            : reply({ etag: '"e"', 'cache-control': 'max-age=10' }),
      { cacheControl: true, cacheName: 'billing-api', staleIfError: true },
    );
    const messages = await published(async () => {
      await api.get('/c');
      await api.get('/c');
      clock.tick(20_000);
      await api.get('/c'); // revalidated with a 304
      await api.get('/c', { clientCache: false });
      fail = true;
      clock.tick(20_000);
      await api.get('/c'); // 503: stale-if-error
      await api.get('/other', { clientCache: { onlyIfCached: true } });
    });
    expect(messages.map((m) => [m.outcome, m.reason])).toEqual([
      ['miss', undefined],
      ['hit', undefined],
      ['revalidated', undefined],
      ['bypass', 'disabled'],
      ['stale', 'stale-if-error'],
      ['miss', 'only-if-cached'],
    ]);
    const key = messages[0]!.key;
    expect(messages[0]).toEqual({
      method: 'GET',
      url: `${BASE}/c`,
      key,
      outcome: 'miss',
      reason: undefined,
      durationMs: expect.any(Number),
      cacheName: 'billing-api',
    });
    expect(messages.every((m) => m.durationMs >= 0)).toBe(true);
  });

  it('coalesced for a request that waited on an identical one; error for a request that failed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api } = setup(async (req) => {
      if (req.url.endsWith('/down')) throw new axios.AxiosError('socket hang up', 'ECONNRESET');
      await gate;
      return reply();
    });
    const messages = await published(async () => {
      const a = api.get('/same');
      const b = api.get('/same');
      await new Promise((r) => setImmediate(r));
      release();
      await Promise.all([a, b]);
      await api.get('/down').catch(() => undefined);
    });
    expect(messages.map((m) => m.outcome).sort()).toEqual(['coalesced', 'error', 'miss']);
  });

  it('nothing is published when nobody subscribes', async () => {
    const { api } = setup(() => reply());
    const publish = jest.spyOn(requestChannel, 'publish');
    try {
      await api.get('/quiet');
      await api.get('/quiet');
      expect(requestChannel.hasSubscribers).toBe(false);
      expect(publish).not.toHaveBeenCalled();
    } finally {
      publish.mockRestore();
    }
  });
});

describe('stats()', () => {
  it('entries from a DictCache; entries and bytes from a MemoryCache', async () => {
    const dict = setup(() => reply(), { expireAfter: 60 });
    await dict.api.get('/1');
    await dict.api.get('/2');
    await new Promise((r) => setImmediate(r));
    expect(dict.backend.stats()).toMatchObject({ entries: 2, complete: true });
    const origin = fakeOrigin(() => ({ body: 'abc' }));
    const memory = new MemoryBackend();
    const api = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), memory);
    await api.get('/m');
    await new Promise((r) => setImmediate(r));
    const stats = memory.stats();
    expect(stats.entries).toBe(1);
    expect(stats.bytes).toBeGreaterThan(3);
    expect(await memory.stats({ scan: true })).toMatchObject({ entries: 1, bytes: stats.bytes, complete: true });
  });
});
