/**
 * attachCache without I/O: an in-process origin (an axios adapter) and an injected clock,
 * so freshness is tested without sleeping.
 */
import axios, { AxiosError, type InternalAxiosRequestConfig } from 'axios';
import {
  attachCache,
  CacheBackend,
  CacheConfigError,
  DictCache,
  detachCache,
  FORMAT_VERSION,
  msgpackSerializer,
  type CachedResponse,
  type CacheEventMap,
  type LeaseOutcome,
  type MissLock,
  type Serializer,
  type WriteOptions,
} from '@axios-client-cache/core';
import { cachedFake, fakeOrigin, httpDate, type FakeReply } from './helpers/fake-origin.js';

const BASE = 'https://api.example.com';

const setup = cachedFake;

const json = (n: number, headers: Record<string, string> = {}): FakeReply => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ n }),
});

describe('attachCache: expiry settings (cacheControl off)', () => {
  it('a miss then a hit, with fromCache, createdAt, expires, isExpired, cacheKey', async () => {
    const { api, origin, clock, backend } = setup((_, n) => json(n), { expireAfter: 60 });
    const first = await api.get('/users', { params: { page: 2 } });
    expect(first.fromCache).toBe(false);
    expect(first.data).toEqual({ n: 1 });
    clock.tick(1000);
    const second = await api.get('/users', { params: { page: 2 } });
    expect(second.fromCache).toBe(true);
    expect(second.data).toEqual({ n: 1 });
    expect(second.createdAt).toEqual(new Date(clock.now() - 1000));
    expect(second.expires).toEqual(new Date(clock.now() - 1000 + 60_000));
    expect(second.isExpired).toBe(false);
    expect(second.cacheKey).toBe(backend.createKey('GET', `${BASE}/users`, { params: { page: 2 } }));
    expect(second.headers.age).toBe('1');
    expect(origin.count).toBe(1);
  });

  it('an expired entry is fetched again', async () => {
    const { api, origin, clock } = setup((_, n) => json(n), { expireAfter: 60 });
    await api.get('/a');
    clock.tick(59_999);
    expect((await api.get('/a')).fromCache).toBe(true);
    clock.tick(1);
    const again = await api.get('/a');
    expect(again.fromCache).toBe(false);
    expect(again.data).toEqual({ n: 2 });
    expect(origin.count).toBe(2);
  });

  it('per-request expireAfter beats urlsExpireAfter, which beats the instance setting', async () => {
    const { api, clock } = setup((_, n) => json(n), {
      expireAfter: 100,
      urlsExpireAfter: { 'api.example.com/short': 10 },
    });
    await api.get('/short/1');
    await api.get('/short/2', { expireAfter: '5m' });
    await api.get('/other');
    clock.tick(11_000);
    expect((await api.get('/short/1')).fromCache).toBe(false);
    expect((await api.get('/short/2')).fromCache).toBe(true);
    expect((await api.get('/other')).fromCache).toBe(true);
    clock.tick(100_000);
    expect((await api.get('/other')).fromCache).toBe(false);
    expect((await api.get('/short/2')).fromCache).toBe(true);
  });

  it('per-request expiry lapses on its own', async () => {
    const { api, clock } = setup((_, n) => json(n));
    await api.get('/p', { expireAfter: { seconds: 5 } });
    clock.tick(4_999);
    expect((await api.get('/p')).fromCache).toBe(true);
    clock.tick(1);
    expect((await api.get('/p')).fromCache).toBe(false);
  });

  it('expireAfter 0 (instance, URL rule or request) neither reads nor writes', async () => {
    const { api, origin } = setup((_, n) => json(n), { urlsExpireAfter: { 'api.example.com/live': 0 } });
    await api.get('/live/x');
    await api.get('/live/x');
    await api.get('/static', { expireAfter: 0 });
    await api.get('/static', { expireAfter: 0 });
    expect(origin.count).toBe(4);
    await api.get('/static');
    expect((await api.get('/static', { expireAfter: 0 })).fromCache).toBe(false);
    expect(origin.count).toBe(6);
    const off = setup((_, n) => json(n), { expireAfter: 0 });
    await off.api.get('/x');
    await off.api.get('/x');
    expect(off.origin.count).toBe(2);
    expect(await off.backend.responses.size()).toBe(0);
  });

  it('a bad per-request expireAfter is a CacheConfigError at the request', async () => {
    const { api, origin } = setup((_, n) => json(n));
    for (const bad of [NaN, -5, 'soon', {}, true, [1]]) {
      await expect(api.get('/x', { expireAfter: bad as never })).rejects.toThrow(CacheConfigError);
    }
    await expect(api.get('/x', { expireAfter: 'soon' as never })).rejects.toThrow(/expireAfter.*"soon"/);
    await expect(api.get('/x', { clientCache: { staleIfError: 'later' as never } })).rejects.toThrow(
      /clientCache\.staleIfError.*"later"/,
    );
    expect(origin.count).toBe(0);
  });

  it('bad instance options are a CacheConfigError at attachCache', () => {
    const instance = () => axios.create();
    expect(() => attachCache(instance(), { expireAfter: NaN })).toThrow(CacheConfigError);
    expect(() => attachCache(instance(), { expireAfter: Infinity })).toThrow(/expireAfter/);
    expect(() => attachCache(instance(), { urlsExpireAfter: { 'a/*': 'later' as never } })).toThrow(CacheConfigError);
    expect(() => attachCache(instance(), { allowedCodes: ['200' as never] })).toThrow(/allowedCodes/);
    expect(() => attachCache(instance(), { staleIfError: 'x' as never })).toThrow(/staleIfError/);
    const once = attachCache(instance());
    expect(() => attachCache(once)).toThrow(CacheConfigError);
  });

  it('only allowed codes are stored', async () => {
    const { api, origin } = setup((req) => ({ status: req.url.endsWith('404') ? 404 : 500, body: 'nope' }), {
      allowedCodes: [200, 404],
    });
    const notFound = async () => api.get('/404').catch((e: AxiosError) => e);
    const first = await notFound();
    const second = await notFound();
    // A cached 404 rejects exactly as the network one did.
    expect(first).toBeInstanceOf(AxiosError);
    expect(second).toBeInstanceOf(AxiosError);
    expect((second as AxiosError).response?.status).toBe(404);
    expect((second as AxiosError).code).toBe(AxiosError.ERR_BAD_REQUEST);
    expect((second as AxiosError).response?.fromCache).toBe(true);
    await api.get('/500').catch(() => undefined);
    await api.get('/500').catch(() => undefined);
    expect(origin.count).toBe(3);
  });

  it('clientCache: false skips the cache for one request', async () => {
    const { api, origin } = setup((_, n) => json(n));
    await api.get('/x');
    const off = await api.get('/x', { clientCache: false });
    expect(off.data).toEqual({ n: 2 });
    expect(off.fromCache).toBe(false);
    expect((await api.get('/x', { clientCache: { enabled: false } })).data).toEqual({ n: 3 });
    expect((await api.get('/x')).data).toEqual({ n: 1 });
    expect(origin.count).toBe(3);
  });

  it('disabled(fn) turns the cache off for that async context only, even while another runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api, origin, backend } = setup(async (req, n) => {
      if (req.url.endsWith('/slow')) await gate;
      return json(n);
    });
    await api.get('/x');
    const disabledRun = backend.disabled(async () => {
      const slow = api.get('/slow');
      const inside = await api.get('/x');
      return [inside, await slow] as const;
    });
    // Meanwhile, in the enabled context.
    const outside = await api.get('/x');
    release();
    const [inside, slow] = await disabledRun;
    expect(inside.fromCache).toBe(false);
    expect(outside.fromCache).toBe(true);
    expect(slow.fromCache).toBe(false);
    expect(await backend.hasUrl(`${BASE}/slow`)).toBe(false);
    expect(backend.enabled).toBe(true);
    expect(origin.count).toBe(3);
  });

  it('the caller mutating res.data never changes what the next hit returns', async () => {
    const { api, origin } = setup((_, n) => json(n));
    const first = await api.get<{ n: number; extra?: string }>('/m');
    first.data.n = 99;
    const second = await api.get<{ n: number }>('/m');
    expect(second.fromCache).toBe(true);
    second.data.n = 100;
    const buf = await api.get<Buffer>('/m', { responseType: 'arraybuffer' });
    expect(buf.fromCache).toBe(true);
    buf.data.fill(0);
    const last = await api.get('/m');
    expect(last.fromCache).toBe(true);
    expect(last.data).toEqual({ n: 1 });
    expect(origin.count).toBe(1);
  });

  it('transformResponse and response interceptors run on cached responses', async () => {
    const { api } = setup(() => json(1));
    const seen: Array<boolean | undefined> = [];
    api.interceptors.response.use((res) => {
      seen.push(res.fromCache);
      return res;
    });
    const transform = (data: string) => ({ wrapped: JSON.parse(data) as unknown });
    const a = await api.get('/t', { transformResponse: [transform] });
    const b = await api.get('/t', { transformResponse: [transform] });
    expect(a.data).toEqual({ wrapped: { n: 1 } });
    expect(b.data).toEqual({ wrapped: { n: 1 } });
    expect(seen).toEqual([false, true]);
  });

  it('request interceptors registered before or after attachCache change the key', async () => {
    const origin = fakeOrigin((req) => json(Number(req.headers.get('x-tenant'))));
    for (const order of ['before', 'after'] as const) {
      const instance = axios.create({ baseURL: BASE, adapter: origin.adapter });
      let tenant = 1;
      const add = () =>
        instance.interceptors.request.use((config) => {
          config.headers.set('X-Tenant', String(tenant));
          return config;
        });
      if (order === 'before') add();
      const api = attachCache(instance, { includeHeaders: ['x-tenant'] });
      if (order === 'after') add();
      expect((await api.get('/me')).data).toEqual({ n: 1 });
      tenant = 2;
      expect((await api.get('/me')).data).toEqual({ n: 2 });
      tenant = 1;
      const again = await api.get('/me');
      expect(again.data).toEqual({ n: 1 });
      expect(again.fromCache).toBe(true);
    }
  });

  it('a per-request adapter is the one the cache calls on a miss', async () => {
    const { api, origin } = setup((_, n) => json(n));
    const other = fakeOrigin(() => json(42));
    const first = await api.get('/own', { adapter: other.adapter });
    const second = await api.get('/own');
    expect(first.data).toEqual({ n: 42 });
    expect(second.data).toEqual({ n: 42 });
    expect(second.fromCache).toBe(true);
    expect([origin.count, other.count]).toEqual([0, 1]);
  });

  it('detachCache restores the instance', async () => {
    const { api, origin } = setup((_, n) => json(n));
    await api.get('/d');
    await api.get('/d');
    const plain = await detachCache(api);
    expect((plain as { cache?: unknown }).cache).toBeUndefined();
    const res = await plain.get('/d');
    expect(res.fromCache).toBeUndefined();
    expect(res.data).toEqual({ n: 2 });
    expect(origin.count).toBe(2);
    // And it can be attached again.
    const again = attachCache(plain);
    await again.get('/d');
    expect((await again.get('/d')).fromCache).toBe(true);
  });

  it('unsafe methods not in allowedMethods invalidate the URL and a same-origin Location', async () => {
    const { api, origin, backend } = setup((req, n) => {
      if (req.method === 'POST')
        return {
          status: 201,
          headers: { location: '/items/9', 'content-location': 'https://elsewhere.example/items/9' },
          body: '',
        };
      if (req.method === 'DELETE' && req.url.endsWith('/fail')) return { status: 500, body: '' };
      return json(n);
    });
    await api.get('/items');
    await api.get('/items/9');
    await api.get('/fail');
    await api.post('/items', { name: 'x' });
    expect(await backend.hasUrl(`${BASE}/items`)).toBe(false);
    expect(await backend.hasUrl(`${BASE}/items/9`)).toBe(false);
    await api.delete('/fail').catch(() => undefined);
    expect(await backend.hasUrl(`${BASE}/fail`)).toBe(true); // an error response invalidates nothing
    expect((await api.get('/items')).fromCache).toBe(false);
    expect(origin.count).toBe(6);
  });

  it('a POST in allowedMethods is cached by its body and invalidates nothing', async () => {
    const { api, origin } = setup((_req, n) => json(n), { allowedMethods: ['GET', 'POST'] });
    await api.get('/search');
    const a = await api.post('/search', { q: 'x' });
    const b = await api.post('/search', { q: 'x' });
    const c = await api.post('/search', { q: 'y' });
    expect([a.fromCache, b.fromCache, c.fromCache]).toEqual([false, true, false]);
    expect((await api.get('/search')).fromCache).toBe(true);
    expect(origin.count).toBe(3);
  });

  it('events and stats()', async () => {
    const { api, backend, clock } = setup((_, n) => json(n), { expireAfter: 10 });
    const events: string[] = [];
    for (const name of ['hit', 'miss', 'stored'] as const) backend.on(name, () => events.push(name));
    await api.get('/e');
    await new Promise((r) => setImmediate(r));
    await api.get('/e');
    await api.get('/e');
    clock.tick(10_000);
    await api.get('/e');
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['miss', 'stored', 'hit', 'hit', 'miss', 'stored']);
    expect(backend.stats()).toMatchObject({ hits: 2, misses: 2, stored: 2, hitRatio: 0.5 });
  });
});

