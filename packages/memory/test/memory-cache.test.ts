import {
  CacheConfigError,
  type CachedResponse,
  FORMAT_VERSION,
  msgpackSerializer,
  type CacheEventMap,
} from '@axios-client-cache/core';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_ENTRY_BYTES,
  DEFAULT_SWEEP_INTERVAL_MS,
  MemoryBackend,
  MemoryCache,
  type MemoryCacheOptions,
} from '@axios-client-cache/memory';
import { collect, makeResponse, ManualClock } from '@axios-client-cache/test-suite';

type Evicted = CacheEventMap['evicted'];

const opened: Array<MemoryCache<unknown>> = [];
afterEach(async () => {
  for (const cache of opened.splice(0)) await cache.close();
});

function cache<T = string>(options: MemoryCacheOptions = {}): { cache: MemoryCache<T>; evicted: Evicted[] } {
  const c = new MemoryCache<T>({ sweepIntervalMs: false, ...options });
  opened.push(c as MemoryCache<unknown>);
  const evicted: Evicted[] = [];
  c.on('evicted', (e) => evicted.push(e));
  return { cache: c, evicted };
}

/** A response whose `byteSize` is exactly `size`. */
function responseOfSize(size: number, url = 'https://a.example/x'): CachedResponse {
  const empty = makeResponse({ url, body: '' });
  const body = Buffer.alloc(size - empty.byteSize, 0x61);
  const response = makeResponse({ url, body });
  expect(response.byteSize).toBe(size);
  return response;
}

describe('MemoryCache options', () => {
  it('has the documented defaults', () => {
    const { cache: c } = cache({ sweepIntervalMs: undefined });
    expect(c.limits).toEqual({
      maxEntries: 1024,
      maxBytes: 100 * 1024 * 1024,
      maxEntryBytes: 5 * 1024 * 1024,
      sweepIntervalMs: 60_000,
    });
    expect([DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BYTES, DEFAULT_SWEEP_INTERVAL_MS]).toEqual([
      1024, 104_857_600, 5_242_880, 60_000,
    ]);
  });

  const bad: unknown[] = [0, -1, NaN, 1.5, Infinity, '10', null, true];
  for (const option of ['maxEntries', 'maxBytes', 'maxEntryBytes', 'sweepIntervalMs'] as const) {
    it(`rejects a bad ${option} with a CacheConfigError naming it and the value`, () => {
      for (const value of bad) {
        const make = () => new MemoryCache({ [option]: value } as MemoryCacheOptions);
        expect(make).toThrow(CacheConfigError);
        expect(make).toThrow(
          new RegExp(`^Invalid ${option}: ${String(value === '10' ? '"10"' : value)} \\(expected an integer`),
        );
      }
    });
  }

  it('rejects a sweep interval setInterval cannot honour, and accepts false', () => {
    expect(() => new MemoryCache({ sweepIntervalMs: 2 ** 31 })).toThrow(/Invalid sweepIntervalMs/);
    expect(new MemoryCache({ sweepIntervalMs: false }).limits.sweepIntervalMs).toBe(false);
  });

  it('rejects an expiresAt that is not a number or null', async () => {
    const { cache: c } = cache();
    await expect(c.write('k', 'v', { expiresAt: NaN })).rejects.toThrow(/Invalid expiresAt: NaN/);
  });
});

