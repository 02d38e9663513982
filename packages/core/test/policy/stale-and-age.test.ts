/** HttpPolicy.staleOnError, retainUntil and age: serving stale on failure, keeping entries, and Age (RFC 5861 §4, RFC 9111 §4.2.3). */
import { response, rules, stored, T0 } from './helpers.js';

describe('staleOnError', () => {
  const rows: Array<[string, object, Record<string, string>, object, number, boolean]> = [
    [
      'RFC 5861 §4 within the response’s stale-if-error',
      { cacheControl: true },
      { 'cache-control': 'max-age=10, stale-if-error=60' },
      {},
      60,
      true,
    ],
    [
      'RFC 5861 §4 past it',
      { cacheControl: true },
      { 'cache-control': 'max-age=10, stale-if-error=60' },
      {},
      71,
      false,
    ],
    [
      'the backend’s staleIfError window',
      { cacheControl: true, staleIfError: '1h' },
      { 'cache-control': 'max-age=10' },
      {},
      3000,
      true,
    ],
    [
      'a request’s own window',
      { cacheControl: true },
      { 'cache-control': 'max-age=10' },
      { clientCache: { staleIfError: 100 } },
      100,
      true,
    ],
    [
      'a request turning it off',
      { cacheControl: true, staleIfError: true },
      { 'cache-control': 'max-age=10' },
      { clientCache: { staleIfError: false } },
      20,
      false,
    ],
    [
      '§5.2.2.2 never with must-revalidate',
      { cacheControl: true, staleIfError: true },
      { 'cache-control': 'max-age=10, must-revalidate, stale-if-error=100' },
      {},
      20,
      false,
    ],
  ];

  it.each(rows)('%s', (_rule, options, headers, request, seconds, expected) => {
    const { policy, plan } = rules(options);
    const entry = stored(policy, plan(), response(200, headers));
    expect(policy.staleOnError(entry, plan(request), T0 + seconds * 1000)).toBe(expected);
  });
});

describe('retainUntil (what the store’s TTL is derived from)', () => {
  it.each([
    [
      'freshness plus the longest stale window',
      { cacheControl: true },
      { 'cache-control': 'max-age=10, stale-while-revalidate=30, stale-if-error=90' },
      100_000,
    ],
    [
      'with validators: as long again as it was fresh, at least a minute',
      { cacheControl: true },
      { 'cache-control': 'max-age=10', etag: '"x"' },
      70_000,
    ],
    [
      'the backend’s staleIfError window',
      { cacheControl: true, staleIfError: '10m' },
      { 'cache-control': 'max-age=10' },
      610_000,
    ],
    ['nothing else: at freshness', { cacheControl: true }, { 'cache-control': 'max-age=10' }, 10_000],
  ])('%s', (_rule, options, headers, expected) => {
    const { policy, plan } = rules(options);
    expect((policy.retainUntil(stored(policy, plan(), response(200, headers))) as number) - T0).toBe(expected);
  });

  it('a never-expiring entry, or an unlimited staleIfError, is kept until deleted', () => {
    const never = rules();
    expect(never.policy.retainUntil(stored(never.policy, never.plan(), response(200)))).toBeNull();
    const unlimited = rules({ cacheControl: true, staleIfError: true });
    expect(
      unlimited.policy.retainUntil(
        stored(unlimited.policy, unlimited.plan(), response(200, { 'cache-control': 'max-age=1' })),
      ),
    ).toBeNull();
  });
});

describe('age (§4.2.3)', () => {
  it('is the corrected initial age plus the time since the response arrived', () => {
    const { policy, plan } = rules({ cacheControl: true });
    const entry = stored(policy, plan(), response(200, { 'cache-control': 'max-age=600', age: '30' }));
    expect(policy.age(entry, T0 + 10_000)).toBe(40_000);
  });

  it('counts a Date in the past as apparent age', () => {
    const { policy, plan } = rules({ cacheControl: true });
    const entry = stored(
      policy,
      plan(),
      response(200, { 'cache-control': 'max-age=600', date: new Date(T0 - 5_000).toUTCString() }),
    );
    expect(policy.age(entry, T0)).toBe(5_000);
  });
});
