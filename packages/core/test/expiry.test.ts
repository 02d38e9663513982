import { CacheConfigError, describeValue } from '../src/errors.js';
import {
  DO_NOT_CACHE,
  NEVER_EXPIRE,
  UrlExpiryRules,
  expiresAt,
  parseExpireAfter,
  parseHttpDate,
  type ResolvedExpiry,
  type UrlsExpireAfter,
} from '../src/expiry.js';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const rel = (ms: number): ResolvedExpiry => ({ kind: 'relative', ms });
const abs = (at: number): ResolvedExpiry => ({ kind: 'absolute', at });
const NEVER: ResolvedExpiry = { kind: 'never' };
const SKIP: ResolvedExpiry = { kind: 'skip' };

describe('parseExpireAfter: valid values', () => {
  const table: Array<[string, unknown, ResolvedExpiry, number | null]> = [
    ['NEVER_EXPIRE', NEVER_EXPIRE, NEVER, null],
    ['DO_NOT_CACHE', DO_NOT_CACHE, SKIP, NOW],
    ['-0', -0, SKIP, NOW],
    ['seconds', 60, rel(60 * S), NOW + 60 * S],
    ['fractional seconds', 1.5, rel(1500), NOW + 1500],
    ['a Date', new Date(NOW + D), abs(NOW + D), NOW + D],
    ['a Date in the past', new Date(0), abs(0), 0],
    ['a duration object', { hours: 1, minutes: 30 }, rel(H + 30 * M), NOW + H + 30 * M],
    [
      'every duration field',
      { weeks: 1, days: 1, hours: 1, minutes: 1, seconds: 1, milliseconds: 1 },
      rel(8 * D + H + M + S + 1),
      NOW + 8 * D + H + M + S + 1,
    ],
    ['a duration object with an undefined field', { seconds: 5, minutes: undefined }, rel(5 * S), NOW + 5 * S],
    ['a zero duration object', { seconds: 0 }, SKIP, NOW],
    ['90s', '90s', rel(90 * S), NOW + 90 * S],
    ['10m', '10m', rel(10 * M), NOW + 10 * M],
    ['1h30m', '1h30m', rel(H + 30 * M), NOW + H + 30 * M],
    ['7d', '7d', rel(7 * D), NOW + 7 * D],
    ['2^31 seconds, the longest duration', 2 ** 31, rel(2 ** 31 * S), NOW + 2 ** 31 * S],
    ['2w', '2w', rel(14 * D), NOW + 14 * D],
    ['500ms', '500ms', rel(500), NOW + 500],
    ['1.5h', '1.5h', rel(1.5 * H), NOW + 1.5 * H],
    ['1d2h3m4s5ms', '1d2h3m4s5ms', rel(D + 2 * H + 3 * M + 4 * S + 5), NOW + D + 2 * H + 3 * M + 4 * S + 5],
    ['padded 10m', '  10m ', rel(10 * M), NOW + 10 * M],
    ['0s', '0s', SKIP, NOW],
    ['PT10M', 'PT10M', rel(10 * M), NOW + 10 * M],
    ['P1DT2H', 'P1DT2H', rel(D + 2 * H), NOW + D + 2 * H],
    ['P2W', 'P2W', rel(14 * D), NOW + 14 * D],
    ['PT1.5S', 'PT1.5S', rel(1500), NOW + 1500],
    ['PT0,5H', 'PT0,5H', rel(H / 2), NOW + H / 2],
    ['numeric string', '60', rel(60 * S), NOW + 60 * S],
    ['numeric string -1', '-1', NEVER, null],
    ['numeric string 0', '0', SKIP, NOW],
    [
      'IMF-fixdate',
      'Sun, 06 Nov 1994 08:49:37 GMT',
      abs(Date.UTC(1994, 10, 6, 8, 49, 37)),
      Date.UTC(1994, 10, 6, 8, 49, 37),
    ],
    ['asctime date', 'Tue Jan 16 12:00:00 2024', abs(NOW + D), NOW + D],
  ];

  it.each(table)('%s', (_name, value, resolved, at) => {
    const r = parseExpireAfter(value, 'expireAfter');
    expect(r).toEqual(resolved);
    expect(expiresAt(r, NOW)).toBe(at);
  });
});