describe('attachCache: HTTP rules (cacheControl on)', () => {
  const cc = (h: Record<string, string>, n = 0): FakeReply => json(n, h);

  it('response Cache-Control beats every expireAfter setting', async () => {
    const { api, clock } = setup((_, n) => cc({ 'cache-control': 'max-age=10' }, n), {
      cacheControl: true,
      expireAfter: 1000,
      urlsExpireAfter: { 'api.example.com/*': 1000 },
    });
    await api.get('/x', { expireAfter: 1000 });
    clock.tick(9_999);
    expect((await api.get('/x')).fromCache).toBe(true);
    clock.tick(1);
    expect((await api.get('/x')).fromCache).toBe(false);
  });

  it('without Cache-Control headers the settings apply', async () => {
    const { api, clock } = setup((_, n) => json(n), { cacheControl: true, expireAfter: 5 });
    await api.get('/x');
    clock.tick(4_999);
    expect((await api.get('/x')).fromCache).toBe(true);
    clock.tick(1);
    expect((await api.get('/x')).fromCache).toBe(false);
  });

  it('Expires: 0 (an invalid date) is already expired; a valid Expires with Date counts from Date', async () => {
    const { api, origin, clock } = setup(
      (req, n) =>
        req.url.endsWith('zero')
          ? cc({ expires: '0' }, n)
          : cc({ date: httpDate(clock.now()), expires: httpDate(clock.now() + 30_000) }, n),
      { cacheControl: true },
    );
    await api.get('/zero');
    expect((await api.get('/zero')).fromCache).toBe(false);
    await api.get('/dated');
    clock.tick(29_000);
    expect((await api.get('/dated')).fromCache).toBe(true);
    expect(origin.count).toBe(3);
  });

  it('Age counts against max-age, and a hit carries an Age header', async () => {
    const { api, clock } = setup(() => cc({ 'cache-control': 'max-age=60', age: '50' }), { cacheControl: true });
    await api.get('/x');
    clock.tick(5_000);
    const hit = await api.get('/x');
    expect(hit.fromCache).toBe(true);
    expect(hit.headers.age).toBe('55');
    clock.tick(5_000);
    expect((await api.get('/x')).fromCache).toBe(false);
  });

  it('no-store is never stored; no-cache is stored but revalidated before each use', async () => {
    const { api, origin } = setup(
      (req, n) =>
        req.url.endsWith('nostore')
          ? cc({ 'cache-control': 'no-store' }, n)
          : req.headers.get('if-none-match') === '"a"'
            ? { status: 304, headers: {} }
            : cc({ 'cache-control': 'no-cache', etag: '"a"' }, n),
      { cacheControl: true },
    );
    await api.get('/nostore');
    expect((await api.get('/nostore')).fromCache).toBe(false);
    await api.get('/nocache');
    const revalidated = await api.get('/nocache');
    expect(revalidated.fromCache).toBe(true);
    expect(revalidated.data).toEqual({ n: 3 });
    expect(origin.seen[3]?.headers.get('if-none-match')).toBe('"a"');
    expect(origin.count).toBe(4);
  });

  it('heuristic freshness from Last-Modified (10%), for a cacheable status', async () => {
    const { api, clock } = setup(
      () => cc({ date: httpDate(clock.now()), 'last-modified': httpDate(clock.now() - 100_000) }),
      { cacheControl: true },
    );
    await api.get('/h');
    clock.tick(9_000);
    expect((await api.get('/h')).fromCache).toBe(true);
    clock.tick(1_000);
    expect((await api.get('/h')).fromCache).toBe(false);
  });

  it('request Cache-Control: no-cache, no-store, max-age, min-fresh, max-stale', async () => {
    // An ETag keeps the entry in the store past its freshness, so max-stale has something to serve.
    const { api, origin, clock } = setup((_, n) => cc({ 'cache-control': 'max-age=100', etag: `"${n}"` }, n), {
      cacheControl: true,
    });
    const get = (header: string) => api.get('/r', { headers: { 'Cache-Control': header } });
    await api.get('/r');
    clock.tick(50_000);
    expect((await get('max-age=60')).fromCache).toBe(true);
    expect((await get('min-fresh=40')).fromCache).toBe(true);
    expect((await get('max-age=40')).fromCache).toBe(false); // refetched: entry now 0s old
    clock.tick(70_000);
    expect((await get('min-fresh=40')).fromCache).toBe(false); // 70s old, 30s left: refetched
    clock.tick(120_000); // 120s old: 20s stale
    expect((await get('max-stale=30')).fromCache).toBe(true);
    expect((await get('max-stale=30')).isExpired).toBe(true);
    expect((await get('max-stale=10')).fromCache).toBe(false);
    const n = origin.count;
    expect((await get('no-cache')).fromCache).toBe(false);
    expect((await get('no-store')).fromCache).toBe(false);
    expect(origin.count).toBe(n + 2);
    expect((await api.get('/r')).fromCache).toBe(true);
  });

  it('only-if-cached: a 504 when nothing usable is stored, the entry when there is', async () => {
    const { api, origin } = setup((_, n) => cc({ 'cache-control': 'max-age=100' }, n), { cacheControl: true });
    const miss = await api.get('/o', { headers: { 'Cache-Control': 'only-if-cached' } }).catch((e: AxiosError) => e);
    expect((miss as AxiosError).response?.status).toBe(504);
    const viaOption = await api.get('/o', { clientCache: { onlyIfCached: true } }).catch((e: AxiosError) => e);
    expect((viaOption as AxiosError).response?.status).toBe(504);
    expect(origin.count).toBe(0);
    await api.get('/o');
    expect((await api.get('/o', { clientCache: { onlyIfCached: true } })).fromCache).toBe(true);
  });

  it('stale-while-revalidate: serves stale at once and refreshes in the background', async () => {
    const { api, origin, clock, backend } = setup(
      (_, n) => cc({ 'cache-control': 'max-age=10, stale-while-revalidate=30' }, n),
      { cacheControl: true },
    );
    await api.get('/s');
    clock.tick(20_000);
    const stale = await api.get('/s');
    expect(stale.fromCache).toBe(true);
    expect(stale.isExpired).toBe(true);
    expect(stale.data).toEqual({ n: 1 });
    await new Promise((r) => setImmediate(r));
    expect(origin.count).toBe(2);
    expect(backend.stats().stale).toBe(1);
    expect((await api.get('/s')).data).toEqual({ n: 2 });
    clock.tick(50_000); // past the window: a plain miss
    expect((await api.get('/s')).fromCache).toBe(false);
  });

  it('stale-if-error from the response directive, and per request', async () => {
    let fail = false;
    const { api, clock } = setup(
      (req, n) =>
        fail
          ? { status: 503, body: 'down' }
          : cc(
              {
                'cache-control': req.url.endsWith('sie') ? 'max-age=10, stale-if-error=60' : 'max-age=10',
                'last-modified': httpDate(0),
              },
              n,
            ),
      { cacheControl: true },
    );
    await api.get('/sie');
    await api.get('/plain');
    fail = true;
    clock.tick(30_000);
    const served = await api.get('/sie');
    expect(served.fromCache).toBe(true);
    expect(served.isExpired).toBe(true);
    await expect(api.get('/plain')).rejects.toMatchObject({ response: { status: 503 } });
    // The 503 did not delete the stale entry: a request that allows stale-if-error still gets it.
    expect((await api.get('/plain', { clientCache: { staleIfError: true } })).data).toEqual({ n: 2 });
    clock.tick(60_000);
    await expect(api.get('/sie')).rejects.toMatchObject({ response: { status: 503 } });
  });

  it('stale-if-error on a network error', async () => {
    let fail = false;
    const { api, clock } = setup(
      (_, n) => {
        if (fail) throw new AxiosError('socket hang up', 'ECONNRESET');
        return cc({ 'cache-control': 'max-age=1' }, n);
      },
      { cacheControl: true, staleIfError: '1h' },
    );
    await api.get('/n');
    fail = true;
    clock.tick(60_000);
    await expect(api.get('/n', { clientCache: { staleIfError: false } })).rejects.toThrow('socket hang up');
    expect((await api.get('/n')).fromCache).toBe(true);
    clock.tick(3_600_000);
    await expect(api.get('/n')).rejects.toThrow('socket hang up');
  });

  it('stale-if-error on a custom adapter’s own network error (a plain Error with ECONNRESET), not on its other errors', async () => {
    let failWith: Error | undefined;
    const { api, clock } = setup(
      (_, n) => {
        if (failWith) throw failWith;
        return cc({ 'cache-control': 'max-age=1' }, n);
      },
      { cacheControl: true, staleIfError: '1h' },
    );
    await api.get('/p');
    clock.tick(60_000);
    failWith = Object.assign(new Error('boom'), { code: 'ECONNRESET' });
    expect((await api.get('/p')).fromCache).toBe(true);
    failWith = Object.assign(new Error('bad state'), { code: 'not-a-network-error' });
    await expect(api.get('/p')).rejects.toThrow('bad state');
    failWith = new TypeError('a bug');
    await expect(api.get('/p')).rejects.toThrow('a bug');
  });

  it('must-revalidate forbids serving stale, even on error or max-stale', async () => {
    let fail = false;
    const { api, clock } = setup(
      (_, n) => (fail ? { status: 500 } : cc({ 'cache-control': 'max-age=1, must-revalidate, stale-if-error=100' }, n)),
      { cacheControl: true },
    );
    await api.get('/m');
    fail = true;
    clock.tick(5_000);
    await expect(api.get('/m', { headers: { 'Cache-Control': 'max-stale=100' } })).rejects.toMatchObject({
      response: { status: 500 },
    });
  });

  it('Vary: a response is used only when the selecting headers match; Vary: * never', async () => {
    const { api, origin } = setup(
      (req, n) =>
        req.url.endsWith('star')
          ? cc({ vary: '*', 'cache-control': 'max-age=60' }, n)
          : cc({ vary: 'Accept-Language', 'cache-control': 'max-age=60' }, n),
      { cacheControl: true },
    );
    const get = (lang: string) => api.get('/v', { headers: { 'Accept-Language': lang } });
    await get('en');
    expect((await get('en')).fromCache).toBe(true);
    expect((await get('fr')).fromCache).toBe(false);
    expect((await get('fr')).fromCache).toBe(true);
    await api.get('/star');
    expect((await api.get('/star')).fromCache).toBe(false);
    expect(origin.count).toBe(4);
  });

  it('shared cache: private is not stored; Authorization only with public, s-maxage or must-revalidate', async () => {
    const { api, origin } = setup(
      (req, n) => {
        const path = req.url.slice(BASE.length);
        const header =
          (
            {
              '/private': 'private, max-age=60',
              '/auth': 'max-age=60',
              '/auth-public': 'public, max-age=60',
              '/auth-smaxage': 's-maxage=60',
              '/auth-mr': 'max-age=60, must-revalidate',
            } as Record<string, string>
          )[path] ?? 'max-age=60';
        return cc({ 'cache-control': header }, n);
      },
      { cacheControl: true, shared: true },
    );
    const auth = { headers: { Authorization: 'Bearer x' } };
    const twice = async (path: string, config = {}) => {
      await api.get(path, config);
      return (await api.get(path, config)).fromCache;
    };
    expect(await twice('/private')).toBe(false);
    expect(await twice('/auth', auth)).toBe(false);
    expect(await twice('/auth-public', auth)).toBe(true);
    expect(await twice('/auth-smaxage', auth)).toBe(true);
    expect(await twice('/auth-mr', auth)).toBe(true);
    expect(origin.count).toBe(7);
    // A private cache stores both.
    const own = setup((_, n) => cc({ 'cache-control': 'private, max-age=60' }, n), { cacheControl: true });
    await own.api.get('/p', auth);
    expect((await own.api.get('/p', auth)).fromCache).toBe(true);
  });

  it('shared-cache rules see an Authorization header added by a request interceptor', async () => {
    const origin = fakeOrigin((_, n) => cc({ 'cache-control': 'max-age=60' }, n));
    const instance = axios.create({ baseURL: BASE, adapter: origin.adapter });
    const api = attachCache(instance, { cacheControl: true, shared: true });
    instance.interceptors.request.use((config) => {
      config.headers.set('Authorization', 'Bearer token');
      return config;
    });
    await api.get('/x');
    expect((await api.get('/x')).fromCache).toBe(false);
    expect(origin.count).toBe(2);
  });

  it('shared cache without cacheControl still never stores a response to an Authorization request', async () => {
    const { api } = setup((_, n) => json(n), { shared: true });
    await api.get('/a', { headers: { Authorization: 'Bearer 1' } });
    expect((await api.get('/a', { headers: { Authorization: 'Bearer 2' } })).data).toEqual({ n: 2 });
  });

  it('refresh: true revalidates with If-None-Match and If-Modified-Since; a 304 merges headers and extends expiry', async () => {
    const lastModified = httpDate(Date.UTC(2025, 0, 1));
    const { api, origin, clock, backend } = setup(
      (req, n) =>
        req.headers.get('if-none-match') === '"v1"'
          ? { status: 304, headers: { 'x-version': 'two', 'cache-control': 'max-age=100' } }
          : cc({ etag: '"v1"', 'last-modified': lastModified, 'x-version': 'one', 'cache-control': 'max-age=100' }, n),
      { cacheControl: true },
    );
    await api.get('/r');
    clock.tick(50_000);
    const refreshed = await api.get('/r', { refresh: true });
    const sent = origin.seen[1];
    expect(sent?.headers.get('if-none-match')).toBe('"v1"');
    expect(sent?.headers.get('if-modified-since')).toBe(lastModified);
    expect(refreshed.status).toBe(200);
    expect(refreshed.fromCache).toBe(true);
    expect(refreshed.data).toEqual({ n: 1 });
    expect(refreshed.headers['x-version']).toBe('two');
    expect(refreshed.headers.etag).toBe('"v1"');
    expect(refreshed.expires).toEqual(new Date(clock.now() + 100_000));
    await new Promise((r) => setImmediate(r));
    clock.tick(99_000); // 149 s after the first response: only fresh because the 304 extended it
    const hit = await api.get('/r');
    expect(hit.fromCache).toBe(true);
    expect(hit.headers['x-version']).toBe('two');
    expect(origin.count).toBe(2);
    const stored = (await backend.responses.read(backend.createKey('GET', `${BASE}/r`))) as CachedResponse;
    expect(stored.headers.get('x-version')).toBe('two');
    expect(backend.stats()).toMatchObject({ revalidated: 1, hits: 1, misses: 2 });
  });

  it('a changed ETag replaces the entry', async () => {
    let version = 1;
    const { api, clock } = setup(
      (req) =>
        req.headers.get('if-none-match') === `"v${version}"`
          ? { status: 304 }
          : cc({ etag: `"v${version}"`, 'cache-control': 'max-age=10' }, version),
      { cacheControl: true },
    );
    await api.get('/e');
    clock.tick(20_000);
    version = 2;
    const changed = await api.get('/e');
    expect(changed.fromCache).toBe(false);
    expect(changed.data).toEqual({ n: 2 });
    expect(changed.headers.etag).toBe('"v2"');
    clock.tick(20_000);
    expect((await api.get('/e')).fromCache).toBe(true); // 304 for v2
  });

  it('a 304 to the caller’s own conditional request does not drop the stored entry', async () => {
    const { api, backend, clock } = setup(
      (req, n) =>
        req.headers.get('if-none-match') === '"mine"'
          ? { status: 304 }
          : cc({ 'cache-control': 'max-age=1, stale-if-error=60' }, n),
      { cacheControl: true },
    );
    await api.get('/own');
    clock.tick(5_000);
    const res = await api.get('/own', { headers: { 'If-None-Match': '"mine"' }, validateStatus: (s) => s === 304 });
    expect(res.status).toBe(304);
    await new Promise((r) => setImmediate(r));
    expect(((await backend.responses.read(res.cacheKey!)) as CachedResponse | undefined)?.status).toBe(200);
  });

  it('RFC 9110 §9.3.3: a POST response with explicit freshness and its own URL as Content-Location answers a later GET', async () => {
    const { api, origin } = setup(
      (req) =>
        req.method === 'POST'
          ? {
              headers: {
                'content-location': '/created',
                'cache-control': 'max-age=60',
                'content-type': 'application/json',
              },
              body: '{"made":1}',
            }
          : json(2),
      { cacheControl: true },
    );
    expect((await api.post('/created', { x: 1 })).data).toEqual({ made: 1 });
    await new Promise((r) => setImmediate(r));
    const get = await api.get('/created');
    expect(get.fromCache).toBe(true);
    expect(get.data).toEqual({ made: 1 });
    // without a matching Content-Location it only invalidates
    await api.post('/other', {});
    expect((await api.get('/other')).fromCache).toBe(false);
    expect(origin.count).toBe(3);
  });

  it('immutable is not revalidated on refresh', async () => {
    const { api, origin } = setup((_, n) => cc({ 'cache-control': 'max-age=100, immutable', etag: '"i"' }, n), {
      cacheControl: true,
    });
    await api.get('/i');
    expect((await api.get('/i', { refresh: true })).fromCache).toBe(true);
    expect(origin.count).toBe(1);
  });
});

