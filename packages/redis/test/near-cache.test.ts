import { CacheConfigError } from '@axios-client-cache/core';
import {
  DEFAULT_NEAR_HEARTBEAT_MS,
  DEFAULT_NEAR_MAX_BYTES,
  DEFAULT_NEAR_MAX_ENTRIES,
  DEFAULT_NEAR_MAX_ENTRY_BYTES,
  RedisBackend,
  RedisCache,
  resolveNearCache,
} from '@axios-client-cache/redis';
import { NearStore } from '../src/near-cache.js';
import type { Tracking } from '../src/tracking.js';

describe('nearCache option', () => {
  it('is off by default and with false; true gives the defaults', () => {
    expect(resolveNearCache(undefined)).toBeUndefined();
    expect(resolveNearCache(false)).toBeUndefined();
    expect(resolveNearCache(true)).toEqual({
      maxEntries: DEFAULT_NEAR_MAX_ENTRIES,
      maxBytes: DEFAULT_NEAR_MAX_BYTES,
      maxEntryBytes: DEFAULT_NEAR_MAX_ENTRY_BYTES,
      heartbeatMs: DEFAULT_NEAR_HEARTBEAT_MS,
    });
    expect(resolveNearCache({ maxEntries: 10 })).toMatchObject({ maxEntries: 10, maxBytes: DEFAULT_NEAR_MAX_BYTES });
  });

  it.each([
    ['yes', /Invalid nearCache: "yes"/],
    [1, /Invalid nearCache: 1/],
    [null, /Invalid nearCache: null/],
    [[], /Invalid nearCache/],
    [{ maxEntry: 5 }, /Invalid nearCache: unknown option maxEntry/],
    [{ maxEntries: 0 }, /Invalid nearCache.maxEntries: 0/],
    [{ maxEntries: 1.5 }, /Invalid nearCache.maxEntries: 1.5/],
    [{ maxBytes: Number.NaN }, /Invalid nearCache.maxBytes: NaN/],
    [{ maxBytes: '1mb' }, /Invalid nearCache.maxBytes: "1mb"/],
    [{ maxEntryBytes: -1 }, /Invalid nearCache.maxEntryBytes: -1/],
    [{ heartbeatMs: 2 ** 31 }, /Invalid nearCache.heartbeatMs: 2147483648/],
  ])('rejects %j with a CacheConfigError naming it, at construction', (value, message) => {
    expect(() => resolveNearCache(value)).toThrow(CacheConfigError);
    expect(() => new RedisCache({ url: 'redis://127.0.0.1:1', nearCache: value as never })).toThrow(message);
    expect(() => new RedisBackend({ url: 'redis://127.0.0.1:1', nearCache: value as never })).toThrow(message);
  });

  it('makes no connection at construction, and closes without one', async () => {
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1', cacheName: 'near-lazy', nearCache: true });
    expect(backend.connection.existingClient).toBeUndefined();
    expect(backend.nearCache?.armed).toBe(false);
    expect(backend.nearCache).toBe((backend.redirects as RedisCache).nearCache); // one tracking for both stores
    await backend.close();
    expect(await backend.nearCache!.ready(10)).toBe(false);
  });
});

/** The parts of a Tracking a NearStore reads, driven by hand. */
class FakeTracking {
  armed = true;
  seq = 0;
  flushSeq = 0;
  starts = 0;
  start(): void {
    this.starts++;
  }
  nextSeq(): number {
    return ++this.seq;
  }
  /** An invalidation message for `keys` (or a flush) applied to `stores`. */
  invalidate(stores: Array<NearStore<unknown>>, keys: string[] | null): void {
    const seq = ++this.seq;
    if (keys === null) {
      this.flushSeq = seq;
      for (const s of stores) s.invalidateAll(seq);
    } else for (const s of stores) for (const k of keys) s.invalidate(k, seq);
  }
  gap(stores: Array<NearStore<unknown>>): void {
    this.armed = false;
    this.invalidate(stores, null);
  }
}

