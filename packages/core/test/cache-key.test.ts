import { CacheConfigError } from '../src/errors.js';
import {
  KeyMaker,
  canonicalRequest,
  createKey,
  matchTarget,
  normalizeUrl,
  redactHeaders,
  redactUrl,
  resolveUrl,
  type KeyOptions,
  type KeyRequestParts,
} from '../src/cache-key.js';

const key = (parts: KeyRequestParts, options?: KeyOptions): string =>
  createKey(parts.method ?? 'GET', parts.url ?? '', { ...parts }, options);

describe('resolveUrl (axios buildFullPath semantics)', () => {
  it.each([
    ['/users', 'https://a.com/v1', undefined, 'https://a.com/v1/users'],
    ['users', 'https://a.com/v1/', undefined, 'https://a.com/v1/users'],
    ['//users', 'https://a.com/v1//', undefined, '//users'], // protocol-relative: absolute to axios
    ['///users', 'https://a.com/v1//', false, 'https://a.com/v1/users'],
    ['', 'https://a.com/v1', undefined, 'https://a.com/v1'],
    [undefined, 'https://a.com/v1', undefined, 'https://a.com/v1'],
    ['https://b.com/x', 'https://a.com/v1', undefined, 'https://b.com/x'],
    ['https://b.com/x', 'https://a.com/v1', true, 'https://b.com/x'],
    ['https://b.com/x', 'https://a.com/v1', false, 'https://a.com/v1/https://b.com/x'],
    ['/users', undefined, undefined, '/users'],
    ['https://b.com/x', undefined, false, 'https://b.com/x'],
  ])('(%j, %j, %j) → %j', (url, baseURL, allow, expected) => {
    expect(resolveUrl(url, baseURL, allow)).toBe(expected);
  });
});

describe('normalizeUrl', () => {
  it.each([
    ['lower-cases scheme and host', 'HTTPS://API.Example.COM/Users', 'https://api.example.com/Users'],
    ['drops the default port', 'https://a.com:443/x', 'https://a.com/x'],
    ['keeps a non-default port', 'https://a.com:8443/x', 'https://a.com:8443/x'],
    ['removes dot segments', 'https://a.com/a/./b/../c', 'https://a.com/a/c'],
    ['drops the fragment', 'https://a.com/x?b=1#frag', 'https://a.com/x?b=1'],
    ['decodes escapes of unreserved characters', 'https://a.com/%7e%41?q=%7e', 'https://a.com/~A?q=~'],
    ['upper-cases other escapes', 'https://a.com/a%2fb?q=%2f', 'https://a.com/a%2Fb?q=%2F'],
    ['encodes characters that need it', 'https://a.com/a|b?q=a|b', 'https://a.com/a%7Cb?q=a%7Cb'],
    ['sorts the query, stable for repeated names', 'https://a.com/?b=2&a=3&b=1&a=1', 'https://a.com/?a=3&a=1&b=2&b=1'],
    ['treats + in the query as a space', 'https://a.com/?q=a+b', 'https://a.com/?q=a%20b'],
    ['adds a root path', 'https://a.com', 'https://a.com/'],
    ['drops an empty query', 'https://a.com/x?', 'https://a.com/x'],
  ])('%s', (_name, url, expected) => {
    expect(normalizeUrl({ url })).toBe(expected);
  });

  it('merges params into the query and flattens them as axios does', () => {
    expect(
      normalizeUrl({
        url: 'https://a.com/x?z=0',
        params: { b: [1, 2], a: { c: 'd', e: new Date(0) }, n: null, u: undefined, t: true, ' s ': 'x y' },
      }),
    ).toBe('https://a.com/x?a%5Bc%5D=d&a%5Be%5D=1970-01-01T00%3A00%3A00.000Z&b%5B%5D=1&b%5B%5D=2&s=x%20y&t=true&z=0');
  });

  it('accepts URLSearchParams params', () => {
    expect(normalizeUrl({ url: 'https://a.com/', params: new URLSearchParams('b=2&a=1&b=0') })).toBe(
      'https://a.com/?a=1&b=2&b=0',
    );
  });

  it('removes ignoredParams (and their bracketed forms) from the query', () => {
    expect(
      normalizeUrl({ url: 'https://a.com/?token=1&a=1', params: { key: { x: 1 }, b: 2 } }, new Set(['token', 'key'])),
    ).toBe('https://a.com/?a=1&b=2');
  });

  it('throws CacheConfigError for a relative URL without baseURL', () => {
    expect(() => normalizeUrl({ url: '/users' })).toThrow(CacheConfigError);
    expect(() => normalizeUrl({ url: '/users' })).toThrow('Invalid url: "/users"');
  });

  it('throws CacheConfigError for params that are neither an object nor URLSearchParams', () => {
    expect(() => normalizeUrl({ url: 'https://a.com', params: 'a=1' })).toThrow(CacheConfigError);
  });
});

