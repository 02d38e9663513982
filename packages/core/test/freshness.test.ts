import fc from 'fast-check';
import {
  CachedResponse, canServeStaleOnError, currentAge, decideStorage, parseCacheControl, requestDirectives, retainUntil, usability,
  type CachePolicy, type HeaderPair, type ResolvedExpiry, type StorageInput,
} from '@axios-client-cache/core';

const T0 = Date.UTC(2026, 0, 1);
const NEVER: ResolvedExpiry = { kind: 'never' };
const httpDate = (ms: number) => new Date(ms).toUTCString();

function input(headers: HeaderPair[], overrides: Partial<StorageInput> = {}): StorageInput {
  return {
    status: 200, headers, requestHeaders: { get: () => undefined }, requestTime: T0, responseTime: T0,
    settingsExpiry: NEVER, cacheControl: true, shared: false, keyedByAuthorization: false, ...overrides,
  };
}

function stored(expires: number | null, policy: CachePolicy = {}, responseTime = T0): CachedResponse {
  return new CachedResponse({
    method: 'GET', url: 'https://a.example/', finalUrl: 'https://a.example/', status: 200, statusText: 'OK', headers: [],
    body: Buffer.alloc(0), createdAt: responseTime, expires, responseTime, requestTime: responseTime, policy,
  });
}

describe('parseCacheControl', () => {
  it('parses names case-insensitively, unquotes arguments, keeps the first occurrence', () => {
    const d = parseCacheControl('Max-Age=60, no-cache, private="set-cookie", max-age=5, ,');
    expect(d.get('max-age')).toBe('60');
    expect(d.get('no-cache')).toBe(true);
    expect(d.get('private')).toBe('set-cookie');
    expect(parseCacheControl(undefined).size).toBe(0);
  });

  it('request directives: Pragma: no-cache only without Cache-Control; bare max-stale is unlimited', () => {
    expect(requestDirectives(undefined, 'no-cache').noCache).toBe(true);
    expect(requestDirectives('max-age=5', 'no-cache').noCache).toBe(false);
    expect(requestDirectives('max-stale').maxStale).toBe(Infinity);
    expect(requestDirectives('max-stale=7, min-fresh=3, max-age=abc')).toMatchObject({ maxStale: 7000, minFresh: 3000, maxAge: undefined });
  });
});