describe('concurrency (in-process origin)', () => {
  it('100 concurrent identical misses make one origin request; the in-flight map empties', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api, origin, backend } = setup(async (_, n) => {
      await gate;
      return json(n);
    });
    const all = Promise.all(Array.from({ length: 100 }, () => api.get('/c')));
    await new Promise((r) => setImmediate(r));
    release();
    const responses = await all;
    expect(origin.count).toBe(1);
    expect(new Set(responses.map((r) => JSON.stringify(r.data)))).toEqual(new Set(['{"n":1}']));
    for (let i = 0; i < 200; i++) await api.get(`/distinct/${i}`);
    expect(backend.stats().inFlight).toBe(0);
  });

  it('a shared cache never hands one user’s in-flight response to another', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api, origin } = setup(
      async (req) => {
        await gate;
        return { body: JSON.stringify({ user: req.headers.get('authorization') }) };
      },
      { shared: true },
    );
    const users = ['Bearer a', 'Bearer b', 'Bearer a'];
    const all = Promise.all(users.map((auth) => api.get('/me', { headers: { Authorization: auth } })));
    await new Promise((r) => setImmediate(r));
    release();
    expect((await all).map((r) => r.data.user)).toEqual(users);
    expect(origin.count).toBe(2);
  });

  it('a waiter whose Vary-selected headers differ does not take the leader’s response', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api } = setup(
      async (req) => {
        await gate;
        return {
          headers: { vary: 'accept-language', 'cache-control': 'max-age=60' },
          body: JSON.stringify({ lang: req.headers.get('accept-language') }),
        };
      },
      { cacheControl: true },
    );
    const all = Promise.all(['en', 'fr'].map((lang) => api.get('/v', { headers: { 'Accept-Language': lang } })));
    await new Promise((r) => setImmediate(r));
    release();
    expect((await all).map((r) => r.data.lang)).toEqual(['en', 'fr']);
  });

  it('an origin failure reaches every waiter', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { api, origin, backend } = setup(async () => {
      await gate;
      throw new AxiosError('boom', 'ECONNREFUSED');
    });
    const all = Promise.allSettled(Array.from({ length: 20 }, () => api.get('/f')));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await all;
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'boom')).toBe(true);
    expect(origin.count).toBe(1);
    expect(backend.stats().inFlight).toBe(0);
  });
});