describe('createKey', () => {
  const url = 'https://api.example.com/users';

  it('is a sha256 hex digest', () => {
    expect(key({ url })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same key for the same request', () => {
    expect(key({ url, params: { a: 1 } })).toBe(key({ url, params: { a: 1 } }));
  });

  it('ignores param order', () => {
    expect(key({ url, params: { a: 1, b: 2 } })).toBe(key({ url, params: { b: 2, a: 1 } }));
    expect(key({ url: `${url}?a=1&b=2` })).toBe(key({ url: `${url}?b=2&a=1` }));
  });

  it('treats params in the URL and in the params object as equivalent', () => {
    expect(key({ url: `${url}?a=1&b=x%20y` })).toBe(key({ url, params: { b: 'x y', a: 1 } }));
    expect(key({ url: `${url}?a=1`, params: { b: 2 } })).toBe(key({ url: `${url}?b=2`, params: { a: '1' } }));
    expect(key({ url: `${url}?a[]=1&a[]=2` })).toBe(key({ url, params: { a: [1, 2] } }));
    expect(key({ url, params: new URLSearchParams({ a: '1' }) })).toBe(key({ url, params: { a: 1 } }));
  });

  it('keeps the order of repeated values', () => {
    expect(key({ url: `${url}?a=1&a=2` })).not.toBe(key({ url: `${url}?a=2&a=1` }));
  });

  it('joins baseURL like axios: the key equals the absolute URL key', () => {
    expect(key({ baseURL: 'https://api.example.com/v1', url: '/users' })).toBe(
      key({ url: 'https://api.example.com/v1/users' }),
    );
    expect(key({ baseURL: 'https://api.example.com/v1/', url: 'users' })).toBe(
      key({ url: 'https://api.example.com/v1/users' }),
    );
  });

  it('gives different keys for different baseURLs (seed bug)', () => {
    expect(key({ baseURL: 'https://api.example.com/v1', url: '/users' })).not.toBe(
      key({ baseURL: 'https://api.example.com/v2', url: '/users' }),
    );
    expect(key({ baseURL: 'https://a.example.com', url: '/users' })).not.toBe(
      key({ baseURL: 'https://b.example.com', url: '/users' }),
    );
  });

  it('keeps an absolute url over baseURL unless allowAbsoluteUrls is false', () => {
    const abs = 'https://b.com/x';
    expect(key({ baseURL: 'https://a.com', url: abs })).toBe(key({ url: abs }));
    expect(key({ baseURL: 'https://a.com', url: abs, allowAbsoluteUrls: false })).not.toBe(key({ url: abs }));
  });

  it('ignores method case, but not the method', () => {
    expect(key({ method: 'get', url })).toBe(key({ method: 'GET', url }));
    expect(createKey('get', url)).toBe(createKey('GET', url));
    expect(key({ method: 'POST', url })).not.toBe(key({ method: 'GET', url }));
  });

  it('normalises the URL: host case, default port, dot segments, fragment, escapes', () => {
    expect(key({ url: 'https://API.EXAMPLE.com/users' })).toBe(key({ url }));
    expect(key({ url: 'https://api.example.com:443/users' })).toBe(key({ url }));
    expect(key({ url: 'https://api.example.com/a/../users' })).toBe(key({ url }));
    expect(key({ url: `${url}#top` })).toBe(key({ url }));
    expect(key({ url: 'https://a.com/%7e' })).toBe(key({ url: 'https://a.com/~' }));
    expect(key({ url: 'https://a.com/%2f' })).toBe(key({ url: 'https://a.com/%2F' }));
    expect(key({ url: 'https://a.com/a%2fb' })).not.toBe(key({ url: 'https://a.com/a/b' }));
    expect(key({ url: 'https://api.example.com:8443/users' })).not.toBe(key({ url }));
    expect(key({ url: 'http://api.example.com/users' })).not.toBe(key({ url }));
  });

  it('ignores JSON key order at every depth', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } };
    const b = { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(key({ method: 'POST', url, data: a })).toBe(key({ method: 'POST', url, data: b }));
  });

  it('keeps JSON array order and values', () => {
    expect(key({ method: 'POST', url, data: [1, 2] })).not.toBe(key({ method: 'POST', url, data: [2, 1] }));
    expect(key({ method: 'POST', url, data: { a: 1 } })).not.toBe(key({ method: 'POST', url, data: { a: '1' } }));
  });

  it('gives a string and the same bytes the same key', () => {
    const body = 'héllo {"a":1}';
    const expected = key({ method: 'POST', url, data: body });
    expect(key({ method: 'POST', url, data: Buffer.from(body) })).toBe(expected);
    expect(key({ method: 'POST', url, data: new TextEncoder().encode(body) })).toBe(expected);
    const bytes = Buffer.from(body);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    expect(key({ method: 'POST', url, data: ab })).toBe(expected);
    expect(key({ method: 'POST', url, data: new DataView(ab) })).toBe(expected);
  });

  it('gives different bodies different keys', () => {
    expect(key({ method: 'POST', url, data: 'a' })).not.toBe(key({ method: 'POST', url, data: 'b' }));
    expect(key({ method: 'POST', url, data: 'a' })).not.toBe(key({ method: 'POST', url }));
    expect(key({ method: 'POST', url, data: { a: 1 } })).not.toBe(key({ method: 'POST', url, data: { a: 2 } }));
  });

  it('does not let the body bleed into the URL', () => {
    // Naive concatenation would make these equal.
    expect(key({ method: 'POST', url: 'https://a.com/x', data: 'y' })).not.toBe(
      key({ method: 'POST', url: 'https://a.com/xy' }),
    );
  });

  it('sorts URLSearchParams bodies', () => {
    expect(key({ method: 'POST', url, data: new URLSearchParams('b=2&a=1') })).toBe(
      key({ method: 'POST', url, data: new URLSearchParams('a=1&b=2') }),
    );
  });

  it('refuses bodies it cannot key', () => {
    class Thing {
      a = 1;
    }
    for (const data of [new Thing(), new Map(), new Blob(['x']), 42, { n: 10n }]) {
      expect(() => key({ method: 'POST', url, data })).toThrow(CacheConfigError);
      expect(() => key({ method: 'POST', url, data })).toThrow(/^Uncacheable request body: /);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => key({ method: 'POST', url, data: cyclic })).toThrow(
      'Uncacheable request body: Object (circular JSON)',
    );
  });

  it('ignores headers by default', () => {
    expect(key({ url, headers: { Accept: 'text/html' } })).toBe(key({ url, headers: { Accept: 'application/json' } }));
  });

  it('includes all headers with includeHeaders: true (names case-insensitive, order-free)', () => {
    const opts = { includeHeaders: true };
    expect(key({ url, headers: { Accept: 'a', 'X-B': 'b' } }, opts)).toBe(
      key({ url, headers: { 'x-b': 'b', accept: 'a' } }, opts),
    );
    expect(key({ url, headers: { Accept: 'a' } }, opts)).not.toBe(key({ url, headers: { Accept: 'b' } }, opts));
    expect(key({ url, headers: { Accept: ['a', 'b'] } }, opts)).toBe(key({ url, headers: { Accept: 'a, b' } }, opts));
    expect(key({ url, headers: { Accept: 'a', X: null, Y: undefined } }, opts)).toBe(
      key({ url, headers: { Accept: 'a' } }, opts),
    );
  });

  it('reads headers from anything with toJSON (AxiosHeaders)', () => {
    const axiosLike = { toJSON: () => ({ Accept: 'a' }), get: () => undefined };
    expect(key({ url, headers: axiosLike }, { includeHeaders: true })).toBe(
      key({ url, headers: { accept: 'a' } }, { includeHeaders: true }),
    );
  });

  it('includes only the listed headers with includeHeaders: [names]', () => {
    const opts = { includeHeaders: ['Accept'] };
    expect(key({ url, headers: { Accept: 'a', 'X-Trace': '1' } }, opts)).toBe(
      key({ url, headers: { accept: 'a', 'x-trace': '2' } }, opts),
    );
    expect(key({ url, headers: { Accept: 'a' } }, opts)).not.toBe(key({ url, headers: { Accept: 'b' } }, opts));
  });

  describe('ignoredParams', () => {
    const opts = { ignoredParams: ['api_key'] };

    it('removes them from the query', () => {
      expect(key({ url: `${url}?api_key=1&a=1` }, opts)).toBe(key({ url: `${url}?a=1` }, opts));
      expect(key({ url, params: { api_key: 2, a: 1 } }, opts)).toBe(key({ url: `${url}?a=1` }, opts));
      expect(key({ url: `${url}?api_key=1&a=1` })).not.toBe(key({ url: `${url}?a=1` }));
    });

    it('removes them from top-level keys of JSON bodies', () => {
      const k = (data: unknown) => key({ method: 'POST', url, data }, opts);
      expect(k({ api_key: 1, a: 1 })).toBe(k({ a: 1 }));
      expect(k({ a: { api_key: 1 } })).not.toBe(k({ a: {} }));
      const jsonHeaders = { 'Content-Type': 'application/json' };
      expect(key({ method: 'POST', url, data: '{"api_key":1,"a":1}', headers: jsonHeaders }, opts)).toBe(k({ a: 1 }));
    });

    it('removes them from form bodies', () => {
      const k = (data: unknown, headers?: unknown) => key({ method: 'POST', url, data, headers }, opts);
      expect(k(new URLSearchParams('api_key=1&a=1'))).toBe(k(new URLSearchParams('a=1')));
      const form = { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' };
      expect(k('api_key=1&a=1', form)).toBe(k('a=1', form));
      expect(k('api_key=1&a=1', form)).toBe(k(new URLSearchParams('a=1')));
      // Without a form content-type the string is opaque bytes.
      expect(k('api_key=1&a=1')).not.toBe(k('a=1'));
    });

    it('removes them from headers (case-insensitive)', () => {
      const o = { ignoredParams: ['X-Api-Key'], includeHeaders: true };
      expect(key({ url, headers: { 'x-api-key': '1', Accept: 'a' } }, o)).toBe(
        key({ url, headers: { Accept: 'a' } }, o),
      );
    });
  });

  it('validates options', () => {
    expect(() => createKey('GET', url, {}, { includeHeaders: 'yes' as never })).toThrow(CacheConfigError);
    expect(() => createKey('GET', url, {}, { ignoredParams: 'a' as never })).toThrow(CacheConfigError);
  });
});