describe('MemoryCache bounds', () => {
  it('maxEntries: exactly at the limit keeps all; one more evicts the least recently used', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await c.write(k, k);
    expect(await c.size()).toBe(3);
    expect(evicted).toEqual([]);
    await c.write('d', 'd');
    expect(evicted).toEqual([{ key: 'a', reason: 'lru' }]);
    expect(await collect(c.keys())).toEqual(['b', 'c', 'd']);
    expect(c.storedEntries).toBe(3);
  });

  it('maxBytes: exactly at the limit keeps all; one byte over evicts the least recently used', async () => {
    const { cache: c, evicted } = cache({ maxBytes: 100 });
    await c.write('a', 'x'.repeat(40));
    await c.write('b', 'y'.repeat(60));
    expect(c.storedBytes).toBe(100);
    expect(evicted).toEqual([]);
    await c.write('c', 'z');
    expect(evicted).toEqual([{ key: 'a', reason: 'size' }]);
    expect(c.storedBytes).toBe(61);
    expect(await c.read('b')).toBe('y'.repeat(60));
  });

  it('maxBytes counts a response by its byteSize and a string by its UTF-8 length', async () => {
    const { cache: c } = cache<CachedResponse | string>({ maxBytes: 10_000 });
    const response = responseOfSize(1_000);
    await c.write('r', response);
    await c.write('s', 'é😀');
    expect(c.storedBytes).toBe(1_000 + 2 + 4);
    await c.write('r', responseOfSize(2_000));
    expect(c.storedBytes).toBe(2_000 + 6);
    await c.delete('s');
    expect(c.storedBytes).toBe(2_000);
    await c.clear();
    expect(c.storedBytes).toBe(0);
  });

  it('maxEntryBytes: a response exactly at the limit is stored; one byte over is not, and the old entry goes', async () => {
    const { cache: c, evicted } = cache<CachedResponse>({ maxEntryBytes: 4_096 });
    await c.write('k', responseOfSize(4_096));
    expect((await c.read('k'))?.byteSize).toBe(4_096);
    await expect(c.write('k', responseOfSize(4_097))).resolves.toBeUndefined();
    expect(await c.read('k')).toBeUndefined();
    expect(c.storedBytes).toBe(0);
    expect(evicted).toEqual([{ key: 'k', reason: 'size' }]);
  });

  it('maxEntryBytes counts the stored bytes when a serializer is set', async () => {
    const response = makeResponse({ body: Buffer.alloc(1_000) });
    const size = (msgpackSerializer.dumps(response.toRecord(), {}) as Uint8Array).byteLength;
    const { cache: at } = cache<CachedResponse>({ serializer: msgpackSerializer, maxEntryBytes: size });
    await at.write('k', response);
    expect(at.storedBytes).toBe(size);
    expect((await at.read('k'))?.body.byteLength).toBe(1_000);
    const { cache: over, evicted } = cache<CachedResponse>({ serializer: msgpackSerializer, maxEntryBytes: size - 1 });
    await over.write('k', response);
    expect(await over.contains('k')).toBe(false);
    expect(evicted).toEqual([{ key: 'k', reason: 'size' }]);
  });

  it('an entry larger than maxBytes is refused even under maxEntryBytes, evicting nothing', async () => {
    const { cache: c, evicted } = cache({ maxBytes: 10, maxEntryBytes: 1_000 });
    await c.write('a', '12345');
    await c.write('big', '12345678901');
    expect(evicted).toEqual([{ key: 'big', reason: 'size' }]);
    expect(await c.read('a')).toBe('12345');
  });

  it('one large write evicts as many entries as it needs, oldest first', async () => {
    const { cache: c, evicted } = cache({ maxBytes: 100 });
    for (let i = 0; i < 10; i++) await c.write(`k${i}`, 'x'.repeat(10));
    await c.write('big', 'y'.repeat(35));
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3'].map((key) => ({ key, reason: 'size' })));
    expect(c.storedBytes).toBe(95);
  });

  it('makes room with expired entries first reported as expired', async () => {
    const clock = new ManualClock();
    const { cache: c, evicted } = cache({ maxEntries: 2, clock: clock.now });
    await c.write('a', 'A', { expiresAt: clock.now() + 10 });
    await c.write('b', 'B');
    clock.advance(10);
    await c.write('c', 'C');
    expect(evicted).toEqual([{ key: 'a', reason: 'expired' }]);
  });
});

