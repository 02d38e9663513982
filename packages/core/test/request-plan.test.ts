/** The request plan: what the cache decides about a request before looking anything up. */
import { createHmac } from 'node:crypto';
import { CacheConfigError } from '../src/errors.js';
import { resolveSettings, type CacheBackendOptions } from '../src/options.js';
import { Planner, type PlanInput } from '../src/request-plan.js';

const URL = 'https://api.example.com/items';
const planner = (options: CacheBackendOptions = {}, secret = 'secret') =>
  new Planner(resolveSettings(options, false), (v) => createHmac('sha256', secret).update(v).digest('hex'));
const plan = (input: PlanInput = {}, options: CacheBackendOptions = {}) =>
  planner(options).plan({ url: URL, ...input });

describe('credentials', () => {
  it.each<[string, PlanInput]>([
    ['an Authorization header', { headers: { Authorization: 'Bearer a' } }],
    ['the auth option', { auth: { username: 'u', password: 'p' } }],
    ['user info in the URL', { url: 'https://u:p@api.example.com/items' }],
    ['user info in the baseURL', { baseURL: 'https://u:p@api.example.com', url: '/items' }],
    ['a Cookie header', { headers: { cookie: 'sid=1' } }],
    ['a Proxy-Authorization header', { headers: { 'Proxy-Authorization': 'Basic x' } }],
    ['the proxy.auth option', { proxy: { auth: { username: 'u', password: 'p' } } }],
    ['an API-key header', { headers: { 'X-Api-Key': 'k' } }],
  ])('%s: keyed apart from an anonymous request, and from other credentials', (_case, input) => {
    const with1 = plan(input);
    expect(with1.credentialed).toBe(true);
    expect(with1.key).not.toBe(plan().key);
    expect(with1.bypass).toBeUndefined();
  });

  it('the same credentials give the same key, sent as a header or through auth', () => {
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    expect(plan({ auth: { username: 'u', password: 'p' } }).key).toBe(plan({ headers: { Authorization: basic } }).key);
    expect(plan({ headers: { Authorization: 'Bearer a' } }).key).not.toBe(
      plan({ headers: { Authorization: 'Bearer b' } }).key,
    );
  });

  it('enter the key as an HMAC keyed by the secret: another secret, another key', () => {
    const input = { url: URL, headers: { Authorization: 'Bearer a' } };
    expect(planner({}, 'one').plan(input).key).not.toBe(planner({}, 'two').plan(input).key);
    expect(planner({}, 'one').plan({ url: URL }).key).toBe(planner({}, 'two').plan({ url: URL }).key);
  });

  it("credentials: 'skip' sends them around the cache; 'share' keys them as one", () => {
    expect(plan({ headers: { Authorization: 'Bearer a' } }, { credentials: 'skip' }).bypass).toBe('credentials');
    const share = (token: string) => plan({ headers: { Authorization: token } }, { credentials: 'share' }).key;
    expect(share('Bearer a')).toBe(share('Bearer b'));
    expect(share('Bearer a')).toBe(plan({}, { credentials: 'share' }).key);
  });

  it('the plan reads Authorization as axios will send it (auth wins, as in the http adapter)', () => {
    const p = plan({ auth: { username: 'u', password: 'p' }, headers: { Authorization: 'Bearer ignored' } });
    expect(p.header('authorization')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(p.authorized).toBe(true);
  });
});

describe('what else enters the key', () => {
  it.each<[string, PlanInput]>([
    ['a Host header', { headers: { Host: 'other.example' } }],
    ['decompress: false', { decompress: false }],
    ['maxRedirects: 0', { maxRedirects: 0 }],
    ['a socketPath', { socketPath: '/tmp/s.sock' }],
  ])('%s', (_case, input) => {
    expect(plan(input).key).not.toBe(plan().key);
  });

  it('a plain request’s key is createKey’s', async () => {
    const { createKey } = await import('../src/cache-key.js');
    expect(plan({ params: { b: 2, a: 1 } }).key).toBe(createKey('GET', URL, { params: { a: 1, b: 2 } }));
  });
});

describe('bypass reasons', () => {
  it.each<[string, PlanInput, CacheBackendOptions, string]>([
    ['clientCache: false', { clientCache: false }, {}, 'disabled'],
    ['clientCache.enabled false', { clientCache: { enabled: false } }, {}, 'disabled'],
    ['a method not in allowedMethods', { method: 'post' }, {}, 'method'],
    ['a per-request expireAfter of 0', { expireAfter: 0 }, { cacheControl: true }, 'expire-after-0'],
    ['a URL rule of 0 without cacheControl', {}, { urlsExpireAfter: { 'api.example.com/items': 0 } }, 'expire-after-0'],
    ['an instance expireAfter of 0 without cacheControl', {}, { expireAfter: 0 }, 'expire-after-0'],
    [
      'request Cache-Control: no-store (with cacheControl)',
      { headers: { 'Cache-Control': 'no-store' } },
      { cacheControl: true },
      'request-no-store',
    ],
    [
      'a body that cannot be keyed',
      { method: 'post', data: new (class Stream {})() },
      { allowedMethods: ['POST'] },
      'body',
    ],
    ['a URL that cannot be resolved', { url: '/relative' }, {}, 'url'],
    ['a Range request for several ranges', { headers: { Range: 'bytes=0-1, 5-6' } }, {}, 'range'],
    ['a Range request in another unit', { headers: { Range: 'items=0-1' } }, {}, 'range'],
    ['a Range request of a HEAD', { method: 'head', headers: { Range: 'bytes=0-1' } }, {}, 'range'],
  ])('%s', (_case, input, options, reason) => {
    expect(plan(input, options).bypass).toBe(reason);
  });

  it('one byte range of a GET is planned, not bypassed, and never shares a flight', () => {
    const ranged = plan({ headers: { Range: 'bytes=-5' } });
    expect(ranged.bypass).toBeUndefined();
    expect(ranged.range).toEqual({ suffix: 5 });
    expect(ranged.flightKey).toBeUndefined();
    expect(ranged.key).toBe(plan().key);
  });

  it('with cacheControl, a URL rule or instance expireAfter of 0 does not bypass (headers may still allow storing)', () => {
    expect(plan({}, { cacheControl: true, expireAfter: 0 }).bypass).toBeUndefined();
  });

  it('an unsafe method invalidates; a safe one does not', () => {
    expect(plan({ method: 'delete' }).invalidates).toBe(true);
    expect(plan({ method: 'options' }).invalidates).toBe(false);
  });
});

describe('flight keys', () => {
  it('identical requests share one', () => {
    expect(plan().flightKey).toBe(plan().flightKey);
  });

  it.each<[string, PlanInput]>([
    ['a conditional request of the caller’s own', { headers: { 'If-None-Match': '"x"' } }],
    ['a stream', { responseType: 'stream' }],
  ])('%s never shares', (_case, input) => {
    expect(plan(input).flightKey).toBeUndefined();
  });

  it.each<[string, PlanInput]>([
    ['maxContentLength', { maxContentLength: 10 }],
    ['maxRedirects', { maxRedirects: 3 }],
    ['timeout', { timeout: 500 }],
  ])('a leader’s own %s makes a flight of its own', (_case, input) => {
    expect(plan(input).flightKey).not.toBe(plan().flightKey);
    expect(plan(input).key).toBe(plan().key);
  });
});

describe('per-request values are validated', () => {
  it.each<[string, PlanInput, RegExp]>([
    ['refresh', { refresh: 'yes' }, /refresh.*"yes"/],
    ['expireAfter', { expireAfter: 'soon' }, /expireAfter.*"soon"/],
    ['clientCache null', { clientCache: null }, /clientCache.*null/],
    ['clientCache an array', { clientCache: [] }, /clientCache/],
    ['clientCache.enabled', { clientCache: { enabled: 1 } }, /clientCache\.enabled/],
    ['clientCache.onlyIfCached', { clientCache: { onlyIfCached: 'yes' } }, /clientCache\.onlyIfCached/],
    ['clientCache.staleIfError', { clientCache: { staleIfError: 'later' } }, /clientCache\.staleIfError.*"later"/],
    ['clientCache.tags', { clientCache: { tags: 'users' } }, /clientCache\.tags/],
    ['an unknown clientCache key', { clientCache: { refresh: true } }, /clientCache\.refresh/],
  ])('%s', (_case, input, message) => {
    expect(() => plan(input)).toThrow(CacheConfigError);
    expect(() => plan(input)).toThrow(message);
  });
});