describe('canonicalRequest', () => {
  it('encodes method, URL and headers as a JSON array and the body as bytes', () => {
    const c = canonicalRequest(
      { method: 'post', url: 'https://a.com/x', data: { b: 1, a: 2 }, headers: { B: '1', A: '2' } },
      { includeHeaders: true },
    );
    expect(JSON.parse(c.text)).toEqual([
      'acc1',
      'POST',
      'https://a.com/x',
      [
        ['a', '2'],
        ['b', '1'],
      ],
    ]);
    expect(Buffer.from(c.body ?? []).toString()).toBe('{"a":2,"b":1}');
  });

  it('has no body for an empty or absent one', () => {
    expect(canonicalRequest({ url: 'https://a.com' }).body).toBeUndefined();
    expect(canonicalRequest({ url: 'https://a.com', data: '' }).body).toBeUndefined();
  });
});

describe('KeyMaker', () => {
  const inputs: KeyRequestParts[] = [
    { url: 'https://a.com/x' },
    { method: 'get', url: 'https://a.com/x?b=1&a=2' },
    { method: 'POST', url: '/x', baseURL: 'https://a.com/v1', data: 'hello' },
    { url: '/x', baseURL: 'https://a.com/v2', params: { a: 1, b: 'two', c: true, d: null, e: undefined } },
    { url: 'https://b.com/x', baseURL: 'https://a.com', allowAbsoluteUrls: false },
    { url: 'https://b.com/x', baseURL: 'https://a.com' },
    { url: 'https://a.com/x', params: { a: [1, 2], b: { c: 1 } } },
    { url: 'https://a.com/x', params: new URLSearchParams('z=1&y=2') },
    { method: 'POST', url: 'https://a.com/x', data: { b: 1, a: 2 } },
    { method: 'POST', url: 'https://a.com/x', data: Buffer.from('hello') },
    {
      method: 'POST',
      url: 'https://a.com/x',
      data: 'api_key=1&a=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    },
    { method: 'POST', url: 'https://a.com/x', data: 'api_key=1&a=1', headers: { 'Content-Type': 'text/plain' } },
    { method: 'POST', url: 'https://a.com/x', data: 'x'.repeat(5000) },
    { url: 'https://a.com/x', headers: { Accept: 'a' } },
  ];
  const optionSets: KeyOptions[] = [
    {},
    { ignoredParams: ['api_key'] },
    { includeHeaders: true },
    { includeHeaders: ['accept'] },
  ];

  it.each(optionSets.map((o) => [JSON.stringify(o), o] as const))(
    'matches createKey for many inputs, twice (%s)',
    (_n, options) => {
      const maker = new KeyMaker(options);
      for (let round = 0; round < 2; round++) {
        for (const parts of inputs) {
          expect(maker.keyFor(parts)).toBe(createKey(parts.method ?? 'GET', parts.url ?? '', parts, options));
        }
      }
    },
  );

  it('does not serve a stale key after params are mutated between calls', () => {
    const maker = new KeyMaker();
    const params: Record<string, unknown> = { page: 1 };
    const parts = { url: 'https://a.com/items', params };
    const first = maker.keyFor(parts);
    params.page = 2;
    const second = maker.keyFor(parts);
    expect(second).not.toBe(first);
    expect(second).toBe(createKey('GET', 'https://a.com/items', { params: { page: 2 } }));
    params.page = 1;
    expect(maker.keyFor(parts)).toBe(first);
  });

  it('keys a string body by its content-type when ignoredParams apply', () => {
    const maker = new KeyMaker({ ignoredParams: ['api_key'] });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const parts = { method: 'POST', url: 'https://a.com/x', data: 'api_key=1&a=1', headers };
    const asForm = maker.keyFor(parts);
    headers['content-type'] = 'text/plain';
    const asText = maker.keyFor(parts);
    expect(asText).not.toBe(asForm);
    expect(asText).toBe(
      createKey('POST', 'https://a.com/x', { data: 'api_key=1&a=1', headers }, { ignoredParams: ['api_key'] }),
    );
  });

  it('does not confuse fields that contain separators', () => {
    const maker = new KeyMaker();
    const a = maker.keyFor({ baseURL: 'https://a.com/x\u0000', url: 'y' });
    const b = maker.keyFor({ baseURL: 'https://a.com/x', url: '\u0000y' });
    expect(a).toBe(createKey('GET', 'y', { baseURL: 'https://a.com/x\u0000' }));
    expect(b).toBe(createKey('GET', '\u0000y', { baseURL: 'https://a.com/x' }));
    expect(a).not.toBe(b);
  });

  it('stays correct when the memo is full or off', () => {
    for (const memoSize of [0, 1, 2]) {
      const maker = new KeyMaker({ memoSize });
      for (let i = 0; i < 10; i++) {
        const url = `https://a.com/${i % 3}`;
        expect(maker.keyFor({ url })).toBe(createKey('GET', url));
      }
    }
  });

  it('rethrows errors without memoising them', () => {
    const maker = new KeyMaker();
    expect(() => maker.keyFor({ url: '/relative' })).toThrow(CacheConfigError);
    expect(() => maker.keyFor({ url: '/relative' })).toThrow(CacheConfigError);
  });

  it('validates memoSize', () => {
    for (const memoSize of [-1, 1.5, NaN, '10' as never]) {
      expect(() => new KeyMaker({ memoSize })).toThrow(CacheConfigError);
    }
  });
});

describe('redactHeaders', () => {
  it('lower-cases names, stringifies values and redacts credentials and ignored names', () => {
    expect(
      redactHeaders(
        {
          Authorization: 'Bearer x',
          'Proxy-Authorization': 'y',
          Cookie: 'a=b',
          'Set-Cookie': ['a=b', 'c=d'],
          'X-API-Key': 'k',
          'X-Token': 't',
          Accept: ['a', 'b'],
          'X-Num': 5,
          'X-Null': null,
        },
        ['x-token'],
      ),
    ).toEqual([
      ['authorization', 'REDACTED'],
      ['proxy-authorization', 'REDACTED'],
      ['cookie', 'REDACTED'],
      ['set-cookie', 'REDACTED'],
      ['x-api-key', 'REDACTED'],
      ['x-token', 'REDACTED'],
      ['accept', 'a, b'],
      ['x-num', '5'],
    ]);
  });

  it('accepts AxiosHeaders-like objects and nothing', () => {
    expect(redactHeaders({ toJSON: () => ({ Authorization: 'x' }) })).toEqual([['authorization', 'REDACTED']]);
    expect(redactHeaders(undefined)).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('redacts the values of ignored params and keeps the rest', () => {
    expect(redactUrl('https://a.com/x?api_key=secret&a=1&api_key=2', ['api_key'])).toBe(
      'https://a.com/x?api_key=REDACTED&a=1&api_key=REDACTED',
    );
    expect(redactUrl('https://a.com/x?tok%65n=s&tokens=1&token[a]=2', ['token'])).toBe(
      'https://a.com/x?tok%65n=REDACTED&tokens=1&token[a]=REDACTED',
    );
    expect(redactUrl('https://a.com/x?a=1', ['api_key'])).toBe('https://a.com/x?a=1');
  });

  it('redacts the whole user info (a user name can be a token too)', () => {
    expect(redactUrl('https://user:pw@a.com/x')).toBe('https://REDACTED@a.com/x');
    expect(redactUrl('https://ghp_token@a.com/x')).toBe('https://REDACTED@a.com/x');
  });
});

describe('matchTarget', () => {
  it('drops scheme and credentials', () => {
    expect(matchTarget('https://api.example.com/users?a=1')).toBe('api.example.com/users?a=1');
    expect(matchTarget('http://u:p@a.com:8080/x')).toBe('a.com:8080/x');
    expect(matchTarget(normalizeUrl({ url: 'HTTPS://A.com:443/x#f' }))).toBe('a.com/x');
  });
});
