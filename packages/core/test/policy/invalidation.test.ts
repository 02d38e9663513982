/** HttpPolicy.invalidationTargets: what a successful unsafe request invalidates (RFC 9111 §4.4). */
import type { HeaderPair } from '../../src/headers.js';
import { rules, URL } from './helpers.js';

describe('invalidationTargets', () => {
  const { policy, plan } = rules();
  const post = plan({ method: 'post' });

  it('§4.4 "a cache MUST invalidate the target URI" after a non-error response to an unsafe method', () => {
    expect(policy.invalidationTargets(post, 201, [])).toEqual([URL]);
  });

  it('§4.4 and the URIs in Location and Content-Location, on the same origin only', () => {
    const headers: HeaderPair[] = [
      ['location', '/r/7'],
      ['content-location', 'https://api.example.com/r/8'],
      ['location', 'https://other.example/x'],
    ];
    expect(policy.invalidationTargets(post, 200, headers)).toEqual([
      URL,
      'https://api.example.com/r/7',
      'https://api.example.com/r/8',
    ]);
  });

  it('not after an error response', () => {
    expect(policy.invalidationTargets(post, 500, [])).toEqual([]);
    expect(policy.invalidationTargets(post, 404, [])).toEqual([]);
  });

  it('not for a safe method, nor for a method the cache stores (a POST search in allowedMethods)', () => {
    expect(policy.invalidationTargets(plan({ method: 'options' }), 200, [])).toEqual([]);
    const search = rules({ allowedMethods: ['GET', 'HEAD', 'POST'] });
    expect(search.policy.invalidationTargets(search.plan({ method: 'post' }), 200, [])).toEqual([]);
  });
});
