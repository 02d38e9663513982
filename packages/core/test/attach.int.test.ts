/**
 * attachCache through real axios against a real origin (node:http on 127.0.0.1).
 */
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import {
  attachCache,
  CacheBackend,
  type CacheBackendOptions,
  type CachedAxiosInstance,
  type CachedResponse,
} from '@axios-client-cache/core';
import { startOrigin, type Handler, type Origin } from './helpers/origin.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const BOM_JSON = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"bom":"ünïcødé ✓"}')]);
const LATIN1 = Buffer.from('caf\xe9 na\xefve', 'latin1');

let origin: Origin;
let api: CachedAxiosInstance<AxiosInstance>;

async function setup(handler: Handler, options: CacheBackendOptions = {}): Promise<void> {
  origin = await startOrigin(handler);
  api = attachCache(axios.create({ baseURL: origin.url }), new CacheBackend(options));
}

afterEach(async () => {
  await origin?.close();
});

const echo: Handler = (req, res, body, seen) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ n: seen.length, method: req.method, url: req.url, body }));
};

const flush = () => new Promise((r) => setImmediate(r));

/**
 * A value as a canonical text: key order, prototypes, own `__proto__` keys and -0 show. Made
 * without recursion, so any nesting `JSON.parse` accepts can be described.
 */
function shape(value: unknown): string {
  const out: string[] = [];
  const todo: Array<{ value: unknown } | string> = [{ value }];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (typeof next === 'string') {
      out.push(next);
      continue;
    }
    const v = next.value;
    if (Array.isArray(v)) {
      todo.push(']');
      for (let i = v.length - 1; i >= 0; i--) todo.push({ value: v[i] });
      todo.push('[');
    } else if (typeof v === 'object' && v !== null) {
      todo.push('}');
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push({ value: (v as Record<string, unknown>)[keys[i]!] });
        todo.push(`${JSON.stringify(keys[i])}:`);
      }
      todo.push(Object.getPrototypeOf(v) === Object.prototype ? '{' : '{(other prototype)');
    } else out.push(Object.is(v, -0) ? '-0' : `${typeof v}:${String(v)}`);
  }
  return out.join(' ');
}

