/**
 * The shared-cache safety suite: a RedisBackend with its defaults, real axios, a real origin
 * on 127.0.0.1 and a real redis-server; one test per rule of SPEC §2 ("Shared caches and
 * credentials", "One request in flight per key", "Streams"). Each test is an attack or a
 * fault a user of a team-shared cache could meet.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { Redis } from 'ioredis';
import {
  attachCache,
  CacheBackend,
  CacheConfigError,
  type CachedAxiosInstance,
  type CacheEventMap,
} from '@axios-client-cache/core';
import { MemoryBackend } from '@axios-client-cache/memory';
import { RedisBackend, type RedisBackendOptions } from '@axios-client-cache/redis';
import { startOrigin, type Handler, type Origin } from '../../core/test/helpers/origin.js';
import { describeIf, REDIS_URL, uniqueName } from './helpers/env.js';

const SECRET = 'k'.repeat(32);
let origin: Origin;
let redis: Redis;
const backends: RedisBackend[] = [];

function cache(options: RedisBackendOptions = {}): {
  api: CachedAxiosInstance<AxiosInstance>;
  backend: RedisBackend;
  cacheName: string;
} {
  const cacheName = options.cacheName ?? uniqueName('safety');
  // A generous deadline: these tests are about who sees what, not about a busy machine failing open.
  const backend = new RedisBackend({ url: REDIS_URL, timeoutMs: 2000, ...options, cacheName });
  backends.push(backend);
  return { api: attachCache(axios.create({ baseURL: origin.url }), backend), backend, cacheName };
}

/** Every byte Redis holds for a cache, as one buffer to search for secrets. */
async function everythingStored(cacheName: string): Promise<Buffer> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${cacheName}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const values = await Promise.all(keys.map((k) => redis.getBuffer(k)));
  return Buffer.concat([Buffer.from(keys.join('\n')), ...values.filter((v): v is Buffer => v !== null)]);
}

/** Lets background writes land. */
const settle = () => new Promise((r) => setTimeout(r, 50));

/** An origin that says who asked: the credentials and tenant it saw. */
const whoAsked: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      authorization: req.headers.authorization ?? null,
      cookie: req.headers.cookie ?? null,
      tenant: req.headers['x-tenant'] ?? null,
      host: req.headers.host,
    }),
  );
};

