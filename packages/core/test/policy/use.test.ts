/** HttpPolicy.use: may a stored response answer this request now (RFC 9111 §4.2, §5.2.1, RFC 5861, RFC 8246)? */
import { response, rules, stored, T0 } from './helpers.js';

describe('use', () => {
  // [rule, options, response headers, request, seconds after storing, expected use]
  const rows: Array<[string, object, Record<string, string>, object, number, string]> = [
    [
      '§4.2 fresh while its age is below its lifetime',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      {},
      59,
      'fresh',
    ],
    ['§4.2 stale past it', { cacheControl: true }, { 'cache-control': 'max-age=60' }, {}, 60, 'revalidate'],
    ['without cacheControl, a never-expiring entry stays fresh', {}, {}, {}, 10_000_000, 'fresh'],
    [
      '§5.2.2.4 no-cache: "MUST NOT be used to satisfy any other request without forwarding it for validation"',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, no-cache' },
      {},
      1,
      'revalidate',
    ],
    [
      '§5.2.1.4 request no-cache',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { 'Cache-Control': 'no-cache' } },
      1,
      'revalidate',
    ],
    [
      '§5.4 request Pragma: no-cache without Cache-Control',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { Pragma: 'no-cache' } },
      1,
      'revalidate',
    ],
    [
      '§5.2.1.1 request max-age: older than that, not used',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { 'Cache-Control': 'max-age=10' } },
      20,
      'revalidate',
    ],
    [
      '§5.2.1.3 request min-fresh',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { 'Cache-Control': 'min-fresh=30' } },
      40,
      'revalidate',
    ],
    [
      '§5.2.1.2 request max-stale allows serving stale',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { 'Cache-Control': 'max-stale=100' } },
      120,
      'stale-ok',
    ],
    [
      '§5.2.1.2 bare max-stale: any staleness',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { headers: { 'Cache-Control': 'max-stale' } },
      100_000,
      'stale-ok',
    ],
    [
      '§5.2.2.2 must-revalidate beats max-stale',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, must-revalidate' },
      { headers: { 'Cache-Control': 'max-stale=100' } },
      120,
      'revalidate',
    ],
    [
      'RFC 5861 §3 within stale-while-revalidate',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, stale-while-revalidate=30' },
      {},
      80,
      'stale-while-revalidate',
    ],
    [
      'RFC 5861 §3 past it',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, stale-while-revalidate=30' },
      {},
      95,
      'revalidate',
    ],
    [
      'refresh: a soft reload revalidates',
      { cacheControl: true },
      { 'cache-control': 'max-age=60' },
      { refresh: true },
      1,
      'revalidate',
    ],
    [
      'RFC 8246 immutable: a fresh one needs no revalidation on refresh',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, immutable' },
      { refresh: true },
      1,
      'fresh',
    ],
    [
      'RFC 8246 immutable says nothing once stale',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, immutable' },
      { refresh: true },
      61,
      'revalidate',
    ],
    [
      'immutable does not override a no-cache request',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, immutable' },
      { headers: { 'Cache-Control': 'no-cache' } },
      1,
      'revalidate',
    ],
    [
      'RFC 8246 §2.1 a fresh immutable response is not revalidated on a reload (request max-age=0)',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, immutable' },
      { headers: { 'Cache-Control': 'max-age=0' } },
      1,
      'fresh',
    ],
    [
      'a stale immutable response is revalidated on a reload',
      { cacheControl: true },
      { 'cache-control': 'max-age=60, immutable' },
      { headers: { 'Cache-Control': 'max-age=0' } },
      61,
      'revalidate',
    ],
  ];

  it.each(rows)('%s', (_rule, options, headers, request, seconds, expected) => {
    const { policy, plan } = rules(options);
    const entry = stored(policy, plan(), response(200, headers));
    expect(policy.use(entry, plan(request), T0 + seconds * 1000)).toBe(expected);
  });
});
