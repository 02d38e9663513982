/** CacheBackend's seed API (no I/O): request, getResponse, saveResponse, delete, URLs, expiry. */
import axios from 'axios';
import {
  attachCache,
  CacheBackend,
  CacheConfigError,
  CachedResponse,
  DictCache,
  type CacheEventMap,
} from '@axios-client-cache/core';
import { manualClock } from './helpers/fake-origin.js';

const URL_A = 'https://api.example.com/a';

function entry(
  clock: () => number,
  overrides: Partial<ConstructorParameters<typeof CachedResponse>[0]> = {},
): CachedResponse {
  return new CachedResponse({
    method: 'GET',
    url: URL_A,
    finalUrl: URL_A,
    status: 200,
    statusText: 'OK',
    headers: [['content-type', 'text/plain']],
    body: Buffer.from('hello'),
    createdAt: clock(),
    expires: null,
    ...overrides,
  });
}

describe('CacheBackend', () => {
  it('has its defaults, named for this library', () => {
    const b = new CacheBackend();
    expect(b.cacheName).toBe('axios-client-cache');
    expect(b.settings.expireAfter).toEqual({ kind: 'never' });
    // 200 without cacheControl; with it, what RFC 9111 lets a cache store (see the policy's tests)
    expect(b.settings.allowedCodes).toBeUndefined();
    expect(b.settings.credentials).toBe('isolate');
    expect([...b.settings.allowedMethods]).toEqual(['GET', 'HEAD']);
    expect(b.settings.includeHeaders).toBe(false);
    expect(b.settings.cacheControl).toBe(false);
    expect(b.responses).toBeInstanceOf(DictCache);
    expect(b.redirects).toBeInstanceOf(DictCache);
  });

  it('rejects bad options with an error naming the option and value', () => {
    expect(() => new CacheBackend({ expireAfter: -5 })).toThrow(/expireAfter.*-5/);
    expect(() => new CacheBackend({ cacheName: '' })).toThrow(CacheConfigError);
    expect(() => new CacheBackend({ allowedMethods: ['G T'] })).toThrow(/allowedMethods/);
    expect(() => new CacheBackend({ filterFn: 'no' as never })).toThrow(/filterFn/);
    expect(() => new CacheBackend({ lockTimeoutMs: 0 })).toThrow(/lockTimeoutMs/);
  });

  it('saveResponse then request() returns it; a per-request expireAfter and refresh decide the actions', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now, expireAfter: 60 });
    const key = b.createKey('GET', URL_A);
    await b.saveResponse(entry(clock.now, { expires: clock.now() + 60_000 }), key);
    const [found, actions] = await b.request('GET', URL_A);
    expect(found?.text()).toBe('hello');
    expect(actions.key).toBe(key);
    expect(actions.expireAfter).toEqual({ kind: 'relative', ms: 60_000 });
    const [, perRequest] = await b.request('GET', URL_A, { expireAfter: '5m' });
    expect(perRequest.expireAfter).toEqual({ kind: 'relative', ms: 300_000 });
    const [refreshed, refreshActions] = await b.request('GET', URL_A, { refresh: true });
    expect(refreshed).toBeUndefined();
    expect(refreshActions.revalidate).toBe(true);
    const [skipped, skipActions] = await b.request('GET', URL_A, { expireAfter: 0 });
    expect(skipped).toBeUndefined();
    expect(skipActions).toMatchObject({ skip: true, reason: 'expire-after-0' });
    await expect(b.request('GET', URL_A, { expireAfter: 'whenever' as never })).rejects.toThrow(CacheConfigError);
  });

  it('request() returns only a usable response; a stale one stays stored for revalidation until getResponse, the seed’s lookup, deletes it', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now });
    const key = b.createKey('GET', URL_A);
    await b.saveResponse(entry(clock.now, { expires: clock.now() + 1000, headers: [['etag', '"x"']] }), key);
    expect((await b.request('GET', URL_A))[0]?.etag).toBe('"x"');
    clock.tick(1000);
    expect((await b.request('GET', URL_A))[0]).toBeUndefined();
    expect(await b.responses.size()).toBe(1);
    // Stale as a request allows it (max-stale): what the axios path would serve without the origin.
    expect((await b.request('GET', URL_A, { headers: { 'Cache-Control': 'max-stale=60' } }))[0]?.etag).toBeUndefined(); // cacheControl is off: request directives are not read
    const rules = new CacheBackend({ clock: clock.now, cacheControl: true, responses: b.responses });
    expect((await rules.request('GET', URL_A, { headers: { 'Cache-Control': 'max-stale=60' } }))[0]?.etag).toBe('"x"');
    expect(await b.getResponse(key)).toBeUndefined();
    expect(await b.responses.size()).toBe(0);
  });

  it('getResponse deletes and misses an entry that is expired, filtered, or of a code no longer allowed', async () => {
    const clock = manualClock();
    let keep = true;
    const b = new CacheBackend({ clock: clock.now, filterFn: async () => keep });
    await b.saveResponse(entry(clock.now, { expires: clock.now() + 1000 }), 'k1');
    clock.tick(1000);
    expect(await b.getResponse('k1')).toBeUndefined();
    await b.saveResponse(entry(clock.now), 'k2');
    keep = false;
    expect(await b.getResponse('k2')).toBeUndefined();
    expect(await b.responses.contains('k2')).toBe(false);
    keep = true;
    await b.responses.write('k3', entry(clock.now, { status: 500 }));
    expect(await b.getResponse('k3')).toBeUndefined();
    expect(await b.responses.contains('k3')).toBe(false);
  });

  it('isCacheable: disabled, method, status, filterFn, actions.skipWrite, expired', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now, filterFn: (r) => r.url !== 'https://x.example/no' });
    const ok = entry(clock.now);
    expect(await b.isCacheable(ok)).toBe(true);
    expect(await b.disabled(() => b.isCacheable(ok))).toBe(false);
    expect(await b.isCacheable(entry(clock.now, { method: 'POST' }))).toBe(false);
    expect(await b.isCacheable(entry(clock.now, { status: 404 }))).toBe(false);
    expect(await b.isCacheable(entry(clock.now, { url: 'https://x.example/no' }))).toBe(false);
    expect(await b.isCacheable(entry(clock.now, { expires: clock.now() }))).toBe(false);
    const [, actions] = await b.request('GET', URL_A, { expireAfter: 0 });
    expect(await b.isCacheable(ok, actions)).toBe(false);
  });

  it('redirect aliases: one per hop; getResponse follows them; delete removes them all', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now });
    const hops = [
      { method: 'GET', url: 'https://api.example.com/old', status: 301 },
      { method: 'GET', url: 'https://api.example.com/older', status: 302 },
    ];
    const key = b.createKey('GET', URL_A);
    await b.saveResponse(entry(clock.now, { history: hops, finalUrl: 'https://api.example.com/new' }), key);
    const oldKey = b.createKey('GET', 'https://api.example.com/old');
    const olderKey = b.createKey('GET', 'https://api.example.com/older');
    expect(await b.redirects.read(oldKey)).toBe(key);
    expect((await b.getResponse(olderKey))?.finalUrl).toBe('https://api.example.com/new');
    // Deleting through an alias removes the response and every alias.
    await b.delete(olderKey);
    expect(await b.responses.size()).toBe(0);
    expect(await b.redirects.size()).toBe(0);
  });

  it('deleteUrl, hasUrl, getUrls, bulkDelete, clear', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now });
    for (const page of [1, 2, 3]) {
      const url = `${URL_A}?page=${page}`;
      await b.saveResponse(entry(clock.now, { url, finalUrl: url }), b.createKey('GET', URL_A, { params: { page } }));
    }
    expect(await b.hasUrl(URL_A, { params: { page: 2 } })).toBe(true);
    await b.deleteUrl(URL_A, { params: { page: 2 } });
    expect(await b.hasUrl(`${URL_A}?page=2`)).toBe(false);
    const urls: string[] = [];
    for await (const url of b.getUrls()) urls.push(url);
    expect(urls.sort()).toEqual([`${URL_A}?page=1`, `${URL_A}?page=3`]);
    await b.bulkDelete([b.createKey('GET', `${URL_A}?page=1`), 'missing-key']);
    expect(await b.responses.size()).toBe(1);
    await b.clear();
    expect(await b.responses.size()).toBe(0);
  });

  it('deleteExpiredResponses drops expired, filtered (async filterFn) and dangling aliases', async () => {
    const clock = manualClock();
    const b = new CacheBackend({ clock: clock.now, filterFn: async (r) => !r.url.endsWith('/filtered') });
    const responses = new DictCache<CachedResponse>({ clock: clock.now });
    const raw = new CacheBackend({ clock: clock.now, responses, redirects: b.redirects });
    await raw.responses.write('fresh', entry(clock.now, { expires: clock.now() + 10_000 }));
    await raw.responses.write('expired', entry(clock.now, { expires: clock.now() + 1_000 }));
    await raw.responses.write('filtered', entry(clock.now, { url: 'https://api.example.com/filtered' }));
    await b.redirects.write('dangling', 'nothing-here');
    clock.tick(2_000);
    const withStores = new CacheBackend({
      clock: clock.now,
      responses,
      redirects: b.redirects,
      filterFn: async (r) => !r.url.endsWith('/filtered'),
    });
    await withStores.deleteExpiredResponses();
    const keys: string[] = [];
    for await (const k of responses.keys()) keys.push(k);
    expect(keys).toEqual(['fresh']);
    expect(await b.redirects.contains('dangling')).toBe(false);
  });

  it('close() is idempotent; autoclose closes on closeIfEnabled only', async () => {
    const manual = new CacheBackend();
    await manual.closeIfEnabled();
    await manual.responses.write('k', 'x' as never);
    const auto = new CacheBackend({ autoclose: true });
    await auto.closeIfEnabled();
    await auto.close();
    await expect(auto.responses.read('k')).rejects.toThrow(/closed/);
  });

  it('stats() counts events, and a throwing listener never breaks anything', async () => {
    const b = new CacheBackend();
    const api = attachCache(
      axios.create({ adapter: async (config) => ({ data: 'x', status: 200, statusText: 'OK', headers: {}, config }) }),
      b,
    );
    b.on('hit', () => {
      throw new Error('listener');
    });
    const seen: Array<CacheEventMap['hit']> = [];
    const off = b.on('hit', (e) => seen.push(e));
    await api.get(URL_A);
    await api.get(URL_A);
    off();
    await api.get(URL_A);
    expect(seen).toEqual([{ key: b.createKey('GET', URL_A), url: URL_A, method: 'GET' }]);
    expect(b.stats()).toMatchObject({ hits: 2, misses: 1, stored: 1, hitRatio: 2 / 3, inFlight: 0 });
  });

  it('a store read that throws synchronously is still fail-open', async () => {
    class Sync extends DictCache<CachedResponse> {
      override read(): Promise<CachedResponse | undefined> {
        throw new Error('sync throw');
      }
    }
    const b = new CacheBackend({ responses: new Sync() });
    const errors: unknown[] = [];
    b.on('store-error', (e) => errors.push(e.error));
    expect(await b.getResponse('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('instanceof and attachCache accept a backend made by another copy of the package', async () => {
    let Other: typeof CacheBackend | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Other = (require('../src/backend') as { CacheBackend: typeof CacheBackend }).CacheBackend;
    });
    expect(Other).not.toBe(CacheBackend);
    const foreign = new (Other as typeof CacheBackend)({ expireAfter: 60 });
    expect(foreign instanceof CacheBackend).toBe(true);
    expect({ settings: {} } instanceof CacheBackend).toBe(false);
    const api = attachCache(axios.create(), foreign);
    expect(api.cache).toBe(foreign);
    class Mine extends CacheBackend {}
    expect(new Mine() instanceof Mine).toBe(true);
    expect(new CacheBackend() instanceof Mine).toBe(false);
  });

  it('pop returns the default for a missing key on every store of the backend', async () => {
    const b = new CacheBackend();
    expect(await b.redirects.pop('missing', 'default')).toBe('default');
    expect(await b.responses.pop('missing')).toBeUndefined();
  });
});

