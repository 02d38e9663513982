/** HttpPolicy.storable: may this response be stored, until when, and if not, why (RFC 9111 §3, §4.2). */
import { T0, httpDate, response, rules } from './helpers.js';

const MIN = 60_000;

describe('storable: who may see it (shared-cache rules, with or without cacheControl)', () => {
  // [rule, options, request, response headers, expected reason or 'stored']
  const rows: Array<[string, object, object, Record<string, string>, string]> = [
    [
      '§5.2.2.5 no-store: "a cache MUST NOT store any part of either the immediate request or the response"',
      { cacheControl: true },
      {},
      { 'cache-control': 'no-store' },
      'no-store',
    ],
    [
      'no-store in a shared cache without cacheControl: still not stored',
      { shared: true },
      {},
      { 'cache-control': 'no-store' },
      'no-store',
    ],
    [
      'no-store in a private cache without cacheControl: headers are not read',
      {},
      {},
      { 'cache-control': 'no-store' },
      'stored',
    ],
    [
      '§5.2.2.7 private: "a shared cache MUST NOT store the response"',
      { cacheControl: true, shared: true },
      {},
      { 'cache-control': 'private, max-age=60' },
      'private',
    ],
    [
      'private without cacheControl in a shared cache: not stored',
      { shared: true },
      {},
      { 'cache-control': 'private' },
      'private',
    ],
    [
      'private in a private cache: stored',
      { cacheControl: true },
      {},
      { 'cache-control': 'private, max-age=60' },
      'stored',
    ],
    [
      'Set-Cookie in a shared cache: not stored (another user would get the session)',
      { shared: true },
      {},
      { 'set-cookie': 'sid=1' },
      'set-cookie',
    ],
    ['Set-Cookie in a private cache: stored', {}, {}, { 'set-cookie': 'sid=1' }, 'stored'],
    ['§4.1 Vary: * "always fails to match": not stored', {}, {}, { vary: '*' }, 'vary-star'],
    [
      '§3.5 Authorization in a shared cache without public, s-maxage or must-revalidate',
      { cacheControl: true, shared: true },
      { headers: { Authorization: 'Bearer x' } },
      { 'cache-control': 'max-age=60' },
      'authorization',
    ],
    [
      '§3.5 ... with public',
      { cacheControl: true, shared: true },
      { headers: { Authorization: 'Bearer x' } },
      { 'cache-control': 'public, max-age=60' },
      'stored',
    ],
    [
      '§3.5 ... with s-maxage',
      { cacheControl: true, shared: true },
      { headers: { Authorization: 'Bearer x' } },
      { 'cache-control': 's-maxage=60' },
      'stored',
    ],
    [
      '§3.5 ... with must-revalidate',
      { cacheControl: true, shared: true },
      { headers: { Authorization: 'Bearer x' } },
      { 'cache-control': 'max-age=60, must-revalidate' },
      'stored',
    ],
    [
      '§3.5 the axios auth option is an Authorization too',
      { cacheControl: true, shared: true },
      { auth: { username: 'u', password: 'p' } },
      { 'cache-control': 'max-age=60' },
      'authorization',
    ],
    [
      '§3.5 applies to shared caches only',
      { cacheControl: true },
      { headers: { Authorization: 'Bearer x' } },
      { 'cache-control': 'max-age=60' },
      'stored',
    ],
    [
      '§5.2.2.3 must-understand: "a cache that understands and conforms to the requirements of the status code" may ignore no-store',
      { cacheControl: true },
      {},
      { 'cache-control': 'max-age=60, no-store, must-understand' },
      'stored',
    ],
  ];

  it.each(rows)('%s', (_rule, options, request, headers, expected) => {
    const { policy, plan } = rules(options);
    const decision = policy.storable(plan(request), response(200, headers));
    expect(decision.ok ? 'stored' : decision.reason).toBe(expected);
  });
});

describe('storable: which statuses (RFC 9111 §3, RFC 9110 §15.1)', () => {
  const rows: Array<[string, object, number, Record<string, string>, boolean]> = [
    ['without cacheControl, by default only 200', {}, 404, {}, false],
    ['without cacheControl, 200', {}, 200, {}, true],
    [
      'allowedCodes always restricts, even with explicit freshness',
      { cacheControl: true, allowedCodes: [200] },
      404,
      { 'cache-control': 'max-age=60' },
      false,
    ],
    ['§3 a heuristically cacheable status (404) needs no explicit freshness', { cacheControl: true }, 404, {}, true],
    [
      '§3 any final status with explicit freshness (418 with max-age)',
      { cacheControl: true },
      418,
      { 'cache-control': 'max-age=60' },
      true,
    ],
    ['§3 a status that is not heuristically cacheable without freshness (503)', { cacheControl: true }, 503, {}, false],
    ['§3 a 1xx is not a final response', { cacheControl: true }, 103, { 'cache-control': 'max-age=60' }, false],
    ['a 206 is never stored under the full key', { cacheControl: true }, 206, { 'cache-control': 'max-age=60' }, false],
    [
      '§5.2.2.3 must-understand with a status not understood: not stored',
      { cacheControl: true },
      599,
      { 'cache-control': 'max-age=60, must-understand' },
      false,
    ],
  ];

  it.each(rows)('%s', (_rule, options, status, headers, expected) => {
    const { policy, plan } = rules(options);
    expect(policy.storable(plan(), response(status, headers)).ok).toBe(expected);
  });
});

