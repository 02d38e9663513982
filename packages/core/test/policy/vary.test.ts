/** HttpPolicy.selects and varyValue: which requests a stored response with Vary answers (RFC 9111 §4.1). */
import { response, rules, stored } from './helpers.js';

describe('selects', () => {
  const { policy, plan } = rules({ cacheControl: true });
  const forLanguage = (value: string | undefined) =>
    plan(value === undefined ? {} : { headers: { 'Accept-Language': value } });
  const entry = stored(
    policy,
    forLanguage('en, de'),
    response(200, { vary: 'Accept-Language', 'cache-control': 'max-age=60' }),
  );

  it.each([
    ['§4.1 the same value', 'en, de', true],
    ['§4.1 "by combining all field lines" and normalising whitespace', 'en,de', true],
    ['a set-valued field in another order', 'de, en', true],
    ['in another case', 'EN, DE', true],
    ['another value', 'fr', false],
    ['§4.1 absent only matches absent', undefined, false],
  ])('%s', (_rule, value, expected) => {
    expect(policy.selects(entry, forLanguage(value))).toBe(expected);
  });

  it('a response stored for a request without the header only answers requests without it', () => {
    const absent = stored(
      policy,
      forLanguage(undefined),
      response(200, { vary: 'Accept-Language', 'cache-control': 'max-age=60' }),
    );
    expect(policy.selects(absent, forLanguage(undefined))).toBe(true);
    expect(policy.selects(absent, forLanguage('en'))).toBe(false);
  });

  it('Vary is read without cacheControl too: it decides who may see the response', () => {
    const plain = rules();
    const tenantA = plain.plan({ headers: { 'X-Tenant': 'a' } });
    const stored = plain.policy.storable(tenantA, response(200, { vary: 'X-Tenant' }));
    expect(stored.ok && stored.vary).toEqual([['x-tenant', 'a']]);
  });
});

describe('varyValue', () => {
  it('keeps a credential header as an HMAC, never in clear', () => {
    const { policy, plan } = rules({ cacheControl: true });
    const value = policy.varyValue(plan({ headers: { Authorization: 'Bearer secret-token' } }), 'authorization');
    expect(value).toMatch(/^hmac:/);
    expect(value).not.toContain('secret-token');
    expect(policy.varyValue(plan({ auth: { username: 'u', password: 'p' } }), 'authorization')).toMatch(/^hmac:/);
  });
});