describe('decideStorage', () => {
  it('without cacheControl only settings count', () => {
    expect(decideStorage(input([['cache-control', 'no-store']], { cacheControl: false, settingsExpiry: { kind: 'relative', ms: 5000 } }))?.expires).toBe(T0 + 5000);
    expect(decideStorage(input([], { cacheControl: false, settingsExpiry: { kind: 'skip' } }))).toBeUndefined();
  });

  it('max-age beats the settings; s-maxage only in a shared cache', () => {
    const settings: ResolvedExpiry = { kind: 'relative', ms: 999_000 };
    expect(decideStorage(input([['cache-control', 'max-age=10']], { settingsExpiry: settings }))?.expires).toBe(T0 + 10_000);
    expect(decideStorage(input([['cache-control', 'max-age=10, s-maxage=20']], { shared: true }))?.expires).toBe(T0 + 20_000);
    expect(decideStorage(input([['cache-control', 'max-age=10, s-maxage=20']]))?.expires).toBe(T0 + 10_000);
  });

  it('a request max-age comes first (the seed’s documented order)', () => {
    const req = { get: (n: string) => (n === 'cache-control' ? 'max-age=3' : undefined) };
    expect(decideStorage(input([['cache-control', 'max-age=10']], { requestHeaders: req }))?.expires).toBe(T0 + 3_000);
  });

  it('Expires relative to Date; an invalid Expires is already expired', () => {
    const date = T0 - 5_000; // the origin clock is 5 s behind
    expect(decideStorage(input([['date', httpDate(date)], ['expires', httpDate(date + 60_000)]]))?.expires).toBe(T0 + 55_000);
    expect(decideStorage(input([['expires', '0']]))?.expires).toBeLessThanOrEqual(T0);
    expect(decideStorage(input([['expires', 'garbage']], { settingsExpiry: { kind: 'relative', ms: 60_000 } }))?.expires).toBeLessThanOrEqual(T0);
  });

  it('Age and response delay reduce the lifetime (corrected initial age)', () => {
    const d = decideStorage(input([['cache-control', 'max-age=100'], ['age', '30']], { requestTime: T0 - 2_000 }));
    expect(d?.expires).toBe(T0 + 100_000 - 32_000);
    expect(d?.policy.initialAge).toBe(32_000);
  });

  it('no-store, private (shared), Vary: * are not stored; Authorization in a shared cache needs public/s-maxage/must-revalidate', () => {
    expect(decideStorage(input([['cache-control', 'no-store, max-age=60']]))).toBeUndefined();
    expect(decideStorage(input([['cache-control', 'private, max-age=60']], { shared: true }))).toBeUndefined();
    expect(decideStorage(input([['cache-control', 'private, max-age=60']]))).toBeDefined();
    expect(decideStorage(input([['vary', 'Accept, *']]))).toBeUndefined();
    const auth = { get: (n: string) => (n === 'authorization' ? 'Bearer x' : undefined) };
    expect(decideStorage(input([['cache-control', 'max-age=60']], { shared: true, requestHeaders: auth }))).toBeUndefined();
    expect(decideStorage(input([['cache-control', 'max-age=60']], { shared: true, requestHeaders: auth, keyedByAuthorization: true }))).toBeDefined();
    for (const cc of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) {
      expect(decideStorage(input([['cache-control', cc]], { shared: true, requestHeaders: auth }))).toBeDefined();
    }
  });

  it('records Vary names, no-cache, must-revalidate, immutable, stale windows', () => {
    const d = decideStorage(input([['cache-control', 'no-cache, must-revalidate, immutable, stale-while-revalidate=5, stale-if-error=9'], ['vary', 'Accept-Language, accept']]));
    expect(d?.vary).toEqual(['accept-language', 'accept']);
    expect(d?.policy).toEqual({ noCache: true, mustRevalidate: true, immutable: true, staleWhileRevalidate: 5000, staleIfError: 9000 });
    expect(decideStorage(input([['cache-control', 'proxy-revalidate, max-age=1']], { shared: true }))?.policy.mustRevalidate).toBe(true);
    expect(decideStorage(input([['cache-control', 'proxy-revalidate, max-age=1']]))?.policy.mustRevalidate).toBeUndefined();
  });

  it('heuristic freshness: 10% of Date − Last-Modified, capped at a day, only when settings say never and not public', () => {
    const headers: HeaderPair[] = [['date', httpDate(T0)], ['last-modified', httpDate(T0 - 1_000_000)]];
    expect(decideStorage(input(headers))?.expires).toBe(T0 + 100_000);
    expect(decideStorage(input([['date', httpDate(T0)], ['last-modified', httpDate(T0 - 100 * 86_400_000)]]))?.expires).toBe(T0 + 86_400_000);
    expect(decideStorage(input(headers, { status: 500 }))?.expires).toBeNull();
    expect(decideStorage(input(headers, { settingsExpiry: { kind: 'relative', ms: 5000 } }))?.expires).toBe(T0 + 5000);
  });
});