describeIf(REDIS_URL, 'REDIS_URL not set')('a shared cache never hands one user’s response to another', () => {
  beforeAll(() => {
    redis = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    await redis.quit();
  });
  afterEach(async () => {
    for (const b of backends.splice(0)) {
      await b.clear().catch(() => undefined);
      await b.close();
    }
    await origin?.close();
  });

  describe('credentials (default credentials: isolate)', () => {
    it('the axios auth option: Alice’s response is neither Bob’s nor an anonymous caller’s', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      const alice = await api.get('/me', { auth: { username: 'alice', password: 'pw-a' } });
      expect(alice.data.authorization).toBe(`Basic ${Buffer.from('alice:pw-a').toString('base64')}`);
      await settle();
      const bob = await api.get('/me', { auth: { username: 'bob', password: 'pw-b' } });
      expect(bob.fromCache).toBe(false);
      expect(bob.data.authorization).toBe(`Basic ${Buffer.from('bob:pw-b').toString('base64')}`);
      const anonymous = await api.get('/me');
      expect(anonymous.fromCache).toBe(false);
      expect(anonymous.data.authorization).toBeNull();
      // each caller still gets its own response from the cache
      await settle();
      expect((await api.get('/me', { auth: { username: 'alice', password: 'pw-a' } })).data.authorization).toBe(
        alice.data.authorization,
      );
      expect(origin.count('/me')).toBe(3);
    });

    it('auth fields that are not strings are sent as axios sends them, and keyed so', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
      const pin = (password: unknown) => ({ auth: { username: 'alice', password } as never });
      expect((await api.get('/me', pin(1234))).data.authorization).toBe(basic('alice:1234'));
      await settle();
      const wrong = await api.get('/me', pin(9999));
      expect(wrong.fromCache).toBe(false);
      expect(wrong.data.authorization).toBe(basic('alice:9999'));
      // Numbers on both sides are still credentials: an anonymous caller never gets their answer.
      expect((await api.get('/me', { auth: { username: 1001, password: 2002 } as never })).data.authorization).toBe(
        basic('1001:2002'),
      );
      await settle();
      const anonymous = await api.get('/me');
      expect(anonymous.fromCache).toBe(false);
      expect(anonymous.data.authorization).toBeNull();
      // Even empty fields replace the Authorization header on the wire: Basic ":".
      const empty = await api.get('/me', {
        auth: { username: '', password: '' },
        headers: { Authorization: 'Bearer x' },
      });
      expect(empty.data.authorization).toBe(basic(':'));
      const bearer = await api.get('/me', { headers: { Authorization: 'Bearer x' } });
      expect(bearer.fromCache).toBe(false);
      expect(bearer.data.authorization).toBe('Bearer x');
    });

    it('user info in the URL is what axios sends, over an Authorization header: it keys the request', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      const at = (user: string) => origin.url.replace('http://', `http://${user}:pw@`);
      const shared = { headers: { Authorization: 'Bearer shared-app-token' } };
      const alice = await api.get(`${at('alice')}/doc`, shared);
      expect(alice.data.authorization).toBe(`Basic ${Buffer.from('alice:pw').toString('base64')}`);
      await settle();
      const mallory = await api.get(`${at('mallory')}/doc`, shared);
      expect(mallory.fromCache).toBe(false);
      expect(mallory.data.authorization).toBe(`Basic ${Buffer.from('mallory:pw').toString('base64')}`);
    });

    it('proxy credentials in every form axios sends them are credentials', async () => {
      origin = await startOrigin((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ proxyAuthorization: req.headers['proxy-authorization'] ?? null }));
      });
      const { api } = cache();
      const { hostname, port } = new URL(origin.url);
      const at = { protocol: 'http', host: hostname, port: Number(port) };
      const forms: Array<[string, unknown]> = [
        ['alice:a', { ...at, username: 'alice', password: 'a' }],
        ['bob:b', { ...at, auth: 'bob:b' }],
        ['carol:c', new URL(`http://carol:c@${hostname}:${port}`)],
        ['dave:d', { ...at, auth: { username: 'dave', password: 'd' } }],
      ];
      for (const [userPass, proxy] of forms) {
        const res = await api.get('http://service.test/me', { proxy: proxy as never });
        expect(res.fromCache).toBe(false);
        expect(res.data.proxyAuthorization).toBe(`Basic ${Buffer.from(userPass).toString('base64')}`);
        await settle();
      }
      const none = await api.get('http://service.test/me', { proxy: at });
      expect(none.fromCache).toBe(false);
      expect(none.data.proxyAuthorization).toBeNull();
    });

    it('an Authorization header added by a request interceptor registered after attachCache', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      let token = 'alice-token';
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${token}`);
        return config;
      });
      await api.get('/me');
      await settle();
      token = 'bob-token';
      const bob = await api.get('/me');
      expect(bob.fromCache).toBe(false);
      expect(bob.data.authorization).toBe('Bearer bob-token');
    });

    it('user info in the URL', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      const at = (user: string) => origin.url.replace('http://', `http://${user}:pw@`);
      await api.get(`${at('alice')}/me`);
      await settle();
      const bob = await api.get(`${at('bob')}/me`);
      expect(bob.fromCache).toBe(false);
      expect(bob.data.authorization).toBe(`Basic ${Buffer.from('bob:pw').toString('base64')}`);
      expect((await api.get(`${origin.url}/me`)).data.authorization).toBeNull();
    });

    it('a Cookie header', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      await api.get('/me', { headers: { Cookie: 'sid=alice' } });
      await settle();
      const bob = await api.get('/me', { headers: { Cookie: 'sid=bob' } });
      expect(bob.fromCache).toBe(false);
      expect(bob.data.cookie).toBe('sid=bob');
      expect((await api.get('/me')).data.cookie).toBeNull();
    });

    it('includeHeaders: true with ignoredParams naming authorization still keys by credentials', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache({ includeHeaders: true, ignoredParams: ['authorization'] });
      await api.get('/me', { headers: { Authorization: 'Bearer alice' } });
      await settle();
      const bob = await api.get('/me', { headers: { Authorization: 'Bearer bob' } });
      expect(bob.fromCache).toBe(false);
      expect(bob.data.authorization).toBe('Bearer bob');
    });

    it('credentials: skip never caches a request with credentials; share treats them as one', async () => {
      origin = await startOrigin(whoAsked);
      const skip = cache({ credentials: 'skip' });
      const reasons: string[] = [];
      skip.backend
        .on('miss', () => reasons.push('miss'));
      await skip.api.get('/me', { headers: { Authorization: 'Bearer a' } });
      await settle();
      expect((await skip.api.get('/me', { headers: { Authorization: 'Bearer a' } })).fromCache).toBe(false);
      expect(reasons).toEqual([]); // never even looked up
      const share = cache({ credentials: 'share' });
      await share.api.get('/svc', { headers: { Authorization: 'Bearer service' } });
      await settle();
      expect((await share.api.get('/svc', { headers: { Authorization: 'Bearer service-2' } })).fromCache).toBe(true);
    });
  });

  it('a write by one user invalidates what every user stored for its URL, in every process', async () => {
    let version = 1;
    origin = await startOrigin((req, res) => {
      if (req.method === 'PUT') version++;
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'public, max-age=600');
      res.end(JSON.stringify({ version, authorization: req.headers.authorization ?? null }));
    });
    const one = cache();
    // Another process of the team: its own backend on the same Redis and cacheName.
    const two = cache({ cacheName: one.cacheName });
    const as = (who: string) => ({ headers: { Authorization: `Bearer ${who}` } });
    for (const who of ['alice', 'bob', 'carol']) expect((await one.api.get('/doc/1', as(who))).data.version).toBe(1);
    expect((await one.api.get('/doc/1', { decompress: false })).data.version).toBe(1);
    await settle();
    expect((await two.api.get('/doc/1', as('bob'))).fromCache).toBe(true);
    await one.api.put('/doc/1', 'v2', as('alice'));
    // Bob in the other process, Carol in this one, and a request keyed by its wire options.
    const bob = await two.api.get('/doc/1', as('bob'));
    expect(bob.fromCache).toBe(false);
    expect(bob.data).toEqual({ version: 2, authorization: 'Bearer bob' });
    const carol = await one.api.get('/doc/1', as('carol'));
    expect(carol.fromCache).toBe(false);
    expect(carol.data.version).toBe(2);
    const raw = await two.api.get('/doc/1', { decompress: false });
    expect(raw.fromCache).toBe(false);
    expect(raw.data.version).toBe(2);
    // What is stored after the write is served again.
    await settle();
    expect((await one.api.get('/doc/1', as('bob'))).fromCache).toBe(true);
  });

  describe('responses a shared cache never stores, with or without cacheControl', () => {
    it.each([false, true])(
      'Set-Cookie (cacheControl: %s): another user never gets Alice’s session cookie',
      async (cacheControl) => {
        let n = 0;
        origin = await startOrigin((_req, res) => {
          n++;
          res.setHeader('set-cookie', `sid=session-${n}`);
          res.setHeader('cache-control', 'max-age=60');
          res.end(`{"n":${n}}`);
        });
        const { api, backend } = cache({ cacheControl });
        const notStored: Array<CacheEventMap['not-stored']> = [];
        backend.on('not-stored', (e) => notStored.push(e));
        expect((await api.get('/login')).headers['set-cookie']).toEqual(['sid=session-1']);
        await settle();
        const other = await api.get('/login');
        expect(other.fromCache).toBe(false);
        expect(other.headers['set-cookie']).toEqual(['sid=session-2']);
        expect(notStored.map((e) => e.reason)).toEqual(['set-cookie', 'set-cookie']);
      },
    );

    it.each([
      ['private', 'private, max-age=60'],
      ['no-store', 'no-store'],
    ])('Cache-Control: %s without cacheControl', async (reason, header) => {
      origin = await startOrigin((_req, res, _body, seen) => {
        res.setHeader('cache-control', header);
        res.end(`{"n":${seen.length}}`);
      });
      const { api, backend } = cache({ expireAfter: 60 });
      const notStored: string[] = [];
      backend.on('not-stored', (e) => notStored.push(e.reason));
      await api.get('/p');
      await settle();
      expect((await api.get('/p')).data).toEqual({ n: 2 });
      expect(notStored).toEqual([reason, reason]);
    });

    it('Vary selects without cacheControl: tenant B never gets tenant A’s response', async () => {
      origin = await startOrigin((req, res) => {
        res.setHeader('vary', 'X-Tenant');
        whoAsked(req, res, '', []);
      });
      const { api } = cache();
      await api.get('/data', { headers: { 'X-Tenant': 'a' } });
      await settle();
      const b = await api.get('/data', { headers: { 'X-Tenant': 'b' } });
      expect(b.fromCache).toBe(false);
      expect(b.data.tenant).toBe('b');
      expect((await api.get('/data')).data.tenant).toBeNull();
    });

    it('Vary on headers axios adds itself (Accept-Encoding, User-Agent) selects as the request was planned: a repeat is a hit', async () => {
      origin = await startOrigin((req, res) => {
        res.setHeader('vary', 'Accept-Encoding, User-Agent');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ua: req.headers['user-agent'] ?? null }));
      });
      const { api } = cache();
      const first = await api.get('/v');
      expect(first.data.ua).toMatch(/^axios\//);
      await settle();
      expect((await api.get('/v')).fromCache).toBe(true);
      const other = await api.get('/v', { headers: { 'User-Agent': 'other-client' } });
      expect(other.fromCache).toBe(false);
      expect(other.data.ua).toBe('other-client');
    });
  });

  describe('keys see the request as it goes on the wire', () => {
    it('the Host header', async () => {
      origin = await startOrigin(whoAsked);
      const { api } = cache();
      expect((await api.get('/h', { headers: { Host: 'one.example' } })).data.host).toBe('one.example');
      await settle();
      const two = await api.get('/h', { headers: { Host: 'two.example' } });
      expect(two.fromCache).toBe(false);
      expect(two.data.host).toBe('two.example');
    });

    it('decompress: false stores the encoded bytes under a key of its own', async () => {
      const body = JSON.stringify({ hello: 'world' });
      origin = await startOrigin((_req, res) => {
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(body));
      });
      const { api } = cache();
      const raw = await api.get<Buffer>('/z', { decompress: false, responseType: 'arraybuffer' });
      expect(gunzipSync(raw.data).toString()).toBe(body);
      await settle();
      const decoded = await api.get('/z');
      expect(decoded.fromCache).toBe(false);
      expect(decoded.data).toEqual({ hello: 'world' });
      expect(decoded.headers['content-encoding']).toBeUndefined();
    });

    it('maxRedirects: 0 answers with the redirect itself, under a key of its own', async () => {
      origin = await startOrigin((req, res) => {
        if (req.url === '/from') {
          res.statusCode = 302;
          res.setHeader('location', '/to');
          res.end();
          return;
        }
        res.end('{"final":true}');
      });
      const { api } = cache({ allowedCodes: [200, 302] });
      const redirect = await api.get('/from', { maxRedirects: 0, validateStatus: () => true });
      expect(redirect.status).toBe(302);
      await settle();
      const followed = await api.get('/from');
      expect(followed.status).toBe(200);
      expect(followed.data).toEqual({ final: true });
    });

    it('a Range request never stores its 206 for a plain GET', async () => {
      origin = await startOrigin((req, res) => {
        if (req.headers.range) {
          res.statusCode = 206;
          res.setHeader('content-range', 'bytes 0-1/10');
          res.end('01');
          return;
        }
        res.end('0123456789');
      });
      const { api } = cache({ allowedCodes: [200, 206] });
      expect((await api.get('/r', { headers: { Range: 'bytes=0-1' } })).status).toBe(206);
      await settle();
      const full = await api.get('/r');
      expect(full.status).toBe(200);
      expect(full.data).toBe('0123456789');
    });
  });

  it('nothing secret is stored in clear: URLs, final URLs, redirect hops, request headers, Vary values', async () => {
    origin = await startOrigin((req, res) => {
      if (req.url?.startsWith('/hop')) {
        res.statusCode = 302;
        res.setHeader('location', '/landing?token=TOKEN-AFTER-REDIRECT');
        res.end();
        return;
      }
      res.setHeader('vary', 'Authorization, Cookie');
      res.end('{"ok":true}');
    });
    const { api, cacheName } = cache({ ignoredParams: ['token'] });
    const withUser = origin.url.replace('http://', 'http://url-user:URL-PASSWORD@');
    await api.get(`${withUser}/hop?token=TOKEN-IN-QUERY`, {
      headers: { Cookie: 'sid=COOKIE-VALUE', Authorization: 'Bearer HEADER-TOKEN' },
    });
    await api.get('/landing', {
      auth: { username: 'basic-user', password: 'BASIC-PASSWORD' },
      headers: { 'Proxy-Authorization': 'Basic PROXY-SECRET' },
    });
    await settle();
    const stored = await everythingStored(cacheName);
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of [
      'URL-PASSWORD',
      'url-user',
      'TOKEN-IN-QUERY',
      'TOKEN-AFTER-REDIRECT',
      'COOKIE-VALUE',
      'HEADER-TOKEN',
      'BASIC-PASSWORD',
      Buffer.from('basic-user:BASIC-PASSWORD').toString('base64'),
      'PROXY-SECRET',
    ]) {
      expect(stored.includes(secret)).toBe(false);
    }
  });

  it('nor shown in clear: events, debug logs and the diagnostics channel redact ignoredParams values', async () => {
    origin = await startOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('{"ok":true}');
    });
    const seen: unknown[] = [];
    const { api, backend } = cache({
      ignoredParams: ['api_key'],
      debug: (message, details) => seen.push([message, details]),
    });
    for (const name of ['hit', 'miss', 'stale', 'revalidated', 'stored', 'not-stored'] as const)
      backend.on(name, (payload) => seen.push([name, payload]));
    const subscriber = (message: unknown) => seen.push(message);
    const channel = diagnostics.channel('axios-client-cache:request');
    channel.subscribe(subscriber);
    try {
      await api.get('/data?api_key=TOPSECRET&page=1');
      await settle();
      await api.get('/data?api_key=TOPSECRET&page=1');
      await api.put('/data?api_key=TOPSECRET&page=1', '{}');
    } finally {
      channel.unsubscribe(subscriber);
    }
    const shown = JSON.stringify(seen);
    expect(shown).toContain('page=1');
    expect(shown).toContain('"miss"');
    expect(shown).not.toContain('TOPSECRET');
  });

  describe('what the shared store holds besides responses is untrusted', () => {
    it.each([
      ['a failure outcome with no TTL', 'O:{"ok":false,"message":"planted","code":"ECONNREFUSED","status":502}'],
      ['a lease with no TTL', 'L:00000000-0000-4000-8000-000000000000'],
      ['garbage', '\u0000\u00ff garbage'],
    ])(
      '%s under the lease key: requests still succeed, from the origin, and then from the cache',
      async (_case, value) => {
        origin = await startOrigin((_req, res, _body, seen) => {
          res.end(`{"n":${seen.length}}`);
        });
        const { api, backend, cacheName } = cache({ expireAfter: 60 });
        const key = backend.createKey('GET', `${origin.url}/planted`);
        await redis.set(`${cacheName}:l:${key}`, value);
        const first = await api.get('/planted');
        expect(first.data).toEqual({ n: 1 });
        await settle();
        expect((await api.get('/planted')).fromCache).toBe(true);
        expect(await redis.get(`${cacheName}:l:${key}`)).not.toBe(value);
      },
      10_000,
    );

    it('garbage under a response key is a miss answered by the origin, and is replaced', async () => {
      origin = await startOrigin((_req, res, _body, seen) => {
        res.end(`{"n":${seen.length}}`);
      });
      const { api, backend, cacheName } = cache({ expireAfter: 60 });
      const key = backend.createKey('GET', `${origin.url}/g`);
      await redis.set(`${cacheName}:r:${key}`, Buffer.from([0xc1, 0xff, 0x00]));
      const invalid: string[] = [];
      backend.on('signature-invalid', (e) => invalid.push(e.key));
      expect((await api.get('/g')).data).toEqual({ n: 1 });
      expect(invalid).toEqual([key]);
      await settle();
      expect((await api.get('/g')).fromCache).toBe(true);
    });

    it('a signed entry copied to another cache of the same secret does not verify there', async () => {
      origin = await startOrigin((_req, res, _body, seen) => {
        res.end(`{"n":${seen.length}}`);
      });
      const a = cache({ secretKey: SECRET, expireAfter: 60 });
      const b = cache({ secretKey: SECRET, expireAfter: 60 });
      const first = await a.api.get('/s');
      await settle();
      const bytes = await redis.getBuffer(`${a.cacheName}:r:${first.cacheKey!}`);
      expect(bytes).not.toBeNull();
      await redis.set(`${b.cacheName}:r:${first.cacheKey!}`, bytes!);
      const invalid: string[] = [];
      b.backend.on('signature-invalid', (e) => invalid.push(e.key));
      const inB = await b.api.get('/s');
      expect(inB.fromCache).toBe(false);
      expect(inB.data).toEqual({ n: 2 });
      expect(invalid).toEqual([first.cacheKey]);
    });
  });

  describe('one request in flight per key, and only when its answer suits them all', () => {
    // With the cross-process lease, and within one process alone (the lease off): single-flight must hold in both.
    const modes: Array<[string, RedisBackendOptions]> = [
      ['with the cross-process lease', {}],
      ['within one process (leaseMs: false)', { leaseMs: false }],
    ];

    /** An origin that answers slowly with ETag "v1" and `cacheControl`, and a 304 to If-None-Match: "v1". */
    const etagOrigin = (cacheControl: string) =>
      startOrigin(async (req, res) => {
        await new Promise((r) => setTimeout(r, 50));
        res.setHeader('etag', '"v1"');
        res.setHeader('cache-control', cacheControl);
        if (req.headers['if-none-match'] === '"v1"') {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.end('{"v":1}');
      });

    it.each(modes)(
      '50 concurrent requests for a stale entry with an ETag make one conditional request (%s)',
      async (_mode, options) => {
        let now = Date.now();
        origin = await etagOrigin('max-age=1');
        const { api } = cache({ ...options, cacheControl: true, clock: () => now });
        await api.get('/e');
        await settle();
        now += 5_000;
        const all = await Promise.all(Array.from({ length: 50 }, () => api.get('/e')));
        expect(all.every((r) => r.data.v === 1)).toBe(true);
        expect(origin.seen.filter((s) => s.headers['if-none-match'] === '"v1"')).toHaveLength(1);
        expect(origin.count('/e')).toBe(2);
      },
    );

    it.each(modes)(
      '50 concurrent refresh: true of an entry with an ETag make one conditional request (%s)',
      async (_mode, options) => {
        origin = await etagOrigin('max-age=60');
        const { api } = cache({ ...options, cacheControl: true });
        await api.get('/f');
        await settle();
        const all = await Promise.all(Array.from({ length: 50 }, () => api.get('/f', { refresh: true })));
        expect(all.every((r) => r.data.v === 1 && r.fromCache === true)).toBe(true);
        expect(origin.seen.filter((s) => s.headers['if-none-match'] === '"v1"')).toHaveLength(1);
        expect(origin.count('/f')).toBe(2);
      },
    );

    it('a process that closes right after a miss leaves its answer stored and no lease behind', async () => {
      origin = await startOrigin((_req, res) => {
        res.end('{"ok":true}');
      });
      const { api, backend, cacheName } = cache({ leaseMs: 10_000, expireAfter: 60 });
      const res = await api.get('/short-lived-job');
      expect(res.fromCache).toBe(false);
      await backend.close();
      expect(await redis.exists(`${cacheName}:l:${res.cacheKey}`)).toBe(0);
      const other = cache({ cacheName });
      expect((await other.api.get('/short-lived-job')).fromCache).toBe(true);
      expect(origin.count()).toBe(1);
    });

    it('a leader’s own maxContentLength error is not a follower’s', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      origin = await startOrigin(async (_req, res) => {
        await gate;
        res.end('x'.repeat(100));
      });
      const { api } = cache({ expireAfter: 60 });
      const leader = api.get('/big', { maxContentLength: 10 }).catch((e: unknown) => e as AxiosError);
      const follower = api.get('/big');
      await new Promise((r) => setTimeout(r, 50));
      release();
      expect(((await leader) as AxiosError).message).toMatch(/maxContentLength/);
      expect((await follower).data).toBe('x'.repeat(100));
    });

    it('after one hung origin request, a waiter takes over at lockTimeoutMs and later misses do not wait on the hung one', async () => {
      let hang = true;
      origin = await startOrigin(async (_req, res, _body, seen) => {
        if (hang) {
          hang = false;
          return;
        } // never answers
        res.statusCode = 503; // not stored: every later request is a miss
        res.end(`{"n":${seen.length}}`);
      });
      const { api } = cache({ expireAfter: 60, lockTimeoutMs: 1000, leaseMs: false });
      void api.get('/hang').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
      const ok = { validateStatus: () => true };
      expect((await api.get('/hang', ok)).data).toEqual({ n: 2 }); // waited 1 s, then went itself
      // Five more misses, one after another: had each waited on the hung request for
      // lockTimeoutMs, they would run past this test's 5 s limit.
      for (let i = 0; i < 5; i++) expect((await api.get('/hang', ok)).data).toEqual({ n: 3 + i });
    }, 5000);
  });

  describe('streams and bodies that do not arrive whole', () => {
    it('a stream is handed over as it arrives (an event stream that never ends still answers)', async () => {
      origin = await startOrigin((_req, res) => {
        res.setHeader('content-type', 'text/event-stream');
        res.write('data: first\n\n');
        // and never ends
      });
      const { api } = cache({ expireAfter: 60 });
      const response = await api.get<Readable>('/events', { responseType: 'stream' });
      const first = await new Promise<string>((resolve, reject) => {
        response.data.once('data', (chunk: Buffer) => resolve(chunk.toString()));
        response.data.once('error', reject);
      });
      expect(first).toBe('data: first\n\n');
      response.data.destroy();
    }, 5000);

    it('a body cut short of its Content-Length is an origin failure: stale-if-error serves the stored one', async () => {
      let now = Date.now();
      let cut = false;
      origin = await startOrigin((req, res) => {
        if (cut) {
          res.setHeader('content-length', '100');
          res.write('{"partial":');
          setTimeout(() => req.socket.destroy(), 10);
          return;
        }
        res.setHeader('cache-control', 'max-age=1');
        res.end('{"whole":true}');
      });
      const { api } = cache({ cacheControl: true, staleIfError: '1h', clock: () => now });
      await api.get('/c');
      await settle();
      cut = true;
      now += 5_000;
      const stale = await api.get('/c');
      expect(stale.fromCache).toBe(true);
      expect(stale.isExpired).toBe(true);
      expect(stale.data).toEqual({ whole: true });
    });

    it('a truncated gzip body is an error to the caller and never stored', async () => {
      const whole = gzipSync(JSON.stringify({ long: 'y'.repeat(2000) }));
      origin = await startOrigin((_req, res) => {
        res.setHeader('content-encoding', 'gzip');
        res.end(whole.subarray(0, Math.floor(whole.length / 2)));
      });
      const { api, backend } = cache({ expireAfter: 60 });
      await expect(api.get('/t')).rejects.toMatchObject({ code: AxiosError.ERR_BAD_RESPONSE });
      await settle();
      expect(await backend.hasUrl(`${origin.url}/t`)).toBe(false);
      await expect(api.get('/t')).rejects.toMatchObject({ code: AxiosError.ERR_BAD_RESPONSE });
      expect(origin.count('/t')).toBe(2);
    });

    it('a streamed body that is cut short is never stored', async () => {
      let cut = true;
      origin = await startOrigin((req, res) => {
        res.setHeader('content-length', '100');
        if (cut) {
          res.write('x'.repeat(10));
          setTimeout(() => req.socket.destroy(), 10);
          return;
        }
        res.end('y'.repeat(100));
      });
      const { api } = cache({ expireAfter: 60 });
      const cutShort = await api.get<Readable>('/sc', { responseType: 'stream' });
      await expect(
        new Promise((resolve, reject) => {
          cutShort.data.on('data', () => undefined);
          cutShort.data.on('end', resolve);
          cutShort.data.on('error', reject);
        }),
      ).rejects.toBeDefined();
      await settle();
      cut = false;
      const next = await api.get('/sc');
      expect(next.fromCache).toBe(false);
      expect(next.data).toBe('y'.repeat(100));
    });
  });

  describe('options and per-request values are validated, naming the option', () => {
    it('timers past 2^31−1 ms', () => {
      expect(() => new RedisBackend({ url: REDIS_URL, timeoutMs: 2 ** 31 })).toThrow(/timeoutMs.*2147483648/);
      expect(() => new RedisBackend({ url: REDIS_URL, lockTimeoutMs: 2 ** 31 })).toThrow(/lockTimeoutMs/);
      expect(() => new RedisBackend({ url: REDIS_URL, leaseMs: 2 ** 31 })).toThrow(/leaseMs/);
    });

    it('a misspelt option is an error, not ignored (expireAfer would mean never expires)', () => {
      const misspelt = (make: () => unknown, name: string) => {
        expect(make).toThrow(CacheConfigError);
        expect(make).toThrow(new RegExp(`Invalid ${name}: .*no such option`));
      };
      misspelt(() => new RedisBackend({ url: REDIS_URL, expireAfer: 60 } as never), 'expireAfer');
      misspelt(() => new CacheBackend({ cache_control: true } as never), 'cache_control');
      misspelt(() => new MemoryBackend({ maxEntrys: 10 } as never), 'maxEntrys');
      misspelt(() => attachCache(axios.create(), { lockTimeout: 10 } as never), 'lockTimeout');
      // Options beside a backend would be ignored.
      const backend = new CacheBackend();
      expect(() => attachCache(axios.create(), { backend, expireAfter: '1h' })).toThrow(
        /Invalid expireAfter.*beside backend/,
      );
      // Every documented option is still accepted.
      const redis = new RedisBackend({
        url: REDIS_URL,
        leaseMs: false,
        nearCache: false,
        timeoutMs: 500,
        expireAfter: 60,
      });
      backends.push(redis);
      expect(new MemoryBackend({ maxEntries: 10, maxBytes: 1e6, expireAfter: 60 }).settings.expireAfterSet).toBe(true);
    });

    it.each([
      ['clientCache: null', { clientCache: null }, /clientCache/],
      ['refresh: "yes"', { refresh: 'yes' }, /refresh.*"yes"/],
      ['clientCache.enabled: "no"', { clientCache: { enabled: 'no' } }, /clientCache\.enabled/],
      ['clientCache.onlyIfCached: 1', { clientCache: { onlyIfCached: 1 } }, /clientCache\.onlyIfCached/],
      ['an unknown clientCache key', { clientCache: { staleIfErorr: true } }, /clientCache\.staleIfErorr/],
    ])('%s is a CacheConfigError at the request', async (_case, config, message) => {
      origin = await startOrigin((_req, res) => {
        res.end('{}');
      });
      const { api } = cache();
      const error = await api.get('/x', config as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheConfigError);
      expect((error as Error).message).toMatch(message);
      expect(origin.count()).toBe(0);
    });
  });
});