describe('errors and fail-open', () => {
  function toggling(): Serializer & { corrupt: 'no' | 'garbage' | 'wrong-shape' } {
    return {
      corrupt: 'no',
      dumps(value, context) {
        if (this.corrupt === 'garbage') return Buffer.from([0xc1, 0xff, 0x00, 0x13]);
        if (this.corrupt === 'wrong-shape')
          return msgpackSerializer.dumps({ t: 'response', v: FORMAT_VERSION, status: 'x' }, context);
        return msgpackSerializer.dumps(value, context);
      },
      loads: (bytes, context) => msgpackSerializer.loads(bytes, context),
    };
  }

  it.each(['garbage', 'wrong-shape'] as const)(
    'a corrupt entry (%s) is a miss, deleted, and a signature-invalid event',
    async (kind) => {
      const serializer = toggling();
      const responses = new DictCache<CachedResponse>({ serializer });
      const { api, origin, backend } = setup((_, n) => json(n), { responses });
      const invalid: Array<CacheEventMap['signature-invalid']> = [];
      backend.on('signature-invalid', (e) => invalid.push(e));
      serializer.corrupt = kind;
      await api.get('/x');
      await new Promise((r) => setImmediate(r));
      serializer.corrupt = 'no';
      expect(await responses.size()).toBe(1);
      const res = await api.get('/x');
      expect(res.fromCache).toBe(false);
      expect(res.data).toEqual({ n: 2 });
      expect(invalid).toHaveLength(1);
      expect(invalid[0]?.key).toBe(res.cacheKey);
      expect(origin.count).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect((await api.get('/x')).fromCache).toBe(true);
    },
  );

  it('an entry that decodes to something other than a response is a miss too', async () => {
    const responses = new DictCache<CachedResponse>({ serializer: msgpackSerializer });
    const { api, backend } = setup((_, n) => json(n), { responses });
    let signatureInvalid = 0;
    backend.on('signature-invalid', () => {
      signatureInvalid++;
    });
    await (responses as unknown as DictCache<string>).write(backend.createKey('GET', `${BASE}/x`), 'not a response');
    const res = await api.get('/x');
    expect(res.fromCache).toBe(false);
    expect(signatureInvalid).toBe(1);
  });

  it('a store whose read and write throw: the request still succeeds from the origin (fail-open)', async () => {
    class Broken extends DictCache<CachedResponse> {
      override async read(): Promise<CachedResponse | undefined> {
        throw new Error('read failed');
      }
      override async write(): Promise<void> {
        throw new Error('write failed');
      }
    }
    const { api, origin, backend } = setup((_, n) => json(n), { responses: new Broken() });
    const errors: string[] = [];
    backend.on('store-error', (e) => errors.push(`${e.operation}: ${(e.error as Error).message}`));
    expect((await api.get('/x')).data).toEqual({ n: 1 });
    await new Promise((r) => setImmediate(r));
    expect((await api.get('/x')).data).toEqual({ n: 2 });
    expect(origin.count).toBe(2);
    expect(errors).toContain('read: read failed');
    expect(errors).toContain('write: write failed');
    expect(backend.stats().storeErrors).toBeGreaterThanOrEqual(2);
  });
});