describe('NearStore', () => {
  const limits = { maxEntries: 3, maxBytes: 100, maxEntryBytes: 50, heartbeatMs: 500 };
  let clock = 1_000;
  const make = (tracking = new FakeTracking()) => {
    const store = new NearStore<string>('c:r:', limits, tracking as unknown as Tracking, () => clock);
    return { store, tracking, all: [store as NearStore<unknown>] };
  };

  it("keeps a read's result only when no invalidation of its key arrived while it was in flight", () => {
    const { store, tracking, all } = make();
    const t1 = store.begin('k');
    tracking.invalidate(all, ['k']);
    store.end('k', t1, 'old', 1);
    expect(store.get('k')).toBeUndefined(); // the invalidation could be of a newer value than this read saw

    const t2 = store.begin('k');
    tracking.invalidate(all, ['other']);
    store.end('k', t2, 'v', 1);
    expect(store.get('k')).toBe('v'); // another key's invalidation does not matter
  });

  it('of two reads of one key in flight, discards only the one sent before the invalidation', () => {
    const { store, tracking, all } = make();
    const early = store.begin('k');
    tracking.invalidate(all, ['k']);
    const late = store.begin('k');
    store.end('k', early, 'early', 1);
    expect(store.get('k')).toBeUndefined();
    store.end('k', late, 'late', 1);
    expect(store.get('k')).toBe('late');
  });

  it('discards reads in flight across a flush or a gap, and keeps nothing while bypassed', () => {
    const { store, tracking, all } = make();
    const t = store.begin('k');
    tracking.invalidate(all, null);
    store.end('k', t, 'v', 1);
    expect(store.get('k')).toBeUndefined();

    store.end('k', store.begin('k'), 'v', 1);
    const inFlight = store.begin('k2');
    tracking.gap(all);
    expect(store.get('k')).toBeUndefined();
    store.end('k2', inFlight, 'v2', 1);
    expect(store.get('k2')).toBeUndefined();
    expect(store.begin('k')).toBe(-1); // bypassed: reads go to Redis…
    expect(tracking.starts).toBe(1); // …and arming is (re)started
    tracking.armed = true;
    store.end('k', store.begin('k'), 'v3', 1);
    expect(store.get('k')).toBe('v3');
  });

  it('a local write drops the copy at once, discards the reads it overtook, and keeps its item only once acknowledged', () => {
    const { store, tracking, all } = make();
    store.end('k', store.begin('k'), 'v0', 1);
    const read = store.begin('k');
    const write = store.beginWrite('k');
    expect(store.get('k')).toBeUndefined();
    store.end('k', read, 'v0', 1); // the read was sent before the write: it may hold the old value
    expect(store.get('k')).toBeUndefined();
    store.end('k', write, 'v1', 1);
    expect(store.get('k')).toBe('v1');
    // Our own write comes back as an invalidation: it only removes.
    tracking.invalidate(all, ['k']);
    expect(store.get('k')).toBeUndefined();

    const failed = store.beginWrite('k');
    store.end('k', failed); // no value: nothing kept
    expect(store.get('k')).toBeUndefined();
  });

  it("an invalidation arriving before the write's acknowledgement keeps the write out", () => {
    const { store, tracking, all } = make();
    const write = store.beginWrite('k');
    tracking.invalidate(all, ['k']); // another process wrote k after us (or our own write's echo came first)
    store.end('k', write, 'mine', 1);
    expect(store.get('k')).toBeUndefined();
  });

  it('evicts the least recently used past maxEntries and maxBytes, and never keeps an entry over maxEntryBytes', () => {
    const { store } = make();
    const put = (k: string, bytes: number) => store.end(k, store.begin(k), k, bytes);
    put('a', 10);
    put('b', 10);
    put('c', 10);
    put('d', 10);
    expect([store.get('a'), store.size]).toEqual([undefined, 3]);
    put('big', 60);
    expect(store.get('big')).toBeUndefined();
    expect(store.size).toBe(3);
    put('x', 45);
    put('y', 45); // 10 + 45 + 45 = 100 fits; the older ones go
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(store.get('y')).toBe('y');
    expect(store.get('x')).toBe('x');
  });

  it('a hit keeps an entry from eviction', () => {
    const { store } = make();
    const put = (k: string) => store.end(k, store.begin(k), k, 1);
    put('a');
    put('b');
    put('c');
    store.get('a');
    put('d');
    put('e');
    expect(store.get('a')).toBe('a');
  });

  it('does not serve a copy past the expiry Redis gave its entry', () => {
    const { store } = make();
    store.end('k', store.begin('k'), 'v', 1, clock + 100);
    expect(store.get('k')).toBe('v');
    clock += 100;
    expect(store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
    store.end('k', store.begin('k'), 'v', 1, clock - 1); // already expired when it came back
    expect(store.get('k')).toBeUndefined();
  });
});