describe('MemoryCache eviction order', () => {
  it('a read makes an entry the most recently used; contains, keys and values do not', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await c.write(k, k);
    await c.read('a'); // order: b c a
    await c.contains('b');
    await collect(c.keys());
    await collect(c.values());
    await c.write('d', 'd'); // evicts b
    await c.read('c'); // order: a d c
    await c.write('e', 'e'); // evicts a
    await c.write('f', 'f'); // evicts d
    expect(evicted.map((e) => e.key)).toEqual(['b', 'a', 'd']);
    expect(await collect(c.keys())).toEqual(['c', 'e', 'f']);
  });

  it('an overwrite makes an entry the most recently used', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 2 });
    await c.write('a', '1');
    await c.write('b', '1');
    await c.write('a', '2');
    await c.write('c', '1');
    expect(evicted).toEqual([{ key: 'b', reason: 'lru' }]);
    expect(await c.read('a')).toBe('2');
  });

  it('repeated hits on the newest entry keep the order right', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 2 });
    await c.write('a', 'a');
    await c.write('b', 'b');
    await c.read('b');
    await c.read('b');
    await c.read('a');
    await c.read('a');
    await c.delete('a');
    await c.write('a', 'a2'); // order: b a
    await c.write('c', 'c');
    expect(evicted).toEqual([{ key: 'b', reason: 'lru' }]);
  });

  it('a hit among the newest quarter is not moved (one Map lookup); an older one is', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 8 });
    for (let i = 0; i < 8; i++) await c.write(`k${i}`, `v${i}`);
    await c.read('k6'); // within the newest quarter: stays where it is
    await c.read('k0'); // the oldest: moves to the newest end
    expect(await collect(c.keys())).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k0']);
    for (let i = 0; i < 7; i++) await c.write(`n${i}`, 'x');
    expect(evicted.map((e) => e.key)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    expect(await c.read('k0')).toBe('v0');
  });

  it('deletes, bulk deletes and pops free their bytes and slots', async () => {
    const { cache: c, evicted } = cache({ maxEntries: 3, maxBytes: 30 });
    for (const k of ['a', 'b', 'c']) await c.write(k, 'x'.repeat(10));
    await c.delete('a');
    await c.bulkDelete(['b', 'missing']);
    expect(await c.pop('c')).toBe('x'.repeat(10));
    expect([c.storedEntries, c.storedBytes]).toEqual([0, 0]);
    for (const k of ['d', 'e', 'f']) await c.write(k, 'y'.repeat(10));
    expect(evicted).toEqual([]);
  });
});

describe('MemoryCache expiry', () => {
  it('drops an expired entry on read and raises evicted/expired', async () => {
    const clock = new ManualClock();
    const { cache: c, evicted } = cache({ clock: clock.now });
    await c.write('k', 'v', { expiresAt: clock.now() + 1_000 });
    clock.advance(1_000);
    expect(await c.read('k')).toBeUndefined();
    expect(c.storedEntries).toBe(0);
    expect(c.storedBytes).toBe(0);
    expect(evicted).toEqual([{ key: 'k', reason: 'expired' }]);
  });

  it('a periodic sweep drops expired entries; its timer is unref()ed and stopped by close()', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    try {
      const clock = new ManualClock();
      const c = new MemoryCache<string>({ clock: clock.now, sweepIntervalMs: 1_000 });
      const evicted: Evicted[] = [];
      c.on('evicted', (e) => evicted.push(e));
      expect(jest.getTimerCount()).toBe(0); // no timer until something is stored
      await c.write('short', 'v', { expiresAt: clock.now() + 500 });
      await c.write('long', 'v', { expiresAt: clock.now() + 5_000 });
      expect(jest.getTimerCount()).toBe(1);
      clock.advance(600);
      jest.advanceTimersByTime(1_000);
      expect(evicted).toEqual([{ key: 'short', reason: 'expired' }]);
      expect(c.storedEntries).toBe(1);
      expect(await c.sweep()).toBe(0);
      await c.close();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('the sweep timer never keeps the process alive', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { cache: c } = cache({ sweepIntervalMs: 10 });
    await c.write('k', 'v');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });

  it('an entry written already expired is not stored and replaces the old one', async () => {
    const clock = new ManualClock();
    const { cache: c } = cache({ clock: clock.now });
    await c.write('k', 'old');
    await c.write('k', 'new', { expiresAt: clock.now() });
    expect(c.storedEntries).toBe(0);
  });
});

describe('MemoryCache immutability', () => {
  it('a caller mutating a response it wrote or read never changes what the next caller gets', async () => {
    const { cache: c } = cache<CachedResponse>();
    const body = Buffer.from('[1,2,3]');
    await c.write('k', makeResponse({ body }));
    body.fill(0);
    const first = await c.read('k');
    first!.body.fill(0);
    expect((await c.read('k'))!.json()).toEqual([1, 2, 3]);
  });

  it('keeps mutable items (objects, bytes) as a copy', async () => {
    const { cache: c } = cache<unknown>();
    const item = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) };
    await c.write('k', item);
    item.list.push(3);
    item.bytes[0] = 9;
    const read = (await c.read('k')) as typeof item;
    expect(read).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
    read.list.push(4);
    expect(await c.read('k')).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
  });

  it('lets an unreadable entry raise CacheSerializationError (the backend turns it into a miss)', async () => {
    const broken = {
      dumps: () => msgpackSerializer.dumps({ t: 'response', v: FORMAT_VERSION, status: 'not a number' }, {}),
      loads: msgpackSerializer.loads,
    };
    const { cache: c } = cache<CachedResponse>({ serializer: broken });
    await c.write('k', makeResponse());
    await expect(c.read('k')).rejects.toMatchObject({ code: 'ERR_CACHE_SERIALIZATION' });
    expect(await collect(c.values())).toEqual([]);
  });
});