describe('parseExpireAfter: invalid values', () => {
  const fn = function refresh() {
    return 1;
  };
  const bad: Array<[string, unknown]> = [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['-2', -2],
    ['-0.5', -0.5],
    ['an overflowing number', 1e308],
    ['seconds past 2^31 (an expiry no Date can hold)', 9e15],
    ['2^53 seconds', 2 ** 53],
    ['a duration string past 2^31 seconds', '99999999999999d'],
    ['a duration object past 2^31 seconds', { weeks: 1e12 }],
    ['milliseconds past 2^31 seconds', { milliseconds: 2 ** 60 }],
    ["''", ''],
    ["'   '", '   '],
    ["'abc'", 'abc'],
    ["'10 minutes please'", '10 minutes please'],
    ["'10x'", '10x'],
    ["'10'+'m m'", '10m m'],
    ["'1h1h' (repeated unit)", '1h1h'],
    ["'.5h'", '.5h'],
    ["'-5m'", '-5m'],
    ["'10M' (case)", '10M'],
    ["'-2' string", '-2'],
    ["'P1Y'", 'P1Y'],
    ["'P1M'", 'P1M'],
    ["'PT'", 'PT'],
    ["'P'", 'P'],
    ["'P1DT'", 'P1DT'],
    ["'2024-01-01'", '2024-01-01'],
    ["'yesterday'", 'yesterday'],
    ['invalid Date', new Date('nope')],
    ['{}', {}],
    ['{ foo: 1 }', { foo: 1 }],
    ['{ minutes: 1, foo: 1 }', { minutes: 1, foo: 1 }],
    ['{ minutes: -1 }', { minutes: -1 }],
    ['{ minutes: NaN }', { minutes: NaN }],
    ['{ minutes: Infinity }', { minutes: Infinity }],
    ["{ minutes: '5' }", { minutes: '5' }],
    ['{ minutes: undefined }', { minutes: undefined }],
    ['true', true],
    ['false', false],
    ['[]', []],
    ['[60]', [60]],
    ['null', null],
    ['undefined', undefined],
    ['a function', fn],
    ['a Symbol', Symbol('ttl')],
    ['a bigint', 60n],
    ['a Map', new Map([['minutes', 1]])],
  ];

  it.each(bad)('rejects %s, naming the option and the value', (_name, value) => {
    expect(() => parseExpireAfter(value, 'expireAfter')).toThrow(CacheConfigError);
    let error: unknown;
    try {
      parseExpireAfter(value, 'expireAfter');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    const message = (error as Error).message;
    expect(message).toContain('expireAfter');
    expect(message).toContain(describeValue(value));
  });

  it('uses the option name it is given', () => {
    expect(() => parseExpireAfter('soon', 'requests[0].cache.expireAfter')).toThrow(
      'Invalid requests[0].cache.expireAfter: "soon"',
    );
  });

  it('explains why ISO years and months are rejected', () => {
    expect(() => parseExpireAfter('P1Y2M', 'expireAfter')).toThrow(/ambiguous/);
    expect(() => parseExpireAfter('P1M', 'expireAfter')).toThrow(/ambiguous/);
  });
});

describe('expiresAt', () => {
  it('computes the epoch time for each kind', () => {
    expect(expiresAt(NEVER, NOW)).toBeNull();
    expect(expiresAt(SKIP, NOW)).toBe(NOW);
    expect(expiresAt(rel(5), NOW)).toBe(NOW + 5);
    expect(expiresAt(abs(7), NOW)).toBe(7);
  });
});

describe('parseHttpDate', () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', t],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', t],
    ['asctime, one-digit day', 'Sun Nov  6 08:49:37 1994', t],
    ['asctime, two-digit day', 'Wed Nov 16 08:49:37 1994', Date.UTC(1994, 10, 16, 8, 49, 37)],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT ', t],
    ['names in another case (a lenient recipient: the meaning is not in doubt)', 'SUN, 06 NOV 1994 08:49:37 gmt', t],
    ['RFC 850 names in another case', 'sunday, 06-nov-94 08:49:37 GMT', t],
    ['epoch', 'Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['leap day', 'Thu, 29 Feb 2024 23:59:59 GMT', Date.UTC(2024, 1, 29, 23, 59, 59)],
  ])('parses %s', (_name, value, expected) => {
    expect(parseHttpDate(value)).toBe(expected);
  });

  it('reads a two-digit RFC 850 year as at most 50 years ahead', () => {
    const yy = (new Date().getUTCFullYear() + 60) % 100;
    const two = String(yy).padStart(2, '0');
    const year = new Date(parseHttpDate(`Monday, 01-Jan-${two} 00:00:00 GMT`) ?? NaN).getUTCFullYear();
    expect(year % 100).toBe(yy);
    expect(year).toBeLessThanOrEqual(new Date().getUTCFullYear() + 50);
    expect(year).toBeGreaterThan(new Date().getUTCFullYear() - 50);
  });

  it.each([
    '0',
    '-1',
    'yesterday',
    '2024-01-01',
    '2024-01-01T00:00:00Z',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 06 Nov 1994 08:49:37 +0000',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:61:00 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Sun, 06-Nov-94 08:49:37 GMT',
    'Sunday, 06-Nov-1994 08:49:37 GMT',
    'Sun Nov 6 08:49:37 1994',
    'Nov 6 1994',
    '',
  ])('rejects %j', (value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });
});

