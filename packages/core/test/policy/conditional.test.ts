/** HttpPolicy.notModified: answering the caller's own conditional request from a stored response (RFC 9111 §4.3.2). */
import { httpDate, response, rules, stored, T0 } from './helpers.js';

describe('notModified', () => {
  const { policy, plan } = rules({ cacheControl: true, shared: true });
  const entry = stored(
    policy,
    plan(),
    response(200, { 'cache-control': 'max-age=600', etag: '"abc"', 'last-modified': httpDate(T0 - 60_000) }),
  );
  const ask = (headers: Record<string, string>) => policy.notModified(entry, plan({ headers }));

  it.each<[string, Record<string, string>, boolean]>([
    ['RFC 9110 §13.1.2 If-None-Match with the stored entity tag', { 'If-None-Match': '"abc"' }, true],
    ['§13.1.2 weak comparison: W/ ignored', { 'If-None-Match': 'W/"abc"' }, true],
    ['§13.1.2 one of a list', { 'If-None-Match': '"x", "abc", "y"' }, true],
    ['§13.1.2 "*" matches any stored response', { 'If-None-Match': '*' }, true],
    ['§13.1.2 another entity tag', { 'If-None-Match': '"other"' }, false],
    ['§13.1.3 If-Modified-Since at or after Last-Modified', { 'If-Modified-Since': httpDate(T0 - 60_000) }, true],
    ['§13.1.3 If-Modified-Since before Last-Modified', { 'If-Modified-Since': httpDate(T0 - 120_000) }, false],
    [
      '§13.2.2 If-None-Match takes precedence over If-Modified-Since',
      { 'If-None-Match': '"other"', 'If-Modified-Since': httpDate(T0) },
      false,
    ],
    ['an invalid If-Modified-Since is ignored', { 'If-Modified-Since': 'yesterday' }, false],
  ])('%s', (_rule, headers, expected) => {
    expect(ask(headers)).toBe(expected);
  });

  it('without Last-Modified, RFC 9111 §4.3.2 compares with Date', () => {
    const dated = stored(
      policy,
      plan(),
      response(200, { 'cache-control': 'max-age=600', date: httpDate(T0 - 60_000) }),
    );
    expect(policy.notModified(dated, plan({ headers: { 'If-Modified-Since': httpDate(T0) } }))).toBe(true);
    expect(policy.notModified(dated, plan({ headers: { 'If-Modified-Since': httpDate(T0 - 120_000) } }))).toBe(false);
  });

  it('RFC 9110 §15.4.5: the 304 carries the stored Cache-Control, Date, ETag, Expires, Vary and Content-Location', () => {
    const rich = stored(
      policy,
      plan(),
      response(200, {
        'cache-control': 'max-age=600',
        etag: '"abc"',
        vary: 'Accept',
        'content-type': 'text/plain',
        'x-other': '1',
        'content-location': '/r',
      }),
    );
    expect(
      policy
        .notModifiedHeaders(rich)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['cache-control', 'content-location', 'date', 'etag', 'vary']);
  });
});