describe('MemoryBackend', () => {
  const backends: MemoryBackend[] = [];
  afterEach(async () => {
    for (const b of backends.splice(0)) await b.close();
  });
  const backend = (options: ConstructorParameters<typeof MemoryBackend>[0] = {}): MemoryBackend => {
    const b = new MemoryBackend({ sweepIntervalMs: false, ...options });
    backends.push(b);
    return b;
  };

  it('creates two bounded stores with the bounds, serializer and clock it was given', () => {
    const clock = new ManualClock();
    const b = backend({
      maxEntries: 10,
      maxBytes: 1_000,
      maxEntryBytes: 500,
      serializer: msgpackSerializer,
      clock: clock.now,
    });
    for (const store of [b.responses, b.redirects]) {
      expect(store).toBeInstanceOf(MemoryCache);
      expect(store.limits).toEqual({ maxEntries: 10, maxBytes: 1_000, maxEntryBytes: 500, sweepIntervalMs: false });
      expect(store.serializer).toBe(msgpackSerializer);
    }
  });

  it('validates its bounds and the backend options', () => {
    expect(() => new MemoryBackend({ maxBytes: 0 })).toThrow(/Invalid maxBytes: 0/);
    expect(() => new MemoryBackend({ maxEntries: 2.5 })).toThrow(CacheConfigError);
    expect(() => new MemoryBackend({ cacheName: '' })).toThrow(/Invalid cacheName/);
  });

  it('reports its stores\' evictions through on("evicted") and stats()', async () => {
    const b = backend({ maxEntries: 1 });
    const evicted: Evicted[] = [];
    b.on('evicted', (e) => evicted.push(e));
    await b.saveResponse(makeResponse({ url: 'https://a.example/1' }), 'k1');
    await b.saveResponse(makeResponse({ url: 'https://a.example/2' }), 'k2');
    expect(evicted).toEqual([{ key: 'k1', reason: 'lru' }]);
    expect(b.stats().evicted).toBe(1);
    expect((await b.getResponse('k2'))?.url).toBe('https://a.example/2');
    expect(await b.getResponse('k1')).toBeUndefined();
  });

  it('a response over maxEntryBytes is not stored and saving it is no error', async () => {
    const b = backend({ maxEntryBytes: 1_024 });
    await expect(b.saveResponse(makeResponse({ body: Buffer.alloc(2_048) }), 'big')).resolves.toBeUndefined();
    expect(await b.getResponse('big')).toBeUndefined();
  });
});