describe('filterFn', () => {
  it.each([
    ['answers false at once', () => false, false, 0],
    ['answers true at once', () => true, true, 0],
    ['resolves to false', async () => false, false, 0],
    ['resolves to true', async () => true, true, 0],
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise, on purpose
    ['is a thenable that answers false', () => ({ then: (ok: (v: boolean) => void) => ok(false) }), false, 0],
    [
      'throws',
      () => {
        throw new Error('filter bug');
      },
      false,
      1,
    ],
    ['rejects', () => Promise.reject(new Error('filter bug')), false, 1],
  ])(
    'a filterFn that %s decides whether a response is stored (a failing one keeps it out, raises store-error), and the request succeeds',
    async (_, filterFn, stored, errorCount) => {
      const backend = new CacheBackend({ filterFn: filterFn as never });
      const errors: unknown[] = [];
      backend.on('store-error', (e) => errors.push(e));
      let calls = 0;
      const api = attachCache(
        axios.create({
          adapter: async (config) => ({
            data: `{"n":${++calls}}`,
            status: 200,
            statusText: 'OK',
            headers: {},
            config,
            request: {},
          }),
        }),
        backend,
      );
      expect((await api.get('https://a.example/f')).data).toEqual({ n: 1 });
      const again = await api.get('https://a.example/f');
      expect(again.fromCache).toBe(stored);
      expect(again.data).toEqual({ n: stored ? 1 : 2 });
      expect(errors).toHaveLength(errorCount * 2);
      for (const error of errors) expect(error).toMatchObject({ operation: 'filterFn' });
    },
  );
});
