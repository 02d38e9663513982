import { CacheConfigError, urlPattern, type CachedResponse } from '@axios-client-cache/core';
import { CliError } from './errors.js';

/**
 * `--pattern`: a glob with exactly the meaning of a `urlsExpireAfter` pattern (the library
 * compiles it): over `host[:port]/path?query` without the scheme, matching as a prefix that
 * ends at a `/` or `?` (`api.example.com/users` matches `…/users/7`), `*` not crossing `/`,
 * `?` a literal question mark. It matches a response when it matches its requested URL or
 * its final URL.
 */
export function responseMatcher(pattern: string): (response: CachedResponse) => boolean {
  let test: (url: string) => boolean;
  try {
    test = urlPattern(pattern, '--pattern');
  } catch (error) {
    if (error instanceof CacheConfigError) throw new CliError(error.message);
    throw error;
  }
  const matches = (url: string): boolean => {
    try {
      return test(url);
    } catch {
      return false;
    }
  };
  return (response) => matches(response.url) || (response.finalUrl !== response.url && matches(response.finalUrl));
}
