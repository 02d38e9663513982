/**
 * Several variants per URL (RFC 9111 §4.1): responses with `Vary`, one per set of selecting
 * request headers, all under the URL's one entry. Through real axios and an in-process origin.
 */
import axios from 'axios';
import {
  attachCache,
  CacheBackend,
  CachedVariants,
  CacheConfigError,
  type CacheBackendOptions,
} from '@axios-client-cache/core';
import { fakeOrigin, manualClock, type FakeSeen } from './helpers/fake-origin.js';

const BASE = 'https://api.example.com';

function setup(options: CacheBackendOptions = {}, vary = 'Accept-Language') {
  const clock = manualClock();
  const origin = fakeOrigin((req: FakeSeen) => ({
    headers: {
      vary,
      'cache-control': 'max-age=600',
      'content-language': (req.headers.get('accept-language') as string) ?? 'none',
    },
    body: JSON.stringify({ lang: req.headers.get('accept-language') ?? null, n: Math.random() }),
  }));
  const backend = new CacheBackend({ clock: clock.now, cacheControl: true, ...options });
  const api = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), backend);
  const get = (lang?: string) => api.get('/page', lang === undefined ? {} : { headers: { 'Accept-Language': lang } });
  const settle = () => new Promise((r) => setImmediate(r));
  return { api, origin, backend, get, settle };
}

describe('variants', () => {
  it('alternating Accept-Language en / de: each variant is stored, and each is served to its own requests', async () => {
    const { get, origin, settle } = setup();
    const en = await get('en');
    await settle();
    const de = await get('de');
    await settle();
    for (let i = 0; i < 3; i++) {
      expect((await get('en')).data).toEqual(en.data);
      expect((await get('de')).data).toEqual(de.data);
    }
    expect(origin.count).toBe(2);
  });

  it('are one entry under the URL’s key: getUrls, deleteUrl and an unsafe method see every variant', async () => {
    const { api, backend, get, origin, settle } = setup();
    await get('en');
    await settle();
    await get('de');
    await settle();
    const key = backend.createKey('GET', `${BASE}/page`);
    expect(await backend.responses.read(key)).toBeInstanceOf(CachedVariants);
    expect(await backend.responses.size()).toBe(1);
    const urls: string[] = [];
    for await (const url of backend.getUrls()) urls.push(url);
    expect(urls).toEqual([`${BASE}/page`]);
    await backend.deleteUrl(`${BASE}/page`);
    expect((await get('en')).fromCache).toBe(false);
    await settle();
    expect((await get('de')).fromCache).toBe(false);
    await settle();
    await api.post('/page', {});
    expect((await get('en')).fromCache).toBe(false);
    expect(origin.count).toBe(6);
  });

  it('selecting headers are compared normalised: whitespace, and the order and case of a set-valued field', async () => {
    const { get, origin, settle } = setup();
    await get('en-GB, de');
    await settle();
    expect((await get('en-gb,de')).fromCache).toBe(true);
    expect((await get('de, en-GB')).fromCache).toBe(true);
    expect((await get('fr')).fromCache).toBe(false);
    expect(origin.count).toBe(2);
  });

  it('a variant stored without the header answers only requests without it', async () => {
    const { get, origin, settle } = setup();
    await get();
    await settle();
    expect((await get()).fromCache).toBe(true);
    expect((await get('en')).fromCache).toBe(false);
    expect(origin.count).toBe(2);
  });

  it('at most maxVariants per URL: one more drops the oldest', async () => {
    const { get, origin, settle } = setup({ maxVariants: 2 });
    for (const lang of ['en', 'de', 'fr']) {
      await get(lang);
      await settle();
    }
    expect((await get('de')).fromCache).toBe(true);
    expect((await get('fr')).fromCache).toBe(true);
    expect((await get('en')).fromCache).toBe(false); // the oldest went
    expect(origin.count).toBe(4);
  });

  it('a response without Vary replaces the variants', async () => {
    let vary = true;
    const origin = fakeOrigin((req) => ({
      headers: { ...(vary ? { vary: 'X-Tenant' } : {}), 'cache-control': 'max-age=600' },
      body: JSON.stringify({ tenant: req.headers.get('x-tenant') ?? null }),
    }));
    const backend = new CacheBackend({ cacheControl: true });
    const api = attachCache(axios.create({ baseURL: BASE, adapter: origin.adapter }), backend);
    await api.get('/t', { headers: { 'X-Tenant': 'a' } });
    await new Promise((r) => setImmediate(r));
    vary = false;
    await api.get('/t', { headers: { 'X-Tenant': 'b' }, refresh: true });
    await new Promise((r) => setImmediate(r));
    expect(await backend.responses.read(backend.createKey('GET', `${BASE}/t`))).not.toBeInstanceOf(CachedVariants);
  });

  it('maxVariants is validated', () => {
    for (const bad of [0, 65, 1.5, '8', NaN]) {
      expect(() => new CacheBackend({ maxVariants: bad as never })).toThrow(CacheConfigError);
    }
  });
});
