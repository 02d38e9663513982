import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import {
  CachedHeaders,
  CachedResponse,
  CacheSerializationError,
  FORMAT_VERSION,
  msgpackSerializer,
} from '@axios-client-cache/core';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function response(overrides: Partial<ConstructorParameters<typeof CachedResponse>[0]> = {}): CachedResponse {
  return new CachedResponse({
    method: 'GET',
    url: 'https://a.example/x',
    finalUrl: 'https://a.example/x',
    status: 200,
    statusText: 'OK',
    headers: [
      ['Content-Type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['ETag', '"v1"'],
    ],
    requestHeaders: [['accept', 'application/json']],
    body: Buffer.from('{"a":1}'),
    createdAt: 1_000_000,
    expires: 1_060_000,
    requestTime: 999_990,
    responseTime: 1_000_000,
    ...overrides,
  });
}

describe('CachedResponse', () => {
  it('keeps every field it was given', () => {
    const r = response({
      history: [{ method: 'GET', url: 'https://a.example/old', status: 301 }],
      policy: { staleIfError: 5000, mustRevalidate: true },
      vary: [['accept', 'application/json']],
      finalUrl: 'https://a.example/y',
    });
    expect(r.method).toBe('GET');
    expect(r.url).toBe('https://a.example/x');
    expect(r.finalUrl).toBe('https://a.example/y');
    expect(r.expires).toBe(1_060_000);
    expect(r.requestTime).toBe(999_990);
    expect(r.responseTime).toBe(1_000_000);
    expect(r.history).toEqual([{ method: 'GET', url: 'https://a.example/old', status: 301 }]);
    expect(r.policy).toEqual({ staleIfError: 5000, mustRevalidate: true });
    expect(r.vary).toEqual([['accept', 'application/json']]);
    expect(r.requestHeaders).toEqual([['accept', 'application/json']]);
    expect(r.headers.pairs()).toEqual([
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['etag', '"v1"'],
    ]);
    expect(r.etag).toBe('"v1"');
    expect(r.fromCache).toBe(true);
    expect(response({ expires: null }).expires).toBeNull();
  });

  it('headers are case-insensitive and multi-valued', () => {
    const h = response().headers;
    expect(h).toBeInstanceOf(CachedHeaders);
    expect(h.get('CONTENT-TYPE')).toBe('application/json');
    expect(h.get('set-cookie')).toBe('a=1, b=2');
    expect(h.getAll('Set-Cookie')).toEqual(['a=1', 'b=2']);
    expect(h.has('etag')).toBe(true);
    expect(h.has('accept')).toBe(false); // a request header is not a response header
    expect(h.toObject()).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], etag: '"v1"' });
    expect([...h]).toHaveLength(4);
  });

  it('is frozen, and text() still works (its memo lives outside the instance)', () => {
    const ascii = response();
    const binary = response({ body: Buffer.from('héllo ✓', 'utf8') });
    for (const r of [ascii, binary]) {
      expect(Object.isFrozen(r)).toBe(true);
      expect(() => {
        (r as unknown as { status: number }).status = 500;
      }).toThrow(TypeError);
    }
    expect(ascii.json()).toEqual({ a: 1 });
    expect(binary.text()).toBe('héllo ✓');
    expect(binary.text()).toBe('héllo ✓');
    expect(Object.isFrozen(binary.history) && Object.isFrozen(binary.policy) && Object.isFrozen(binary.vary)).toBe(
      true,
    );
  });

  it('body is a copy: mutating it never changes the entry', () => {
    for (const body of [Buffer.from('{"a":1}'), ALL_BYTES]) {
      const r = response({ body });
      const copy = r.body;
      copy.fill(0x41);
      expect(Buffer.from(r.body).equals(body)).toBe(true);
    }
  });

  it('keeps the body bytes exactly (all 256 byte values, a BOM, invalid UTF-8)', () => {
    const bodies = [
      ALL_BYTES,
      Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.alloc(0),
      Buffer.from('plain ascii'),
    ];
    for (const body of bodies) {
      const r = response({ body });
      expect(Buffer.from(r.body).equals(body)).toBe(true);
      expect(r.bodyBuffer().equals(body)).toBe(true);
      expect(r.bodySize).toBe(body.length);
      const again = CachedResponse.fromRecord(
        msgpackSerializer.loads(msgpackSerializer.dumps(r.toRecord(), {}) as Uint8Array, {}),
      );
      expect(Buffer.from(again.body).equals(body)).toBe(true);
    }
  });

  it('round-trips through its record, and with() changes only what is given', () => {
    const r = response({
      history: [{ method: 'GET', url: 'https://a.example/old', status: 302 }],
      policy: { noCache: true },
      vary: [['accept', null]],
    });
    const back = CachedResponse.fromRecord(r.toRecord());
    expect(back.toRecord()).toEqual(r.toRecord());
    const changed = r.with({ expires: null, status: 203 });
    expect(changed.status).toBe(203);
    expect(changed.expires).toBeNull();
    expect(changed.toRecord()).toEqual({ ...r.toRecord(), status: 203, expires: null });
    expect(r.status).toBe(200);
  });

  it('rejects a record of another format version or a wrong shape', () => {
    const record = response().toRecord();
    expect(() => CachedResponse.fromRecord({ ...record, v: FORMAT_VERSION + 1 })).toThrow(CacheSerializationError);
    expect(() => CachedResponse.fromRecord({ ...record, body: 'text' })).toThrow(CacheSerializationError);
    expect(() => CachedResponse.fromRecord({ ...record, headers: [['a']] })).toThrow(CacheSerializationError);
    expect(() => CachedResponse.fromRecord({ ...record, policy: { evil: true } })).toThrow(CacheSerializationError);
    expect(() => CachedResponse.fromRecord(null)).toThrow(CacheSerializationError);
  });

  it('instanceof holds for a response built by another copy of the class (ESM and CJS side by side)', () => {
    // A second copy of the module: same source, separate class object.
    let Other: typeof CachedResponse | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Other = (require('../src/cached-response') as { CachedResponse: typeof CachedResponse }).CachedResponse;
    });
    expect(Other).toBeDefined();
    expect(Other).not.toBe(CachedResponse);
    const foreign = new (Other as typeof CachedResponse)({
      method: 'GET',
      url: 'https://a.example/',
      finalUrl: 'https://a.example/',
      status: 200,
      statusText: 'OK',
      headers: [],
      body: Buffer.from('x'),
      createdAt: 1,
      expires: null,
    });
    expect(foreign instanceof CachedResponse).toBe(true);
    expect(response() instanceof (Other as typeof CachedResponse)).toBe(true);
    expect({ method: 'GET' } instanceof CachedResponse).toBe(false);
    expect((null as unknown) instanceof CachedResponse).toBe(false);
  });

  it('a subclass keeps ordinary instanceof', () => {
    class Mine extends CachedResponse {}
    const mine = new Mine({
      method: 'GET',
      url: 'u',
      finalUrl: 'u',
      status: 200,
      statusText: 'OK',
      headers: [],
      body: Buffer.alloc(0),
      createdAt: 1,
      expires: null,
    });
    expect(mine instanceof Mine).toBe(true);
    expect(mine instanceof CachedResponse).toBe(true);
    expect(response() instanceof Mine).toBe(false);
  });

  it('an entry with a 1 KiB body, its URL and typical headers costs at most 1.5 KiB of memory', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const body = Buffer.from(JSON.stringify({ items: 'x'.repeat(1012) }));
    expect(body.length).toBe(1024);
    const N = 4000;
    const make = (i: number) =>
      new CachedResponse({
        method: 'get'.toUpperCase(),
        url: `https://api.example.com/items/${i}?page=2`,
        finalUrl: `https://api.example.com/items/${i}?page=2`,
        status: 200,
        statusText: 'OK',
        headers: [
          ['content-type', 'application/json; charset=utf-8'],
          ['content-length', '1024'],
          ['date', 'Fri, 27 Nov 2026 07:57:28 GMT'],
          ['etag', `W/"${i}-abcdef"`],
          ['cache-control', 'max-age=60'],
        ],
        requestHeaders: [
          ['accept', 'application/json, text/plain, */*'],
          ['user-agent', 'axios/1.21.1'],
        ],
        body: Buffer.from(body),
        createdAt: 1_764_000_000_000 + i,
        expires: 1_764_000_060_000 + i,
        requestTime: 1_763_999_999_990 + i,
        responseTime: 1_764_000_000_000 + i,
      });
    // Heap figures are noisy: the least of a few rounds, after a warm-up round.
    const rounds: number[] = [];
    for (let round = 0; round < 4; round++) {
      const keep = new Array<CachedResponse>(N);
      gc();
      gc();
      const before = process.memoryUsage();
      for (let i = 0; i < N; i++) keep[i] = make(i);
      gc();
      gc();
      const after = process.memoryUsage();
      expect(keep[N - 1]?.text()).toBe(body.toString());
      if (round > 0) rounds.push((after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / N);
    }
    expect(Math.min(...rounds)).toBeLessThanOrEqual(1536);
  });
});