describe('usability', () => {
  it('fresh until expires, then revalidate; never-expiring stays fresh', () => {
    const e = stored(T0 + 10_000);
    expect(usability(e, T0 + 9_999, undefined, false)).toBe('fresh');
    expect(usability(e, T0 + 10_000, undefined, false)).toBe('revalidate');
    expect(usability(stored(null), T0 + 1e12, undefined, false)).toBe('fresh');
  });

  it('refresh and no-cache revalidate; immutable ignores refresh', () => {
    expect(usability(stored(null), T0, undefined, true)).toBe('revalidate');
    expect(usability(stored(null, { immutable: true }), T0, undefined, true)).toBe('fresh');
    expect(usability(stored(null, { noCache: true }), T0, undefined, false)).toBe('revalidate');
    expect(usability(stored(null), T0, requestDirectives('no-cache'), false)).toBe('revalidate');
  });

  it('request max-age, min-fresh, max-stale', () => {
    const e = stored(T0 + 60_000);
    expect(usability(e, T0 + 30_000, requestDirectives('max-age=20'), false)).toBe('revalidate');
    expect(usability(e, T0 + 30_000, requestDirectives('max-age=40'), false)).toBe('fresh');
    expect(usability(e, T0 + 30_000, requestDirectives('min-fresh=40'), false)).toBe('revalidate');
    expect(usability(e, T0 + 70_000, requestDirectives('max-stale=10'), false)).toBe('stale-ok');
    expect(usability(e, T0 + 71_000, requestDirectives('max-stale=10'), false)).toBe('revalidate');
    expect(usability(stored(T0, { mustRevalidate: true }), T0 + 1, requestDirectives('max-stale'), false)).toBe('revalidate');
  });

  it('stale-while-revalidate window', () => {
    const e = stored(T0, { staleWhileRevalidate: 5_000 });
    expect(usability(e, T0 + 5_000, undefined, false)).toBe('stale-while-revalidate');
    expect(usability(e, T0 + 5_001, undefined, false)).toBe('revalidate');
  });

  it('stale-if-error: the longer of the response and request windows; never with must-revalidate', () => {
    expect(canServeStaleOnError(stored(T0, { staleIfError: 5_000 }), T0 + 5_000, undefined)).toBe(true);
    expect(canServeStaleOnError(stored(T0, { staleIfError: 5_000 }), T0 + 6_000, undefined)).toBe(false);
    expect(canServeStaleOnError(stored(T0), T0 + 6_000, Infinity)).toBe(true);
    expect(canServeStaleOnError(stored(T0, { mustRevalidate: true }), T0 + 1, Infinity)).toBe(false);
  });

  it('currentAge and retainUntil', () => {
    expect(currentAge(stored(null, { initialAge: 3_000 }), T0 + 2_000)).toBe(5_000);
    expect(retainUntil(T0, { staleWhileRevalidate: 10, staleIfError: 20 })).toBe(T0 + 20);
    expect(retainUntil(null, {})).toBeNull();
  });
});

describe('freshness properties', () => {
  it('a stored max-age response is fresh exactly for max-age minus its initial age', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 20_000_000 }),
      (maxAge, age, delay, elapsed) => {
        const d = decideStorage(input([['cache-control', `max-age=${maxAge}`], ['age', String(age)]], { requestTime: T0 - delay }));
        expect(d).toBeDefined();
        const e = stored(d!.expires, d!.policy);
        const fresh = usability(e, T0 + elapsed, undefined, false) === 'fresh';
        expect(fresh).toBe(elapsed < maxAge * 1000 - (age * 1000 + delay));
        // The Age a hit reports never runs backwards and never hides the initial age.
        expect(currentAge(e, T0 + elapsed)).toBe(age * 1000 + delay + elapsed);
      },
    ));
  });

  it('a request directive can only make a response less usable than without it, unless it asks for stale', () => {
    const rank = { fresh: 3, 'stale-ok': 2, 'stale-while-revalidate': 1, revalidate: 0 } as const;
    fc.assert(fc.property(
      fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }),
      (offset, maxAge, minFresh) => {
        const e = stored(T0 + 60_000);
        const now = T0 + 60_000 + offset;
        const plain = usability(e, now, undefined, false);
        const strict = usability(e, now, requestDirectives(`max-age=${maxAge}, min-fresh=${minFresh}`), false);
        expect(rank[strict]).toBeLessThanOrEqual(rank[plain]);
      },
    ));
  });
});