describe('cross-process single-flight (a MissLock)', () => {
  /** One lease per key shared by "processes" (backends) in this test; waiters woken on release. */
  function memoryLock() {
    const held = new Map<string, Array<(o: LeaseOutcome) => void>>();
    const releases: Array<{ key: string; outcome: LeaseOutcome }> = [];
    const lock: MissLock = {
      async acquire(key) {
        if (held.has(key)) return undefined;
        held.set(key, []);
        return {
          async release(outcome) {
            releases.push({ key, outcome });
            const waiters = held.get(key) ?? [];
            held.delete(key);
            for (const wake of waiters) wake(outcome);
          },
        };
      },
      wait: (key) =>
        new Promise((resolve) => {
          const waiters = held.get(key);
          if (waiters === undefined) resolve(undefined);
          else waiters.push(resolve);
        }),
    };
    return { lock, releases };
  }

  it('the lease is released only after the store write landed; the other process reads the entry', async () => {
    let releaseWrite!: () => void;
    const writeGate = new Promise<void>((r) => {
      releaseWrite = r;
    });
    class SlowStore extends DictCache<CachedResponse> {
      override async write(key: string, item: CachedResponse, options?: WriteOptions): Promise<void> {
        await writeGate;
        return super.write(key, item, options);
      }
    }
    const responses = new SlowStore();
    const redirects = new DictCache<string>();
    const { lock, releases } = memoryLock();
    const origin = fakeOrigin((_, n) => json(n));
    const processA = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), {
      responses,
      redirects,
      lock,
    });
    const processB = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), {
      responses,
      redirects,
      lock,
    });
    const a = await processA.get('/shared');
    const b = processB.get('/shared');
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(0); // the write has not landed yet
    releaseWrite();
    const bRes = await b;
    expect(releases).toEqual([{ key: a.cacheKey, outcome: { ok: true } }]);
    expect(bRes.fromCache).toBe(true);
    expect(bRes.data).toEqual({ n: 1 });
    expect(origin.count).toBe(1);
  });

  it('the lease holder’s failure never fails the other process’s request: its waiter asks the origin itself', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { lock, releases } = memoryLock();
    const origin = fakeOrigin(async (_, n) => {
      if (n > 1) return json(n);
      await gate;
      throw new AxiosError('origin down', 'ECONNREFUSED');
    });
    const shared = { responses: new DictCache<CachedResponse>(), redirects: new DictCache<string>(), lock };
    const processA = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), shared);
    const processB = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), shared);
    const a = processA.get('/down').catch((e: Error) => e);
    await new Promise((r) => setImmediate(r));
    const b = processB.get('/down').catch((e: Error) => e);
    await new Promise((r) => setImmediate(r));
    expect(origin.count).toBe(1); // B waits on A's lease
    release();
    expect(((await a) as Error).message).toBe('origin down');
    expect(releases[0]?.outcome).toMatchObject({ ok: false, message: 'origin down' });
    const bRes = (await b) as { data: unknown; fromCache: boolean };
    expect(bRes.data).toEqual({ n: 2 });
    expect(bRes.fromCache).toBe(false);
    expect(origin.count).toBe(2);
  });
});

