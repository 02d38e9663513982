import {
  CacheBackend,
  CacheConfigError,
  CachedResponse,
  invalidatedAt,
  LocalTags,
  newVersion,
  type CacheBackendOptions,
  type CacheEventMap,
} from '@axios-client-cache/core';
import { cachedFake, FAKE_BASE as BASE, manualClock, type FakeReply, type FakeSeen } from './helpers/fake-origin.js';

function setup(
  handler: (req: FakeSeen, n: number) => FakeReply | Promise<FakeReply>,
  options: CacheBackendOptions = {},
) {
  const made = cachedFake(handler, { expireAfter: 3600, ...options });
  const notStored: Array<CacheEventMap['not-stored']> = [];
  made.backend.on('not-stored', (e) => notStored.push(e));
  return { ...made, notStored };
}

const reply = (n: number, headers: Record<string, string> = {}): FakeReply => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ n }),
});

describe('tags: clientCache.tags', () => {
  it('invalidateTags makes every entry with the tag a miss, and no other', async () => {
    const { api, origin, backend, clock } = setup((_, n) => reply(n));
    await api.get('/users/1', { clientCache: { tags: ['user:1', 'users'] } });
    await api.get('/users/2', { clientCache: { tags: ['user:2', 'users'] } });
    await api.get('/orders', { clientCache: { tags: ['orders'] } });
    await api.get('/plain');
    expect(origin.count).toBe(4);
    for (const url of ['/users/1', '/users/2', '/orders', '/plain']) expect((await api.get(url)).fromCache).toBe(true);

    clock.tick(1);
    await backend.invalidateTags(['users']);
    clock.tick(1);
    const again = await api.get('/users/1', { clientCache: { tags: ['user:1', 'users'] } });
    expect(again.fromCache).toBe(false);
    expect(again.data).toEqual({ n: 5 });
    expect((await api.get('/users/2')).fromCache).toBe(false);
    expect((await api.get('/orders')).fromCache).toBe(true);
    expect((await api.get('/plain')).fromCache).toBe(true);
    // Stored again after the invalidation: a hit from then on.
    expect((await api.get('/users/1')).data).toEqual({ n: 5 });
    expect(origin.count).toBe(6);
  });

  it('a tag invalidated again invalidates the entries stored since; a string is one tag', async () => {
    const { api, origin, backend, clock } = setup((_, n) => reply(n));
    await api.get('/a', { clientCache: { tags: ['t'] } });
    clock.tick(1);
    await backend.invalidateTags('t');
    clock.tick(1);
    await api.get('/a', { clientCache: { tags: ['t'] } });
    expect((await api.get('/a')).fromCache).toBe(true);
    clock.tick(1);
    await backend.invalidateTags('t');
    expect((await api.get('/a')).fromCache).toBe(false);
    expect(origin.count).toBe(3);
  });

  it('a tag invalidated while the response was in flight: the response is not stored (tag-invalidated)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { api, origin, backend, clock, notStored } = setup(async (_, n) => {
      if (n === 1) await gate;
      return reply(n);
    });
    const inFlight = api.get('/a', { clientCache: { tags: ['t'] } });
    await new Promise((r) => setImmediate(r));
    clock.tick(5);
    await backend.invalidateTags(['t']);
    clock.tick(5);
    release();
    const first = await inFlight;
    expect(first.data).toEqual({ n: 1 });
    expect(notStored.map((e) => e.reason)).toEqual(['tag-invalidated']);
    const second = await api.get('/a', { clientCache: { tags: ['t'] } });
    expect(second.fromCache).toBe(false);
    expect(second.data).toEqual({ n: 2 });
    expect((await api.get('/a')).fromCache).toBe(true);
    expect(origin.count).toBe(2);
  });
});

