import fc from 'fast-check';
import { KeyMaker, createKey, type KeyOptions, type KeyRequestParts } from '../src/cache-key.js';

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 600) };

// Single characters biased toward the ones that break naive encodings, plus any code point.
const nastyChar = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '|',
      ':',
      '{',
      '}',
      '&',
      '=',
      '%',
      '\r',
      '\n',
      '+',
      '#',
      '?',
      '/',
      ' ',
      '"',
      '\\',
      '[',
      ']',
      '.',
      '~',
      ',',
      '\u0000',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('a', 'b', 'A', '1', '%2F', '%7e', 'é', '\u{1F600}') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const nasty = (maxLength = 5) => fc.string({ unit: nastyChar, maxLength });

interface Req {
  method: string;
  segments: string[];
  query: Array<[string, string]>;
  params: Array<[string, string]>;
  paramsAs: 'object' | 'usp';
  headers: Array<[string, string]>;
  body: string;
  bodyAs: 'string' | 'buffer';
  baseSplit: boolean;
}

const reqArb: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom('GET', 'get', 'POST', 'Put', 'DELETE', 'patch', 'QUERY'),
  // '.' and '..' are dot segments: removed by URL parsing, so not distinct paths.
  segments: fc.array(
    nasty(4).filter((s) => s !== '.' && s !== '..'),
    { maxLength: 3 },
  ),
  query: fc.array(fc.tuple(nasty(3), nasty(3)), { maxLength: 3 }),
  params: fc.array(fc.tuple(nasty(3), nasty(3)), { maxLength: 3 }),
  paramsAs: fc.constantFrom('object' as const, 'usp' as const),
  headers: fc.uniqueArray(
    fc.tuple(
      nasty(3).filter((s) => s.length > 0),
      nasty(3),
    ),
    {
      maxLength: 3,
      selector: ([name]) => name.toLowerCase(),
    },
  ),
  body: nasty(6),
  bodyAs: fc.constantFrom('string' as const, 'buffer' as const),
  baseSplit: fc.boolean(),
});

/** Two requests: independent, or one made by mixing fields of the two (near-collisions). */
const pairArb = fc
  .tuple(reqArb, reqArb, fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), fc.boolean())
  .map(([a, b, picks, mix]): [Req, Req] => {
    if (!mix) return [a, b];
    const keys = Object.keys(a) as Array<keyof Req>;
    const c = { ...a } as Record<keyof Req, unknown>;
    keys.forEach((k, i) => {
      if (picks[i]) c[k] = b[k];
    });
    return [a, c as unknown as Req];
  });

const HOST = 'https://h.example';

function paramsObject(pairs: Array<[string, string]>): Record<string, string> {
  // Object.fromEntries: a '__proto__' name becomes an own property, as in a JSON-parsed object.
  return Object.fromEntries(pairs);
}

function toParts(r: Req): KeyRequestParts {
  // A fixed first segment: a relative url starting with '//' would be protocol-relative.
  const path = `/p${r.segments.map((seg) => `/${encodeURIComponent(seg)}`).join('')}`;
  const search = r.query.length
    ? `?${r.query.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')}`
    : '';
  const params =
    r.params.length === 0 ? undefined : r.paramsAs === 'usp' ? new URLSearchParams(r.params) : paramsObject(r.params);
  return {
    method: r.method,
    ...(r.baseSplit ? { baseURL: HOST, url: path + search } : { url: HOST + path + search }),
    params,
    headers: Object.fromEntries(r.headers),
    data: r.bodyAs === 'buffer' ? Buffer.from(r.body) : r.body,
  };
}

/**
 * What makes two generated requests the same, defined from the generated values rather than
 * from the implementation: method (case-insensitive); the decoded path segments; the merged
 * (name, value) list sorted by name, values of one name in order; header names lower case with
 * their values; the body bytes (empty = none).
 */
