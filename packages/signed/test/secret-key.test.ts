/**
 * `secretKey: process.env.CACHE_KEY` with the variable unset must not store entries unsigned:
 * a secret that is present but empty is a CacheConfigError wherever a secret is taken, and the
 * message says what it looks like. (A left-out secretKey is fine: entries are unsigned.)
 */
import {
  BaseCache,
  CacheConfigError,
  checkSecretKeyOption,
  DictCache,
  type BaseCacheOptions,
} from '@axios-client-cache/core';
import { MemoryBackend, MemoryCache } from '@axios-client-cache/memory';
import { RedisBackend, RedisCache } from '@axios-client-cache/redis';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, SECRET_2 } from './helpers.js';

const MESSAGE = 'it looks like a missing environment variable';

/** The smallest store of one's own: BaseCache checks its options for it. */
class OwnStore extends BaseCache<string> {
  override async read(): Promise<string | undefined> {
    return undefined;
  }
  override async write(): Promise<void> {}
  override async delete(): Promise<void> {}
  override async bulkDelete(): Promise<void> {}
  override async clear(): Promise<void> {}
  override async contains(): Promise<boolean> {
    return false;
  }
  override async size(): Promise<number> {
    return 0;
  }
  override async *keys(): AsyncIterable<string> {}
  override async *values(): AsyncIterable<string> {}
}

const empty: Array<[string, unknown, string]> = [
  ["''", '', 'Invalid secretKey: ""'],
  ['undefined given as the option', undefined, 'Invalid secretKey: undefined'],
  ['null', null, 'Invalid secretKey: null'],
  ['empty bytes', new Uint8Array(0), 'Invalid secretKey: empty bytes'],
  ['[]', [], 'Invalid secretKey: an empty list'],
  ['a list with an undefined entry', [SECRET, undefined], 'Invalid secretKey[1]: undefined'],
  ['a list with an empty entry', ['', SECRET], 'Invalid secretKey[0]: ""'],
];

const makers: Array<[string, (secretKey: unknown) => unknown]> = [
  ['a BaseCache of ones own', (secretKey) => new OwnStore({ secretKey } as BaseCacheOptions)],
  ['MemoryCache', (secretKey) => new MemoryCache({ secretKey } as BaseCacheOptions)],
  ['MemoryBackend', (secretKey) => new MemoryBackend({ secretKey } as BaseCacheOptions)],
  ['RedisCache', (secretKey) => new RedisCache({ url: 'redis://127.0.0.1:1', secretKey } as BaseCacheOptions)],
  ['RedisBackend', (secretKey) => new RedisBackend({ url: 'redis://127.0.0.1:1', secretKey } as BaseCacheOptions)],
  ['SignedSerializer', (secretKey) => new SignedSerializer({ secretKey } as { secretKey: string })],
];

describe.each(makers)('%s', (_, make) => {
  test.each(empty)(
    'a secretKey of %s is a CacheConfigError that says it looks like a missing variable',
    (_, secretKey, named) => {
      expect(() => make(secretKey)).toThrow(CacheConfigError);
      expect(() => make(secretKey)).toThrow(named);
      expect(() => make(secretKey)).toThrow(MESSAGE);
    },
  );
});

test('the variable-shaped values type-check and work once the variables are set', async () => {
  const env: Record<string, string | undefined> = { CACHE_KEY_OLD: SECRET, CACHE_KEY_NEW: SECRET_2 };
  const old = new MemoryCache<string>({ secretKey: env.CACHE_KEY_OLD, sweepIntervalMs: false });
  const rotated = new MemoryCache<string>({
    secretKey: [env.CACHE_KEY_OLD, env.CACHE_KEY_NEW],
    sweepIntervalMs: false,
  });
  const bytes = await old.serialize('hello', 'k');
  expect(await rotated.deserialize(bytes, 'k')).toBe('hello');
  expect((rotated.serializer as SignedSerializer).kid).not.toBe((old.serializer as SignedSerializer).kid);
  await Promise.all([old.close(), rotated.close()]);
});

test('a left-out secretKey means unsigned entries', () => {
  expect(checkSecretKeyOption({})).toBeUndefined();
  expect(new MemoryBackend({ sweepIntervalMs: false }).responses.serializer).not.toBeInstanceOf(SignedSerializer);
  expect(new DictCache({}).serializer).not.toBeInstanceOf(SignedSerializer);
  expect(new DictCache({ secretKey: SECRET }).serializer).toBeInstanceOf(SignedSerializer);
});

test('messages never contain a secret', () => {
  expect(() => new MemoryCache({ secretKey: [SECRET, ''] })).toThrow(/^Invalid secretKey\[1\]: "" \(/);
  try {
    new MemoryCache({ secretKey: [SECRET, ''] });
  } catch (error) {
    expect(String(error)).not.toContain(SECRET);
  }
});
