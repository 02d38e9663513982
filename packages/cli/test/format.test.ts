/** The pure parts of the command: redaction, escaping, the signed-container check, patterns, formats. */
import { CachedResponse, encodeItem, msgpackSerializer } from '@axios-client-cache/core';
import { SignedSerializer } from '@axios-client-cache/signed';
import { signedKind } from '../src/entries.js';
import { formatBytes, formatDuration, table } from '../src/output.js';
import { responseMatcher } from '../src/pattern.js';
import { printable, safeHeaders, safeUrl, scrub } from '../src/redact.js';

const SECRET = 'x'.repeat(32);

function response(url: string, finalUrl = url): CachedResponse {
  return new CachedResponse({
    method: 'GET',
    url,
    finalUrl,
    status: 200,
    statusText: 'OK',
    headers: [],
    body: Buffer.from('{}'),
    createdAt: 0,
    expires: null,
  });
}

describe('redaction', () => {
  it('safeUrl drops the whole user info, keeps the rest', () => {
    expect(safeUrl('https://user:pa55@api.example.com:8443/a?b=1#c')).toBe(
      'https://REDACTED@api.example.com:8443/a?b=1#c',
    );
    expect(safeUrl('https://ghp_token@github.com/x')).toBe('https://REDACTED@github.com/x');
    expect(safeUrl('https://api.example.com/a@b')).toBe('https://api.example.com/a@b');
    expect(safeUrl('not a url')).toBe('not a url');
  });

  it('safeHeaders redacts credentials whatever their case, and keeps repeated headers', () => {
    expect(
      safeHeaders([
        ['Authorization', 'Bearer t'],
        ['COOKIE', 'a=1'],
        ['set-cookie', 'b=2'],
        ['set-cookie', 'c=3'],
        ['Proxy-Authorization', 'Basic p'],
        ['x-api-key', 'k'],
        ['accept', 'text/html'],
      ]),
    ).toEqual([
      ['authorization', 'REDACTED'],
      ['cookie', 'REDACTED'],
      ['set-cookie', 'REDACTED'],
      ['set-cookie', 'REDACTED'],
      ['proxy-authorization', 'REDACTED'],
      ['x-api-key', 'REDACTED'],
      ['accept', 'text/html'],
    ]);
  });

  it('printable shows control characters instead of sending them to the terminal', () => {
    expect(printable('a\u001b[2Jb\r\n\u009bc\ttab é')).toBe('a\\x1b[2Jb\\x0d\\x0a\\x9bc\\x09tab é');
  });

  it('scrub replaces every occurrence of each secret', () => {
    expect(scrub('key abc and abc, not ab', ['abc', ''])).toBe('key REDACTED and REDACTED, not ab');
  });
});

describe('signedKind', () => {
  it("recognises the signed package's containers without verifying them, and nothing else", async () => {
    const item = encodeItem(response('https://a.example/x'));
    const signed = await new SignedSerializer({ secretKey: SECRET }).dumps(item, { key: 'k' });
    const sealed = await new SignedSerializer({ secretKey: SECRET, encrypt: true }).dumps(item, { key: 'k' });
    expect(signedKind(signed)).toBe('signed');
    expect(signedKind(sealed)).toBe('encrypted');
    expect(signedKind(msgpackSerializer.dumps(item, {}) as Uint8Array)).toBeUndefined();
    expect(signedKind(Buffer.from([0xc1]))).toBeUndefined();
    expect(signedKind(Buffer.from([0xc1, 0x00, 0x01]))).toBeUndefined();
    expect(signedKind(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('responseMatcher', () => {
  it('means what a urlsExpireAfter pattern means, on the URL or the final URL', () => {
    const users = responseMatcher('api.example.com/users');
    expect(users(response('https://api.example.com/users'))).toBe(true);
    expect(users(response('https://api.example.com/users/7'))).toBe(true);
    expect(users(response('https://api.example.com/users?page=2'))).toBe(true);
    expect(users(response('https://api.example.com/usersettings'))).toBe(false);
    expect(users(response('https://other.example.com/old', 'https://api.example.com/users/1'))).toBe(true);
    const page1 = responseMatcher('https://api.example.com/users?page=1');
    expect(page1(response('https://api.example.com/users?page=1'))).toBe(true);
    expect(page1(response('https://api.example.com/users?page=10'))).toBe(false);
    const star = responseMatcher('*.example.com/static/*');
    expect(star(response('https://cdn.example.com/static/a/b.js'))).toBe(true);
    expect(star(response('https://cdn.example.org/static/a.js'))).toBe(false);
  });

  it('refuses an empty pattern with the option named', () => {
    expect(() => responseMatcher(' ')).toThrow('Invalid --pattern: " " (expected a non-empty glob)');
  });
});

describe('formats', () => {
  it('formatBytes, formatDuration, table', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 GiB',
    ]);
    expect([0, 400, 4000, 192_000, 7_500_000, 90_000_000, -65_000].map(formatDuration)).toEqual([
      '0 s',
      '0 s',
      '4 s',
      '3 m 12 s',
      '2 h 5 m',
      '1 d 1 h',
      '1 m 5 s',
    ]);
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ddd', 'e', 'last'],
      ]),
    ).toEqual(['a    bb  c', 'ddd  e   last']);
  });
});