function normalForm(r: Req): string {
  const paramPairs =
    r.paramsAs === 'usp'
      ? r.params
      : Object.entries(paramsObject(r.params)).map(([n, v]): [string, string] => [n.trim(), v]);
  const pairs = [...r.query, ...paramPairs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const headers = r.headers.map(([n, v]) => [n.toLowerCase(), v]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
  return JSON.stringify({
    method: r.method.toUpperCase(),
    path: r.segments,
    pairs,
    headers,
    body: Buffer.from(r.body).toString('hex'),
  });
}

const withHeaders: KeyOptions = { includeHeaders: true };
const keyOf = (parts: KeyRequestParts, options?: KeyOptions) =>
  createKey(parts.method ?? 'GET', parts.url ?? '', parts, options);

describe('cache keys (properties)', () => {
  it('is injective: requests with different normal forms get different keys, equal ones equal keys', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const sameRequest = normalForm(a) === normalForm(b);
        const sameKey = keyOf(toParts(a), withHeaders) === keyOf(toParts(b), withHeaders);
        expect(sameKey).toBe(sameRequest);
      }),
      RUNS,
    );
  });

  it('gives equal keys wherever the query parameters are split between the URL and params', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(nasty(3), nasty(3)), { maxLength: 5 }), fc.nat(), fc.nat(), (pairs, i, j) => {
        const at = (k: number): KeyRequestParts => {
          const cut = k % (pairs.length + 1);
          const search = pairs
            .slice(0, cut)
            .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
            .join('&');
          return { url: `${HOST}/p${search ? `?${search}` : ''}`, params: new URLSearchParams(pairs.slice(cut)) };
        };
        expect(keyOf(at(i))).toBe(keyOf(at(j)));
      }),
      RUNS,
    );
  });

  const keyName = fc.string({
    unit: fc.constantFrom('a', 'b', 'c', 'Z', '1', '_', '%', '&', '=', '+', '|', ':', 'é'),
    minLength: 1,
    maxLength: 4,
  });
  const paramLeaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null));
  const paramsValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, paramLeaf, fc.array(paramLeaf, { maxLength: 3 }), tie('object')),
    object: fc.dictionary(keyName, tie('value'), { maxKeys: 4 }),
  })).value;
  const paramsObjectArb = fc.dictionary(keyName, paramsValue, { maxKeys: 5 });

  /** A copy with object keys reordered at every depth (arrays keep their order). */
  function shuffled(value: unknown, seed: number): unknown {
    if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i + 1));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    let s = seed >>> 0 || 1;
    for (let i = entries.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const j = s % (i + 1);
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return Object.fromEntries(entries.map(([k, v], i) => [k, shuffled(v, seed * 31 + i)]));
  }

  // A JSON body is an object or an array (a bare number or boolean body is uncacheable).
  const jsonBody = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 5 }),
    fc.array(fc.jsonValue(), { maxLength: 4 }),
  );

  it('gives equal keys for equal requests: same parts, params and JSON bodies in any key order', () => {
    fc.assert(
      fc.property(reqArb, paramsObjectArb, jsonBody, fc.integer(), (r, params, json, seed) => {
        const parts = toParts(r);
        expect(keyOf({ ...parts }, withHeaders)).toBe(keyOf(parts, withHeaders));
        const base = { method: 'POST', url: `${HOST}/x` };
        const original = keyOf({ ...base, params, data: json });
        const reordered = keyOf({ ...base, params: shuffled(params, seed), data: shuffled(json, seed + 7) });
        expect(reordered).toBe(original);
      }),
      RUNS,
    );
  });

  it('KeyMaker agrees with createKey, memo or not, with or without ignoredParams', () => {
    const options: KeyOptions = { ignoredParams: ['a', '%'] };
    const plain = new KeyMaker();
    const ignoring = new KeyMaker(options);
    fc.assert(
      fc.property(
        reqArb,
        fc.dictionary(keyName, fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxKeys: 3 }),
        (r, params) => {
          const parts = {
            ...toParts(r),
            params,
            data: r.body,
            headers: { 'content-type': r.bodyAs === 'buffer' ? 'application/x-www-form-urlencoded' : 'text/plain' },
          };
          for (let round = 0; round < 2; round++) {
            expect(plain.keyFor(parts)).toBe(keyOf(parts));
            expect(ignoring.keyFor(parts)).toBe(keyOf(parts, options));
          }
        },
      ),
      RUNS,
    );
  });
});