describe('tags: response headers', () => {
  it('Cache-Tag (commas) and Surrogate-Key (spaces) tag the response', async () => {
    const { api, origin, backend, clock } = setup((req, n) =>
      req.url.endsWith('/ct')
        ? reply(n, { 'cache-tag': 'product:7, catalog' })
        : reply(n, { 'surrogate-key': 'product:8  catalog' }),
    );
    await api.get('/ct');
    await api.get('/sk');
    clock.tick(1);
    await backend.invalidateTags(['product:8']);
    expect((await api.get('/ct')).fromCache).toBe(true);
    expect((await api.get('/sk')).fromCache).toBe(false);
    clock.tick(1);
    await backend.invalidateTags(['catalog']);
    expect((await api.get('/ct')).fromCache).toBe(false);
    expect((await api.get('/sk')).fromCache).toBe(false);
    expect(origin.count).toBe(5);
  });

  it('tagHeaders names the headers read; false reads none', async () => {
    const custom = setup((_, n) => reply(n, { 'x-tags': 'a b', 'cache-tag': 'c' }), { tagHeaders: ['X-Tags'] });
    await custom.api.get('/x');
    custom.clock.tick(1);
    await custom.backend.invalidateTags(['c']);
    expect((await custom.api.get('/x')).fromCache).toBe(true);
    await custom.backend.invalidateTags(['b']);
    expect((await custom.api.get('/x')).fromCache).toBe(false);

    const none = setup((_, n) => reply(n, { 'cache-tag': 'c' }), { tagHeaders: false });
    await none.api.get('/x');
    none.clock.tick(1);
    await none.backend.invalidateTags(['c']);
    expect((await none.api.get('/x')).fromCache).toBe(true);
  });

  it('request tags and header tags add up, each once; tags that are not tags are left out', async () => {
    const { api, backend } = setup((_, n) => reply(n, { 'cache-tag': `b, a, ,, ${'x'.repeat(300)}` }));
    await api.get('/x', { clientCache: { tags: ['a', 'a'] } });
    const stored = await backend.getResponse(backend.createKey('GET', `${BASE}/x`));
    expect(stored?.tags).toEqual(['a', 'b']);
    expect(stored?.tagVersions).toHaveLength(2);
    for (const v of stored?.tagVersions ?? []) expect(invalidatedAt(v)).toBe(0);
  });

  it('a 304 keeps the stored tags and takes the ones it brings', async () => {
    let etagReply = 0;
    const { api, backend, clock, notStored } = setup(
      (req, n) => {
        if (req.headers.get('if-none-match') === '"v1"') {
          etagReply++;
          return { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=10', 'cache-tag': 'new' } };
        }
        return reply(n, { etag: '"v1"', 'cache-control': 'max-age=10', 'cache-tag': 'old' });
      },
      { cacheControl: true },
    );
    await api.get('/r');
    clock.tick(11_000);
    expect((await api.get('/r')).fromCache).toBe(true); // revalidated
    expect(etagReply).toBe(1);
    const stored = await backend.getResponse(backend.createKey('GET', `${BASE}/r`));
    expect(stored?.tags).toEqual(['old', 'new']);
    clock.tick(1);
    await backend.invalidateTags(['new']);
    expect(notStored).toEqual([]);
    expect((await api.get('/r')).fromCache).toBe(false);
  });
});

describe('tags: variants and the seed API', () => {
  it('one variant of a URL invalidated; the other still served', async () => {
    const { api, origin, backend, clock } = setup(
      (req, n) =>
        reply(n, { vary: 'accept-language', 'cache-tag': `lang:${String(req.headers.get('accept-language'))}` }),
      { cacheControl: true },
    );
    const en = { headers: { 'accept-language': 'en' } };
    const fr = { headers: { 'accept-language': 'fr' } };
    await api.get('/v', en);
    await api.get('/v', fr);
    clock.tick(1);
    await backend.invalidateTags(['lang:fr']);
    expect((await api.get('/v', en)).fromCache).toBe(true);
    expect((await api.get('/v', fr)).fromCache).toBe(false);
    expect(origin.count).toBe(3);
  });

  it('saveResponse versions the tags; getResponse and request() miss once they are invalidated', async () => {
    const clock = manualClock();
    const backend = new CacheBackend({ clock: clock.now });
    const response = new CachedResponse({
      method: 'GET',
      url: `${BASE}/s`,
      finalUrl: `${BASE}/s`,
      status: 200,
      statusText: 'OK',
      headers: [],
      body: Buffer.from('x'),
      createdAt: clock.now(),
      requestTime: clock.now(),
      expires: null,
      tags: ['s'],
    });
    const key = backend.createKey('GET', `${BASE}/s`);
    await backend.saveResponse(response, key);
    expect((await backend.getResponse(key))?.text()).toBe('x');
    expect((await backend.request('GET', `${BASE}/s`))[0]?.text()).toBe('x');
    clock.tick(1);
    await backend.invalidateTags(['s']);
    expect(await backend.getResponse(key)).toBeUndefined();
    expect((await backend.request('GET', `${BASE}/s`))[0]).toBeUndefined();
    // Made before the invalidation: not stored.
    const events: string[] = [];
    backend.on('not-stored', (e) => events.push(e.reason));
    await backend.saveResponse(response, key);
    expect(events).toEqual(['tag-invalidated']);
    expect(await backend.getResponse(key)).toBeUndefined();
  });
});

describe('tags: a tag store that fails or holds garbage', () => {
  it('a version that is not one makes the entry a miss; a failing store stores nothing (tag-store) and reads miss', async () => {
    const local = new LocalTags(Date.now);
    let failing = false;
    let garbage = false;
    const tags = {
      peek: (t: readonly string[]) => {
        if (failing) throw new Error('down');
        return garbage ? t.map(() => 'garbage') : local.peek(t);
      },
      read: (t: readonly string[]) => (failing ? Promise.reject(new Error('down')) : local.read(t)),
      current: (t: readonly string[]) => (failing ? Promise.reject(new Error('down')) : local.current(t)),
      invalidate: (t: readonly string[]) => local.invalidate(t),
    };
    const { api, origin, notStored, backend } = setup((_, n) => reply(n), { tags });
    const errors: string[] = [];
    backend.on('store-error', (e) => errors.push(e.operation));
    await api.get('/g', { clientCache: { tags: ['g'] } });
    expect((await api.get('/g')).fromCache).toBe(true);
    garbage = true;
    expect((await api.get('/g')).fromCache).toBe(false);
    garbage = false;

    failing = true;
    await api.get('/h', { clientCache: { tags: ['h'] } });
    expect(notStored.map((e) => e.reason)).toContain('tag-store');
    expect(errors).toContain('tags');
    expect((await api.get('/h', { clientCache: { tags: ['h'] } })).fromCache).toBe(false);
    expect(origin.count).toBe(4);
  });

  it('versions: random, with the time of the last invalidation; anything else is not a version', () => {
    const a = newVersion(0);
    const b = newVersion(0);
    expect(a).not.toBe(b);
    expect(invalidatedAt(a)).toBe(0);
    expect(invalidatedAt(newVersion(1_767_225_600_123))).toBe(1_767_225_600_123);
    for (const bad of [
      '',
      'x',
      '0123456789abcdef',
      '0123456789abcdef.-1',
      '0123456789ABCDEF.1',
      7,
      null,
      '0123456789abcdef.01',
    ])
      expect(invalidatedAt(bad)).toBeUndefined();
  });

  it('LocalTags keeps at most maxTags tags; a tag that went makes its entries misses', async () => {
    const local = new LocalTags(Date.now, 2);
    const [va] = await local.current(['a']);
    await local.current(['b']);
    await local.current(['c']);
    expect(local.size).toBe(2);
    expect(local.peek(['a'])).toEqual([undefined]);
    expect((await local.current(['a']))[0]).not.toBe(va);
  });
});

describe('tags: bad input', () => {
  it('clientCache.tags, invalidateTags and tagHeaders name the option and the value', async () => {
    const { api, backend } = setup((_, n) => reply(n));
    for (const tags of ['a', [''], [1], ['a\nb'], ['x'.repeat(257)], Array.from({ length: 65 }, (_, i) => `t${i}`)]) {
      await expect(api.get('/a', { clientCache: { tags: tags as string[] } })).rejects.toThrow(
        /Invalid clientCache\.tags/,
      );
    }
    await expect(backend.invalidateTags([''])).rejects.toThrow(CacheConfigError);
    await expect(backend.invalidateTags(null as unknown as string[])).rejects.toThrow(/Invalid tags: null/);
    await expect(backend.invalidateTags([])).resolves.toBeUndefined();
    expect(() => new CacheBackend({ tagHeaders: 'cache-tag' as unknown as string[] })).toThrow(/Invalid tagHeaders/);
    expect(() => new CacheBackend({ tagHeaders: ['bad header'] })).toThrow(/Invalid tagHeaders/);
    expect(() => new CacheBackend({ tags: {} as never })).toThrow(/Invalid tags/);
  });
});
