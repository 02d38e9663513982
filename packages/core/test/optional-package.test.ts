import { CacheConfigError } from '@axios-client-cache/core';
import { loadOptionalPackage } from '../src/optional-package.js';

describe('loadOptionalPackage', () => {
  it('loads a package resolvable from core itself', () => {
    const signed = loadOptionalPackage<{ SignedSerializer: unknown }>(
      '@axios-client-cache/signed',
      'secretKey',
      'serializer',
    );
    expect(typeof signed.SignedSerializer).toBe('function');
  });

  it('names the package, how to install it and what to pass instead when it is missing', () => {
    const load = () =>
      loadOptionalPackage(
        '@axios-client-cache/no-such-package',
        'secretKey (signed cache entries)',
        'serializer: new X()',
      );
    expect(load).toThrow(CacheConfigError);
    expect(load).toThrow(
      'secretKey (signed cache entries) needs the package @axios-client-cache/no-such-package: install it next to @axios-client-cache/core ' +
        '(npm install @axios-client-cache/no-such-package); in a bundled application, pass serializer: new X()',
    );
  });
});