describe('UrlExpiryRules', () => {
  it('has no rules for undefined', () => {
    const rules = new UrlExpiryRules(undefined);
    expect(rules.size).toBe(0);
    expect(rules.match('a.com/x')).toBeUndefined();
  });

  it('matches a plain pattern as a prefix at a / or ? boundary', () => {
    const rules = new UrlExpiryRules({ 'api.example.com/users': 60 });
    expect(rules.size).toBe(1);
    expect(rules.match('api.example.com/users')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/users/7')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/users?x=1')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/usersettings')).toBeUndefined();
    expect(rules.match('api.example.com/other')).toBeUndefined();
    expect(rules.match('other.com/api.example.com/users')).toBeUndefined();
  });

  it('matches a host-only pattern for every path on that host', () => {
    const rules = new UrlExpiryRules({ 'api.example.com': '1h' });
    expect(rules.match('api.example.com/')).toEqual(rel(H));
    expect(rules.match('api.example.com/a/b?c=d')).toEqual(rel(H));
    expect(rules.match('api.example.company/a')).toBeUndefined();
  });

  it('matches globs', () => {
    const rules = new UrlExpiryRules({
      '*.example.com/static/*': '1d',
      'example.org/**/*.png': 'PT1M',
      'a.com/{x,y}/z': 5,
    });
    expect(rules.match('cdn.example.com/static/a/b.js')).toEqual(rel(D));
    expect(rules.match('cdn.example.com/static/app.js')).toEqual(rel(D));
    expect(rules.match('cdn.example.com/dynamic/app.js')).toBeUndefined();
    expect(rules.match('example.com/static/app.js')).toBeUndefined();
    expect(rules.match('example.org/a/b/c.png')).toEqual(rel(M));
    expect(rules.match('example.org/a/b/c.jpg')).toBeUndefined();
    expect(rules.match('a.com/y/z')).toEqual(rel(5 * S));
    expect(rules.match('a.com/w/z')).toBeUndefined();
  });

  it("treats '?' as a literal question mark, not a one-character wildcard", () => {
    const rules = new UrlExpiryRules({ 'a.com/search?q=*': 30 });
    expect(rules.match('a.com/search?q=cats')).toEqual(rel(30 * S));
    expect(rules.match('a.com/searchXq=cats')).toBeUndefined();
  });

  it('ignores a scheme in the pattern and the case of its host', () => {
    const rules = new UrlExpiryRules({ 'https://API.Example.com/Users': 60 });
    expect(rules.match('api.example.com/Users/1')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/users/1')).toBeUndefined();
  });

  it('tests RegExp patterns against the same target, repeatedly (no lastIndex state)', () => {
    const rules = new UrlExpiryRules(new Map<string | RegExp, number>([[/\/users\/\d+$/g, 60]]));
    for (let i = 0; i < 3; i++) expect(rules.match('api.example.com/users/7')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/users/me')).toBeUndefined();
  });

  it('lets the first matching rule in insertion order win', () => {
    const specificFirst: UrlsExpireAfter = [
      ['api.example.com/users/admin', NEVER_EXPIRE],
      ['api.example.com/users', 60],
      [/example\.com/, DO_NOT_CACHE],
    ];
    const rules = new UrlExpiryRules(specificFirst);
    expect(rules.size).toBe(3);
    expect(rules.match('api.example.com/users/admin')).toEqual(NEVER);
    expect(rules.match('api.example.com/users/7')).toEqual(rel(60 * S));
    expect(rules.match('api.example.com/other')).toEqual(SKIP);

    const generalFirst = new UrlExpiryRules({ 'api.example.com': 5, 'api.example.com/users': 60 });
    expect(generalFirst.match('api.example.com/users/7')).toEqual(rel(5 * S));
  });

  it('names the pattern when a rule value is invalid', () => {
    expect(() => new UrlExpiryRules({ 'api.example.com/*': 'soon' })).toThrow(CacheConfigError);
    expect(() => new UrlExpiryRules({ 'api.example.com/*': 'soon' })).toThrow(
      'Invalid urlsExpireAfter["api.example.com/*"]: "soon"',
    );
    expect(() => new UrlExpiryRules([[/users/, NaN]], 'cache.urlsExpireAfter')).toThrow(
      'Invalid cache.urlsExpireAfter[/users/]: NaN',
    );
  });

  it('rejects invalid patterns and containers', () => {
    expect(() => new UrlExpiryRules([[42 as never, 60]])).toThrow(CacheConfigError);
    expect(() => new UrlExpiryRules({ '': 60 })).toThrow(CacheConfigError);
    expect(() => new UrlExpiryRules('a.com' as never)).toThrow(CacheConfigError);
    expect(() => new UrlExpiryRules([['a.com'] as never])).toThrow(CacheConfigError);
  });
});