describe('the request config lent to the inner adapter', () => {
  it('comes back unchanged after a miss, a conditional request and an origin error', async () => {
    let fail = false;
    const { api, clock } = setup(
      () => {
        if (fail) throw new AxiosError('origin down', 'ECONNREFUSED');
        return json(1, { etag: '"v1"', 'cache-control': 'max-age=1' });
      },
      { cacheControl: true },
    );
    const validateStatus = (status: number) => status < 300;
    const miss = await api.get('/lent', { validateStatus, responseType: 'json' });
    expect(miss.fromCache).toBe(false);
    expect(miss.config.responseType).toBe('json');
    expect(miss.config.validateStatus).toBe(validateStatus);
    expect('responseEncoding' in miss.config).toBe(false);
    expect(miss.config.headers.get('If-None-Match')).toBeUndefined();
    expect(miss.data).toEqual({ n: 1 });

    clock.tick(5_000);
    const revalidated = await api.get('/lent', { responseType: 'text' });
    expect(revalidated.config.responseType).toBe('text');
    expect(revalidated.config.headers.get('If-None-Match')).toBeUndefined();
    expect(typeof revalidated.data).toBe('string');

    fail = true;
    clock.tick(5_000);
    let sent: InternalAxiosRequestConfig | undefined;
    api.interceptors.request.use((config) => (sent = config));
    const error = await api.get('/lent', { validateStatus }).catch((e: unknown) => e as AxiosError);
    expect(error).toBeInstanceOf(AxiosError);
    expect(sent?.validateStatus).toBe(validateStatus);
    expect(sent?.responseType).toBeUndefined();
    expect(sent !== undefined && 'beforeRedirect' in sent).toBe(false);
  });
});