describe('attachCache against a real origin', () => {
  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])(
    '%s with params, data and json: a miss then a hit',
    async (method) => {
      await setup(echo, { allowedMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] });
      const cases: AxiosRequestConfig[] = [
        { params: { q: 'a', page: 2 } },
        { data: 'raw=body&x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        { data: { json: true, nested: { b: 1, a: 2 } } },
      ];
      for (const config of cases) {
        const first = await api.request({ method, url: '/thing', ...config });
        const second = await api.request({ method, url: '/thing', ...config });
        expect(first.fromCache).toBe(false);
        expect(second.fromCache).toBe(true);
        expect(second.data).toEqual(first.data);
      }
      expect(origin.count()).toBe(3);
      // JSON bodies are keyed by value: key order does not matter.
      expect(
        (await api.request({ method, url: '/thing', data: { nested: { a: 2, b: 1 }, json: true } })).fromCache,
      ).toBe(true);
    },
  );

  it('ignoredParams are left out of the key and redacted in what is stored', async () => {
    await setup(echo, { ignoredParams: ['token'] });
    await api.get('/p', { params: { id: 1, token: 'secret-a' } });
    const hit = await api.get('/p?token=secret-b', { params: { id: 1 } });
    expect(hit.fromCache).toBe(true);
    expect(origin.count()).toBe(1);
    const urls: string[] = [];
    for await (const url of api.cache.getUrls()) urls.push(url);
    expect(urls).toHaveLength(1);
    expect(urls[0]).not.toContain('secret');
    for await (const stored of api.cache.responses.values())
      expect((stored as CachedResponse).url).toContain('token=REDACTED');
  });

  it('500 distinct URLs: each a miss, then each a hit', async () => {
    await setup(echo);
    for (let i = 0; i < 500; i++) expect((await api.get(`/n/${i}`)).fromCache).toBe(false);
    for (let i = 0; i < 500; i++) {
      const res = await api.get(`/n/${i}`);
      expect(res.fromCache).toBe(true);
      expect(res.data.url).toBe(`/n/${i}`);
    }
    expect(origin.count()).toBe(500);
    expect(await api.cache.responses.size()).toBe(500);
  });

  it('includeHeaders: a request header is part of the key', async () => {
    await setup(echo, { includeHeaders: true });
    await api.get('/h', { headers: { 'X-Team': 'a' } });
    expect((await api.get('/h', { headers: { 'X-Team': 'b' } })).fromCache).toBe(false);
    expect((await api.get('/h', { headers: { 'X-Team': 'a' } })).fromCache).toBe(true);
  });

  it('keys honour baseURL: deleteUrl and hasUrl with the full URL find the entry', async () => {
    await setup(echo);
    await api.get('/users', { params: { page: 2 } });
    expect(await api.cache.hasUrl(`${origin.url}/users`, { params: { page: 2 } })).toBe(true);
    expect(await api.cache.hasUrl(`${origin.url}/users?page=2`)).toBe(true);
    await api.cache.deleteUrl(`${origin.url}/users`, { params: { page: 2 } });
    expect(await api.cache.hasUrl(`${origin.url}/users?page=2`)).toBe(false);
    expect((await api.get('/users', { params: { page: 2 } })).fromCache).toBe(false);
  });

  describe('bodies are handed back per responseType, byte-identical to the network response', () => {
    const bodies: Array<[string, Buffer, string]> = [
      ['all 256 byte values', ALL_BYTES, 'application/octet-stream'],
      ['a UTF-8 BOM', BOM_JSON, 'application/json; charset=utf-8'],
      ['latin1 text', LATIN1, 'text/plain; charset=latin1'],
    ];
    const configs = [
      { responseType: 'json' as const },
      { responseType: 'text' as const },
      { responseType: 'arraybuffer' as const },
      { responseType: 'text' as const, responseEncoding: 'latin1' },
      { responseType: 'json' as const, responseEncoding: 'utf-8' },
      {},
    ];
    it.each(bodies)('%s', async (_, body, type) => {
      await setup((_req, res) => {
        res.setHeader('content-type', type);
        res.end(body);
      });
      for (const config of configs) {
        await api.cache.clear();
        const network = await api.get('/b', config);
        const cached = await api.get('/b', config);
        expect(network.fromCache).toBe(false);
        expect(cached.fromCache).toBe(true);
        if (Buffer.isBuffer(network.data)) expect(Buffer.compare(network.data, cached.data as Buffer)).toBe(0);
        else expect(cached.data).toEqual(network.data);
        // And exactly what plain axios gives.
        const plain = await axios.get(`${origin.url}/b`, config);
        if (Buffer.isBuffer(plain.data)) expect(Buffer.compare(plain.data, cached.data as Buffer)).toBe(0);
        else expect(cached.data).toEqual(plain.data);
      }
    });

    it('stream', async () => {
      await setup((_req, res) => {
        res.end(ALL_BYTES);
      });
      const read = async (stream: Readable) => {
        const parts: Buffer[] = [];
        for await (const c of stream) parts.push(c as Buffer);
        return Buffer.concat(parts);
      };
      const network = await api.get<Readable>('/s', { responseType: 'stream' });
      expect(network.fromCache).toBe(false);
      expect((await read(network.data)).equals(ALL_BYTES)).toBe(true);
      // The copy is stored once the stream the caller reads has ended complete.
      await new Promise((r) => setImmediate(r));
      const cached = await api.get<Readable>('/s', { responseType: 'stream' });
      expect(cached.fromCache).toBe(true);
      expect((await read(cached.data)).equals(ALL_BYTES)).toBe(true);
      expect(origin.count()).toBe(1);
    });
  });

  describe("a hit's JSON body is what axios's own parse of the network body gives", () => {
    const deep = `${'['.repeat(50_000)}1${']'.repeat(50_000)}`;
    const large = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ i, s: `item ${i}` })));
    const bodies: Array<[string, string]> = [
      ['key order, an own __proto__ key, -0', '{"b":1,"2":"two","a":{"__proto__":{"p":true},"x":[1,-0,{"y":null}]}}'],
      ['an array at the top', '[1,"a",true,null,{"k":1e400}]'],
      ['a number', '42'],
      ['a string', '"just a string"'],
      ['null', 'null'],
      ['not JSON', 'plain words'],
      ['empty', ''],
      ['nested 50,000 deep', deep],
      ['larger than is remembered', large],
    ];
    const configs: Array<[string, AxiosRequestConfig]> = [
      ['defaults', {}],
      ["responseType 'json'", { responseType: 'json' }],
      ["responseType 'text'", { responseType: 'text' }],
      ['forcedJSONParsing off', { transitional: { forcedJSONParsing: false } }],
      [
        'a parseReviver',
        { parseReviver: (_key: string, value: unknown) => (typeof value === 'number' ? value + 1 : value) },
      ],
      ['its own transformResponse', { transformResponse: [(data: unknown) => `${typeof data}:${String(data)}`] }],
      [
        'a transform after the default one',
        { transformResponse: [...(axios.defaults.transformResponse as []), (data: unknown) => ({ wrapped: data })] },
      ],
    ];
    const outcome = async (request: Promise<{ data: unknown }>) => {
      try {
        return shape((await request).data);
      } catch (error) {
        return `rejected ${(error as AxiosError).code} ${(error as Error).message}`;
      }
    };

    it.each(bodies)('%s', async (_, body) => {
      await setup((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(body);
      });
      await api.get('/j', { validateStatus: () => true }).catch(() => undefined);
      // Twice over: an entry's parse is remembered from the second hit on.
      for (const [name, config] of [...configs, ...configs]) {
        const hit = await api.get('/j', config).catch((error: AxiosError) => error.response);
        expect([name, hit?.fromCache]).toEqual([name, true]);
        expect([name, await outcome(api.get('/j', config))]).toEqual([
          name,
          await outcome(axios.get(`${origin.url}/j`, config)),
        ]);
      }
      // One request of the cache's, and one of plain axios's per config and round.
      expect(origin.count('/j')).toBe(1 + 2 * configs.length);
    });

    it('every caller gets an object of its own', async () => {
      await setup((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"list":[{"n":1}],"name":"kept"}');
      });
      await api.get('/own');
      await api.get('/own');
      const first = await api.get('/own');
      first.data.name = 'changed';
      first.data.list[0].n = 2;
      first.data.list.push({ n: 3 });
      const second = await api.get('/own');
      expect(second.fromCache).toBe(true);
      expect(second.data).toEqual({ list: [{ n: 1 }], name: 'kept' });
      expect(second.data).not.toBe(first.data);
    });
  });

  it('a gzip-encoded response is stored decoded and served like the network one', async () => {
    const { gzipSync } = await import('node:zlib');
    await setup((_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.setHeader('content-type', 'application/json');
      res.end(gzipSync('{"z":1}'));
    });
    expect((await api.get('/z')).data).toEqual({ z: 1 });
    const hit = await api.get('/z');
    expect(hit.fromCache).toBe(true);
    expect(hit.data).toEqual({ z: 1 });
  });

  it('a cached 404 (allowedCodes [200, 404]) rejects as the network one does', async () => {
    await setup(
      (_req, res) => {
        res.statusCode = 404;
        res.end('{"missing":true}');
      },
      { allowedCodes: [200, 404] },
    );
    const first = await api.get('/gone').catch((e: AxiosError) => e);
    const second = await api.get('/gone').catch((e: AxiosError) => e);
    expect(first).toBeInstanceOf(AxiosError);
    expect(second).toBeInstanceOf(AxiosError);
    expect((second as AxiosError).response?.data).toEqual({ missing: true });
    expect((second as AxiosError).response?.fromCache).toBe(true);
    expect((second as AxiosError).message).toBe((first as AxiosError).message);
    expect(origin.count()).toBe(1);
    expect((await api.get('/gone', { validateStatus: () => true })).status).toBe(404);
  });

  it('conditional requests: a 304 keeps the stored body, a changed ETag replaces it', async () => {
    let version = 1;
    await setup(
      (req, res) => {
        const etag = `"v${version}"`;
        res.setHeader('etag', etag);
        res.setHeader('cache-control', 'max-age=0');
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.end(JSON.stringify({ version }));
      },
      { cacheControl: true },
    );
    expect((await api.get('/c')).data).toEqual({ version: 1 });
    const revalidated = await api.get('/c');
    expect(revalidated.status).toBe(200);
    expect(revalidated.fromCache).toBe(true);
    expect(revalidated.data).toEqual({ version: 1 });
    expect(origin.seen[1]?.headers['if-none-match']).toBe('"v1"');
    version = 2;
    const changed = await api.get('/c');
    expect(changed.fromCache).toBe(false);
    expect(changed.data).toEqual({ version: 2 });
    await flush();
    expect((await api.get('/c')).data).toEqual({ version: 2 });
    expect(origin.seen[3]?.headers['if-none-match']).toBe('"v2"');
  });

  it('a 304 naming another representation (another strong ETag) freshens nothing: the whole is asked for', async () => {
    // An origin that answers any conditional request with a 304 carrying its current ETag.
    let version = 1;
    await setup(
      (req, res) => {
        res.setHeader('etag', `"v${version}"`);
        res.setHeader('cache-control', 'max-age=0');
        if (req.headers['if-none-match'] !== undefined) {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.end(JSON.stringify({ version }));
      },
      { cacheControl: true },
    );
    expect((await api.get('/c')).data).toEqual({ version: 1 });
    version = 2;
    const after = await api.get('/c');
    expect(after.data).toEqual({ version: 2 });
    expect(after.headers.etag).toBe('"v2"');
    expect(after.fromCache).toBe(false);
    expect(origin.seen.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"', undefined]);
    await flush();
    // What is stored now is version 2, revalidated with its own ETag.
    expect((await api.get('/c')).data).toEqual({ version: 2 });
    expect(origin.seen[3]?.headers['if-none-match']).toBe('"v2"');
  });

  it('the query is keyed as paramsSerializer writes it, by the axios path and the seed API alike', async () => {
    origin = await startOrigin(echo);
    const backend = new CacheBackend({ expireAfter: 60 });
    const paramsSerializer = { indexes: null };
    const repeated = attachCache(axios.create({ baseURL: origin.url, paramsSerializer }), backend);
    const params = { id: [1, 2] };
    const first = await repeated.get('/q', { params });
    expect(first.data.url).toBe('/q?id=1&id=2');
    await flush();
    // axios's default serializer writes id[]=1&id[]=2: another request on the wire, another key.
    const brackets = attachCache(axios.create({ baseURL: origin.url }), new CacheBackend({ expireAfter: 60 }));
    const other = await brackets.get('/q', { params });
    expect(other.data.url).toBe(`/q?${encodeURIComponent('id[]')}=1&${encodeURIComponent('id[]')}=2`);
    expect(other.cacheKey).not.toBe(first.cacheKey);
    // The seed API, given the same parts, keys the request as the axios path did.
    const url = `${origin.url}/q`;
    expect(backend.createKey('GET', url, { params, paramsSerializer })).toBe(first.cacheKey);
    expect(backend.createKey('GET', `${url}?id=1&id=2`)).toBe(first.cacheKey);
    const [found] = await backend.request('GET', url, { params, paramsSerializer });
    expect(found?.status).toBe(200);
    expect(await backend.hasUrl(url, { params, paramsSerializer })).toBe(true);
    await backend.deleteUrl(url, { params, paramsSerializer });
    expect(await backend.hasUrl(url, { params, paramsSerializer })).toBe(false);
    expect((await repeated.get('/q', { params })).fromCache).toBe(false);
  });

  it('a 304 that may not be stored (Set-Cookie in a shared cache) still answers with its fields, and drops the entry', async () => {
    let revalidations = 0;
    await setup(
      (req, res) => {
        res.setHeader('etag', '"v1"');
        res.setHeader('cache-control', 'max-age=0');
        if (req.headers['if-none-match'] === '"v1"') {
          revalidations++;
          res.setHeader('set-cookie', 'sid=fresh');
          res.setHeader('x-from-304', String(revalidations));
          res.statusCode = 304;
          res.end();
          return;
        }
        res.end('{"v":1}');
      },
      { cacheControl: true, shared: true },
    );
    await api.get('/s');
    const answered = await api.get('/s');
    expect(answered.status).toBe(200);
    expect(answered.data).toEqual({ v: 1 });
    expect(answered.headers['x-from-304']).toBe('1');
    expect(answered.headers['set-cookie']).toEqual(['sid=fresh']);
    await flush();
    // Not stored: the next request asks for the whole.
    const next = await api.get('/s');
    expect(next.fromCache).toBe(false);
    expect(origin.seen[2]?.headers['if-none-match']).toBeUndefined();
  });

  it('refresh: true sends If-None-Match and If-Modified-Since; a 304 refreshes headers', async () => {
    const lastModified = new Date(Date.UTC(2025, 0, 1)).toUTCString();
    await setup((req, res) => {
      res.setHeader('x-seen', String(origin.count()));
      if (req.headers['if-none-match'] === '"e"') {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('etag', '"e"');
      res.setHeader('last-modified', lastModified);
      res.end('{"a":1}');
    });
    await api.get('/r');
    expect((await api.get('/r')).fromCache).toBe(true);
    const refreshed = await api.get('/r', { refresh: true });
    expect(refreshed.fromCache).toBe(true);
    expect(refreshed.data).toEqual({ a: 1 });
    expect(refreshed.headers['x-seen']).toBe('2');
    expect(origin.seen[1]?.headers['if-none-match']).toBe('"e"');
    expect(origin.seen[1]?.headers['if-modified-since']).toBe(lastModified);
    await flush();
    expect((await api.get('/r')).headers['x-seen']).toBe('2');
  });

  it('redirects: stored under the requested key, one alias per hop; delete removes the aliases', async () => {
    await setup((req, res) => {
      if (req.url === '/start') {
        res.statusCode = 301;
        res.setHeader('location', '/middle');
        res.end();
        return;
      }
      if (req.url === '/middle') {
        res.statusCode = 302;
        res.setHeader('location', '/final');
        res.end();
        return;
      }
      res.end(JSON.stringify({ at: req.url }));
    });
    const first = await api.get('/start');
    expect(first.data).toEqual({ at: '/final' });
    await flush();
    const backend = api.cache;
    const startKey = backend.createKey('GET', `${origin.url}/start`);
    const middleKey = backend.createKey('GET', `${origin.url}/middle`);
    const stored = (await backend.responses.read(startKey)) as CachedResponse | undefined;
    expect(stored?.finalUrl).toBe(`${origin.url}/final`);
    expect(stored?.history.map((h) => [h.url, h.status])).toEqual([
      [`${origin.url}/start`, 301],
      [`${origin.url}/middle`, 302],
    ]);
    expect(await backend.redirects.read(middleKey)).toBe(startKey);
    expect((await api.get('/start')).fromCache).toBe(true);
    expect((await api.get('/middle')).fromCache).toBe(true);
    expect(origin.count()).toBe(3);
    const urls: string[] = [];
    for await (const url of backend.getUrls()) urls.push(url);
    expect(urls).toEqual([`${origin.url}/final`]);
    await backend.delete(startKey);
    expect(await backend.redirects.contains(middleKey)).toBe(false);
    expect(await backend.responses.size()).toBe(0);
    expect((await api.get('/middle')).fromCache).toBe(false);
  });

  it('unsafe methods invalidate the stored GET for the URL and a same-origin Location, not another origin', async () => {
    await setup((req, res) => {
      if (req.method === 'POST') {
        res.statusCode = 201;
        res.setHeader('location', '/items/7');
        res.end();
        return;
      }
      if (req.method === 'PUT') {
        res.statusCode = 200;
        res.setHeader('content-location', 'http://other.example/items/1');
        res.end();
        return;
      }
      res.end(JSON.stringify({ url: req.url }));
    });
    await api.get('/items');
    await api.get('/items/7');
    await api.post('/items', { a: 1 });
    expect((await api.get('/items')).fromCache).toBe(false);
    expect((await api.get('/items/7')).fromCache).toBe(false);
    await api.get('/items/1');
    await api.put('/items/2', {});
    expect((await api.get('/items/1')).fromCache).toBe(true);
  });

  it('an unsafe method that succeeds invalidates even when the caller’s validateStatus refuses its status', async () => {
    await setup((req, res) => {
      if (req.method === 'DELETE') {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.end(JSON.stringify({ url: req.url }));
    });
    await api.get('/items/3');
    expect((await api.get('/items/3')).fromCache).toBe(true);
    const refused = await api.delete('/items/3', { validateStatus: (s) => s === 200 }).catch((e: unknown) => e);
    expect((refused as AxiosError).response?.status).toBe(204);
    expect((await api.get('/items/3')).fromCache).toBe(false);
  });

  it('Vary through real headers', async () => {
    await setup(
      (req, res) => {
        res.setHeader('vary', 'Accept-Language');
        res.setHeader('cache-control', 'max-age=60');
        res.end(JSON.stringify({ lang: req.headers['accept-language'] ?? null }));
      },
      { cacheControl: true },
    );
    expect((await api.get('/v', { headers: { 'Accept-Language': 'de' } })).data).toEqual({ lang: 'de' });
    const fr = await api.get('/v', { headers: { 'Accept-Language': 'fr' } });
    expect(fr.data).toEqual({ lang: 'fr' });
    expect(fr.fromCache).toBe(false);
    expect((await api.get('/v', { headers: { 'Accept-Language': 'fr' } })).fromCache).toBe(true);
  });

  it('response Cache-Control is honoured and hop-by-hop headers are not stored', async () => {
    await setup(
      (_req, res) => {
        res.setHeader('cache-control', 'max-age=60');
        res.setHeader('connection', 'keep-alive, x-hop');
        res.setHeader('x-hop', 'secret');
        res.setHeader('x-end', 'kept');
        res.end('{}');
      },
      { cacheControl: true, expireAfter: 0 },
    );
    await api.get('/cc');
    const hit = await api.get('/cc');
    expect(hit.fromCache).toBe(true);
    expect(hit.headers['x-end']).toBe('kept');
    expect(hit.headers['x-hop']).toBeUndefined();
    expect(hit.headers.connection).toBeUndefined();
  });

  it('disabled(): concurrent disabled and enabled contexts do not leak into each other', async () => {
    await setup(async (_req, res, _body, seen) => {
      await new Promise((r) => setTimeout(r, 5));
      res.end(JSON.stringify({ n: seen.length }));
    });
    await api.get('/x');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? api.cache.disabled(() => api.get('/x')) : api.get('/x'))),
    );
    expect(results.map((r) => r.fromCache)).toEqual(Array.from({ length: 10 }, (_, i) => i % 2 === 1));
    expect(origin.count()).toBe(6);
  });

  it('100 concurrent identical GETs make 1 request at the origin', async () => {
    await setup(async (_req, res, _body, seen) => {
      await new Promise((r) => setTimeout(r, 20));
      res.end(JSON.stringify({ n: seen.length }));
    });
    const all = await Promise.all(Array.from({ length: 100 }, () => api.get('/same')));
    expect(origin.count()).toBe(1);
    expect(all.every((r) => r.data.n === 1)).toBe(true);
    expect(api.cache.stats().inFlight).toBe(0);
  });

  it('an origin failure reaches every concurrent waiter, and none waits forever', async () => {
    await setup((req) => {
      req.socket.destroy();
    });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => api.get('/down')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof AxiosError)).toBe(true);
    expect(origin.count()).toBe(1);
    expect(api.cache.stats().inFlight).toBe(0);
  });
});