describe('storable: how long (RFC 9111 §4.2.1, §4.2.2, §4.2.3)', () => {
  // [rule, options, response headers, expected expires - T0 in ms, or null for never]
  const rows: Array<[string, object, Record<string, string>, number | null]> = [
    ['without cacheControl the settings decide', { expireAfter: 60 }, { 'cache-control': 'max-age=5' }, MIN],
    ['without cacheControl and no expireAfter: never expires (-1)', {}, {}, null],
    ['§5.2.2.1 max-age', { cacheControl: true, expireAfter: 600 }, { 'cache-control': 'max-age=60' }, MIN],
    [
      '§5.2.2.10 s-maxage is ignored by a private cache',
      { cacheControl: true },
      { 'cache-control': 's-maxage=10, max-age=60' },
      MIN,
    ],
    [
      '§5.2.2.10 s-maxage wins in a shared cache',
      { cacheControl: true, shared: true },
      { 'cache-control': 's-maxage=10, max-age=60' },
      10_000,
    ],
    ['§5.3 Expires − Date', { cacheControl: true }, { expires: httpDate(T0 + 30_000) }, 30_000],
    [
      '§4.2.1 Expires with an invalid Date: counted from when the response arrived',
      { cacheControl: true },
      { expires: httpDate(T0 + 30_000), date: 'junk' },
      30_000,
    ],
    [
      'RFC 9110 §5.6.7 an Expires whose names are in another case is read (a lenient recipient)',
      { cacheControl: true },
      { expires: httpDate(T0 + 30_000).toUpperCase() },
      30_000,
    ],
    [
      '§5.3 "a cache recipient MUST interpret invalid date formats, especially the value 0, as in the past"',
      { cacheControl: true, expireAfter: 600 },
      { expires: '0' },
      0,
    ],
    [
      '§4.2.1 invalid max-age (negative) is stale, not the default',
      { cacheControl: true, expireAfter: -1 },
      { 'cache-control': 'max-age=-3600' },
      0,
    ],
    [
      '§4.2.1 invalid max-age (single-quoted) is stale',
      { cacheControl: true },
      { 'cache-control': "max-age='3600'" },
      0,
    ],
    ['§5.2 a quoted max-age is accepted', { cacheControl: true }, { 'cache-control': 'max-age="60"' }, MIN],
    ['§4.2.3 Age counts against max-age', { cacheControl: true }, { 'cache-control': 'max-age=60', age: '20' }, 40_000],
    [
      '§5.1 an invalid Age (7200.0) is ignored',
      { cacheControl: true },
      { 'cache-control': 'max-age=3600', age: '7200.0' },
      3_600_000,
    ],
    [
      '§5.1 a list Age (7200, 0) uses its first member',
      { cacheControl: true },
      { 'cache-control': 'max-age=3600', age: '7200, 0' },
      -3_600_000,
    ],
    [
      '§4.2.2 heuristic: 10% of Date − Last-Modified',
      { cacheControl: true },
      { 'last-modified': httpDate(T0 - 10 * MIN) },
      MIN,
    ],
    [
      '§4.2.2 heuristic is capped (at a day)',
      { cacheControl: true },
      { 'last-modified': httpDate(T0 - 100 * 86_400_000) },
      86_400_000,
    ],
    ['nothing explicit, no Last-Modified, no expireAfter: usable only after validation', { cacheControl: true }, {}, 0],
    ['nothing explicit, with expireAfter set: the setting fills in', { cacheControl: true, expireAfter: 60 }, {}, MIN],
  ];

  it.each(rows)('%s', (_rule, options, headers, expected) => {
    const { policy, plan } = rules(options);
    const decision = policy.storable(plan(), response(200, headers));
    if (!decision.ok) throw new Error(`not stored: ${decision.reason}`);
    expect(decision.expires === null ? null : decision.expires - T0).toBe(expected);
  });

  it('with cacheControl, an expireAfter of 0 keeps out what says nothing, and headers still win', () => {
    const { policy, plan } = rules({ cacheControl: true, expireAfter: 0 });
    expect(policy.storable(plan(), response(200, {}))).toEqual({ ok: false, reason: 'expire-after-0' });
    expect(policy.storable(plan(), response(200, { 'cache-control': 'max-age=60' })).ok).toBe(true);
  });

  it('records the facts a stored response is used by: no-cache, must-revalidate, proxy-revalidate (shared), immutable, stale windows', () => {
    const { policy, plan } = rules({ cacheControl: true, shared: true });
    const decision = policy.storable(
      plan(),
      response(200, {
        'cache-control':
          'max-age=60, no-cache, proxy-revalidate, immutable, stale-while-revalidate=30, stale-if-error=90',
      }),
    );
    expect(decision.ok && decision.policy).toEqual({
      noCache: true,
      mustRevalidate: true,
      immutable: true,
      staleWhileRevalidate: 30_000,
      staleIfError: 90_000,
    });
  });
});
