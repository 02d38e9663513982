/** HttpPolicy.revalidationHeaders and revalidated: asking the origin, and freshening with its 304 (RFC 9111 §4.3). */
import { response, rules, stored, T0 } from './helpers.js';

describe('revalidationHeaders (§4.3.1)', () => {
  it('sends If-None-Match for an ETag and If-Modified-Since for a Last-Modified', () => {
    const { policy, plan } = rules({ cacheControl: true });
    const entry = stored(
      policy,
      plan(),
      response(200, { 'cache-control': 'max-age=1', etag: '"v1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }),
    );
    expect(policy.revalidationHeaders(entry)).toEqual([
      ['if-none-match', '"v1"'],
      ['if-modified-since', 'Wed, 01 Jan 2025 00:00:00 GMT'],
    ]);
  });

  it('has nothing to send without a validator', () => {
    const { policy, plan } = rules({ cacheControl: true });
    expect(
      policy.revalidationHeaders(stored(policy, plan(), response(200, { 'cache-control': 'max-age=1' }))),
    ).toBeUndefined();
  });
});

describe('revalidated (§4.3.4 "the cache MUST use the header fields provided in the 304 response to replace all instances of the corresponding header fields in the stored response")', () => {
  const { policy, plan } = rules({ cacheControl: true });
  const entry = stored(
    policy,
    plan(),
    response(200, { 'cache-control': 'max-age=10', etag: '"v1"', 'x-version': 'one', 'content-length': '4' }),
  );

  it('replaces the fields the 304 carries and decides freshness again from the merged fields', () => {
    const later = T0 + 60_000;
    const decision = policy.revalidated(
      entry,
      plan(),
      response(304, { 'cache-control': 'max-age=100', 'x-version': 'two' }, later),
    );
    if (!decision.ok) throw new Error(decision.reason);
    expect(decision.headers).toEqual(
      expect.arrayContaining([
        ['x-version', 'two'],
        ['etag', '"v1"'],
        ['cache-control', 'max-age=100'],
      ]),
    );
    expect(decision.headers.filter(([k]) => k === 'x-version')).toHaveLength(1);
    expect(decision.expires).toBe(later + 100_000);
  });

  it('keeps the fields that describe the stored body', () => {
    const decision = policy.revalidated(entry, plan(), response(304, { 'content-length': '0' }));
    expect(decision.ok && decision.headers.filter(([k]) => k === 'content-length')).toEqual([['content-length', '4']]);
  });

  it('drops hop-by-hop fields the 304 brings', () => {
    const decision = policy.revalidated(
      entry,
      plan(),
      response(304, { connection: 'x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5' }),
    );
    expect(decision.ok && decision.headers.map(([k]) => k)).not.toEqual(expect.arrayContaining(['x-hop']));
  });

  it('a 304 that says no-store drops the entry', () => {
    expect(policy.revalidated(entry, plan(), response(304, { 'cache-control': 'no-store' }))).toEqual({
      ok: false,
      reason: 'no-store',
      // Still the caller's answer: the merged fields.
      headers: expect.arrayContaining([
        ['cache-control', 'no-store'],
        ['etag', '"v1"'],
      ]),
    });
  });
});

describe('updates (§4.3.4 "If none of the stored responses contain the same strong validator, then the cache MUST NOT use the new response to update any stored responses")', () => {
  const { policy, plan } = rules({ cacheControl: true });
  const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT';
  const strong = stored(
    policy,
    plan(),
    response(200, { 'cache-control': 'max-age=1', etag: '"v1"', 'last-modified': lastModified }),
  );
  const weak = stored(policy, plan(), response(200, { 'cache-control': 'max-age=1', etag: 'W/"v1"' }));
  const dated = stored(policy, plan(), response(200, { 'cache-control': 'max-age=1', 'last-modified': lastModified }));

  it.each([
    ['the same strong ETag', strong, { etag: '"v1"' }, true],
    ['another strong ETag', strong, { etag: '"v2"' }, false],
    ['a strong ETag over a weak stored one', weak, { etag: '"v1"' }, false],
    ['a weak ETag that matches weakly', strong, { etag: 'W/"v1"' }, true],
    ['a weak ETag that matches a weak stored one', weak, { etag: 'W/"v1"' }, true],
    ['another weak ETag', weak, { etag: 'W/"v2"' }, false],
    ['an ETag where none is stored', dated, { etag: '"v1"' }, false],
    ['the same Last-Modified', dated, { 'last-modified': lastModified }, true],
    ['another Last-Modified', dated, { 'last-modified': 'Thu, 02 Jan 2025 00:00:00 GMT' }, false],
    ['no validator (an answer to the validators sent)', strong, {}, true],
  ])('a 304 with %s', (_what, entry, headers, expected) => {
    expect(policy.updates(entry, response(304, headers))).toBe(expected);
  });
});