describe('review fixes', () => {
  const gated = () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    return { gate, release };
  };

  it('a conditional request’s 304 is not handed to a plain request waiting on it', async () => {
    const { gate, release } = gated();
    const { api, origin } = setup(async (req, n) => {
      await gate;
      return req.headers.get('if-none-match') ? { status: 304 } : json(n, { etag: '"e"' });
    });
    const conditional = api.get('/cond', { headers: { 'If-None-Match': '"e"' }, validateStatus: () => true });
    const plain = api.get('/cond');
    await new Promise((r) => setImmediate(r));
    release();
    expect((await conditional).status).toBe(304);
    const mine = await plain;
    expect(mine.status).toBe(200);
    expect(mine.data).toHaveProperty('n');
    expect(origin.count).toBe(2);
  });

  it('a leader cancelled by its own signal does not fail the requests waiting on it: the shared request goes on for them', async () => {
    const { gate, release } = gated();
    let calls = 0;
    const adapter = async (config: InternalAxiosRequestConfig) => {
      calls++;
      await gate;
      if (config.signal?.aborted) throw new AxiosError('canceled', AxiosError.ERR_CANCELED, config);
      return { data: Buffer.from('{"ok":true}'), status: 200, statusText: 'OK', headers: {}, config, request: {} };
    };
    const api = attachCache(axios.create({ baseURL: BASE, adapter }), { expireAfter: 60 });
    const controller = new AbortController();
    const leader = api.get('/x', { signal: controller.signal }).catch((e: unknown) => e as AxiosError);
    const waiter = api.get('/x');
    await new Promise((r) => setImmediate(r));
    controller.abort();
    release();
    expect(((await leader) as AxiosError).code).toBe(AxiosError.ERR_CANCELED);
    expect((await waiter).data).toEqual({ ok: true });
    expect(calls).toBe(1);
  });

  it('when every caller of a shared request has cancelled, the origin request is aborted', async () => {
    const { gate, release } = gated();
    let aborted = false;
    const adapter = async (config: InternalAxiosRequestConfig) => {
      config.signal?.addEventListener?.('abort', () => {
        aborted = true;
      });
      await gate;
      return { data: Buffer.from('{"ok":true}'), status: 200, statusText: 'OK', headers: {}, config, request: {} };
    };
    const api = attachCache(axios.create({ baseURL: BASE, adapter }), { expireAfter: 60 });
    const one = new AbortController();
    const two = new AbortController();
    const first = api.get('/x', { signal: one.signal }).catch((e: unknown) => e as AxiosError);
    const second = api.get('/x', { signal: two.signal }).catch((e: unknown) => e as AxiosError);
    await new Promise((r) => setImmediate(r));
    one.abort();
    await new Promise((r) => setImmediate(r));
    expect(aborted).toBe(false);
    two.abort();
    expect(((await first) as AxiosError).code).toBe(AxiosError.ERR_CANCELED);
    expect(((await second) as AxiosError).code).toBe(AxiosError.ERR_CANCELED);
    expect(aborted).toBe(true);
    release();
  });

  it('a request that is the caller’s alone (its own conditional request, a stream) is aborted by the caller’s signal', async () => {
    const seen: Array<AbortSignal | undefined> = [];
    const adapter = (config: InternalAxiosRequestConfig) => {
      const signal = config.signal as AbortSignal | undefined;
      seen.push(signal);
      // An origin that answers only when its request is aborted: as axios's http adapter does then.
      return new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new AxiosError('canceled', AxiosError.ERR_CANCELED, config))),
      );
    };
    const api = attachCache(axios.create({ baseURL: BASE, adapter }), { expireAfter: 60 });
    const cases = {
      '/conditional': { headers: { 'If-None-Match': '"e"' } },
      '/stream': { responseType: 'stream' as const },
    };
    for (const [url, config] of Object.entries(cases)) {
      const controller = new AbortController();
      const request = api.get(url, { ...config, signal: controller.signal }).catch((e: unknown) => e as AxiosError);
      await new Promise((r) => setImmediate(r));
      controller.abort();
      expect(((await request) as AxiosError).code).toBe(AxiosError.ERR_CANCELED);
      expect(seen.at(-1) === controller.signal).toBe(true);
    }
    expect(seen).toHaveLength(2);
  });

  it('a shared request whose first caller cannot cancel is sent without a signal, and outlives a waiter that cancels', async () => {
    const { gate, release } = gated();
    const seen: unknown[] = [];
    const adapter = async (config: InternalAxiosRequestConfig) => {
      seen.push(config.signal);
      await gate;
      return { data: Buffer.from('{"ok":true}'), status: 200, statusText: 'OK', headers: {}, config, request: {} };
    };
    const api = attachCache(axios.create({ baseURL: BASE, adapter }), { expireAfter: 60 });
    const first = api.get('/x');
    const controller = new AbortController();
    const waiter = api.get('/x', { signal: controller.signal }).catch((e: unknown) => e as AxiosError);
    await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(((await waiter) as AxiosError).code).toBe(AxiosError.ERR_CANCELED);
    release();
    expect((await first).data).toEqual({ ok: true });
    expect(seen).toEqual([undefined]);
  });

  it('a waiter gets the leader’s failure as its own error (its own config)', async () => {
    const { gate, release } = gated();
    const { api } = setup(async () => {
      await gate;
      throw new AxiosError('boom', 'ECONNREFUSED');
    });
    const leader = api.get('/e', { headers: { 'X-Req': 'leader' } }).catch((e: unknown) => e as AxiosError);
    const waiter = api.get('/e', { headers: { 'X-Req': 'waiter' } }).catch((e: unknown) => e as AxiosError);
    await new Promise((r) => setImmediate(r));
    release();
    const [a, b] = (await Promise.all([leader, waiter])) as [AxiosError, AxiosError];
    expect(b).toBeInstanceOf(AxiosError);
    expect(b).not.toBe(a);
    expect(b.message).toBe('boom');
    expect(b.config?.headers?.get('X-Req')).toBe('waiter');
  });

  it('behind another process’s lease, refresh: true still goes to the origin', async () => {
    const busy: MissLock = { acquire: async () => undefined, wait: async () => ({ ok: true }) };
    const { api, origin } = setup((_, n) => json(n), { lock: busy, expireAfter: 60 });
    expect((await api.get('/r')).data).toEqual({ n: 1 });
    expect((await api.get('/r')).fromCache).toBe(true);
    const refreshed = await api.get('/r', { refresh: true });
    expect(refreshed.data).toEqual({ n: 2 });
    expect(origin.count).toBe(2);
  });

  it('with includeHeaders, a POST still invalidates the stored GET of its URL', async () => {
    const { api, origin } = setup((req, n) => (req.method === 'POST' ? { status: 201, body: '{}' } : json(n)), {
      includeHeaders: true,
      expireAfter: 60,
    });
    await api.get('/items');
    expect((await api.get('/items')).fromCache).toBe(true);
    await api.post('/items', { name: 'new' });
    const after = await api.get('/items');
    expect(after.fromCache).toBe(false);
    expect(after.data).toEqual({ n: 3 });
    expect(origin.count).toBe(3);
  });

  it('a cached stream is a byte stream, as the network one is', async () => {
    const { api } = setup((_, n) => json(n), { expireAfter: 60 });
    await api.get('/s');
    const hit = await api.get('/s', { responseType: 'stream' });
    expect(hit.fromCache).toBe(true);
    expect(hit.data.readableObjectMode).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of hit.data) chunks.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ n: 1 });
  });
});

describe('redirect aliases', () => {
  const URL_BASE = 'https://api.example.com';
  const redirected = (history: Array<{ method: string; url: string; status: number }>) => ({
    method: history[0]!.method,
    url: `${URL_BASE}/start`,
    finalUrl: `${URL_BASE}/final`,
    status: 200,
    statusText: 'OK',
    headers: [] as Array<[string, string]>,
    body: Buffer.from('{}'),
    createdAt: Date.now(),
    expires: null,
    history,
  });

  it('only GET and HEAD hops get an alias; a POST hop does not make a GET alias', async () => {
    const { CachedResponse: Response } = await import('@axios-client-cache/core');
    const backend = new CacheBackend({ allowedMethods: ['GET', 'HEAD', 'POST'] });
    const entry = new Response(
      redirected([
        { method: 'POST', url: `${URL_BASE}/search`, status: 303 },
        { method: 'GET', url: `${URL_BASE}/results`, status: 302 },
      ]),
    );
    await backend.saveResponse(entry, 'main-key');
    expect(await backend.hasUrl(`${URL_BASE}/results`)).toBe(true);
    expect(await backend.hasUrl(`${URL_BASE}/search`)).toBe(false);
  });

  it('with includeHeaders no alias is written (it could not carry the request’s headers)', async () => {
    const { CachedResponse: Response } = await import('@axios-client-cache/core');
    const backend = new CacheBackend({ includeHeaders: ['authorization'], shared: true });
    await backend.saveResponse(
      new Response(
        redirected([
          { method: 'GET', url: `${URL_BASE}/me`, status: 302 },
          { method: 'GET', url: `${URL_BASE}/users/y`, status: 302 },
        ]),
      ),
      'main-key',
    );
    expect(await backend.redirects.size()).toBe(0);
    expect(await backend.hasUrl(`${URL_BASE}/me`)).toBe(false);
  });
});

describe('an entry of another format version', () => {
  it('is a plain miss: not deleted, no signature-invalid event', async () => {
    const { DictCache: Dict, msgpackSerializer, CachedResponse: Response } = await import('@axios-client-cache/core');
    const otherRelease: Serializer = { dumps: msgpackSerializer.dumps, loads: () => ({ t: 'response', v: 99 }) };
    const responses = new Dict<CachedResponse>({ serializer: otherRelease });
    const backend = new CacheBackend({ responses });
    const events: unknown[] = [];
    backend.on('signature-invalid', (e) => events.push(e));
    await backend.saveResponse(
      new Response({
        method: 'GET',
        url: 'https://a.example/v',
        finalUrl: 'https://a.example/v',
        status: 200,
        statusText: 'OK',
        headers: [],
        body: Buffer.from('x'),
        createdAt: Date.now(),
        expires: null,
      }),
      'k',
    );
    expect(await backend.getResponse('k')).toBeUndefined();
    expect(events).toHaveLength(0);
    expect(await responses.contains('k')).toBe(true);
  });
});
