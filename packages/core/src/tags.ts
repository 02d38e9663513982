/**
 * Tags: a response is tagged by its request (`clientCache: { tags }`) and by the response
 * headers named in `tagHeaders` (`Cache-Tag`, `Surrogate-Key`); `backend.invalidateTags(tags)`
 * makes every entry with one of those tags a miss, without finding or deleting them.
 *
 * Each tag has a version: a random value and the time (epoch ms) it was last invalidated, `0`
 * for never. An entry records the versions of its tags when it is stored, and is live while
 * every one is still the tag's version; invalidating a tag gives it a new version, one write per
 * tag. A response whose request left before one of its tags was last invalidated is not stored
 * (`not-stored` reason `tag-invalidated`): it may have been made before the change that the
 * invalidation announced. A tag whose version is gone or unreadable makes its entries misses.
 */
import { randomBytes } from 'node:crypto';
import type { NOT_NOW } from './base-cache.js';
import type { CachedResponse } from './cached-response.js';
import { invalidOption } from './errors.js';
import type { HeaderPair } from './headers.js';

/**
 * Where the tag versions of a cache are kept: in process memory ({@link LocalTags}, the default),
 * or in a store every process shares (RedisBackend keeps them in Redis, so that an invalidation
 * in one process holds in all).
 */
export interface TagStore {
  /** The versions of `tags` at once (`undefined`: none, or unreadable), or {@link NOT_NOW} when that needs a round trip. */
  peek(tags: readonly string[]): ReadonlyArray<string | undefined> | typeof NOT_NOW;
  /** The versions of `tags` now (`undefined`: none, or unreadable). */
  read(tags: readonly string[]): Promise<ReadonlyArray<string | undefined>>;
  /**
   * The versions to record on an entry being stored with `tags`: each tag's current version,
   * made (never invalidated) when it has none and kept at least until `retainUntil` (epoch ms;
   * `null`: no limit). An unreadable version is replaced by one invalidated now.
   */
  current(tags: readonly string[], retainUntil: number | null): Promise<readonly string[]>;
  /** Gives each of `tags` a new version, invalidated now. */
  invalidate(tags: readonly string[]): Promise<void>;
}

/** Most tags kept on one entry (request tags first, then the response's). */
export const MAX_TAGS = 64;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 256;

const VERSION = /^[0-9a-f]{16}\.(0|[1-9][0-9]{0,15})$/;
const BAD_TAG = /[\u0000-\u001f\u007f]/;

/** A new version of a tag, last invalidated at `invalidatedAt` (epoch ms; 0: never). */
export function newVersion(invalidatedAt: number): string {
  return `${randomBytes(8).toString('hex')}.${Math.max(0, Math.floor(invalidatedAt))}`;
}

/** When the tag of `version` was last invalidated (epoch ms, 0: never); `undefined` for anything that is not a version. */
export function invalidatedAt(version: unknown): number | undefined {
  if (typeof version !== 'string' || !VERSION.test(version)) return undefined;
  return Number(version.slice(17));
}

/**
 * Checks the tags a caller gives (`clientCache.tags`, `invalidateTags`): an array of non-empty
 * strings of at most {@link MAX_TAG_LENGTH} characters, without control characters.
 * @throws CacheConfigError naming the option and the value.
 */
export function checkTags(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length > MAX_TAGS || !value.every(isTag)) {
    invalidOption(
      option,
      value,
      `an array of at most ${MAX_TAGS} non-empty strings of at most ${MAX_TAG_LENGTH} characters, without control characters`,
    );
  }
  return value as string[];
}

function isTag(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_TAG_LENGTH && !BAD_TAG.test(value);
}

/**
 * The tags of a response: the request's, then those its `names` headers list (comma- or
 * space-separated, as `Cache-Tag` and `Surrogate-Key` are), each once; a header tag that is
 * not a valid tag is left out, and past {@link MAX_TAGS} the rest are.
 */
export function tagsOf(requestTags: readonly string[], headers: readonly HeaderPair[], names: ReadonlySet<string>) {
  if (names.size === 0) return requestTags;
  let found: Set<string> | undefined;
  for (const [name, value] of headers) {
    if (!names.has(name.toLowerCase())) continue;
    found ??= new Set(requestTags);
    for (const tag of value.split(/[\s,]+/)) if (isTag(tag) && found.size < MAX_TAGS) found.add(tag);
  }
  return found === undefined || found.size === requestTags.length ? requestTags : [...found];
}

/** Header names of `tagHeaders`, lower-cased. @throws CacheConfigError */
export function tagHeaderNames(value: unknown): ReadonlySet<string> {
  if (value === false) return new Set();
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v))) {
    invalidOption('tagHeaders', value, 'false or an array of header names');
  }
  return new Set((value as string[]).map((v) => v.toLowerCase()));
}

/** True when every tag of `entry` still has the version the entry recorded. */
export function isLive(entry: CachedResponse, versions: ReadonlyArray<string | undefined>): boolean {
  const recorded = entry.tagVersions;
  if (recorded.length !== entry.tags.length) return false;
  for (let i = 0; i < recorded.length; i++) if (versions[i] !== recorded[i] || recorded[i] === undefined) return false;
  return true;
}

/** True when one of `versions` was invalidated at or after `since` (epoch ms). */
export function invalidatedSince(versions: readonly string[], since: number): boolean {
  return versions.some((v) => (invalidatedAt(v) ?? Number.POSITIVE_INFINITY) >= since);
}

/**
 * Tag versions in process memory: the default for every backend, right for the in-process
 * stores (DictCache, MemoryCache). At most `maxTags` tags are kept; past that the oldest goes
 * (its entries become misses).
 */
export class LocalTags implements TagStore {
  readonly #versions = new Map<string, string>();
  readonly #clock: () => number;
  readonly #maxTags: number;

  constructor(clock: () => number, maxTags = 100_000) {
    this.#clock = clock;
    this.#maxTags = maxTags;
  }

  peek(tags: readonly string[]): Array<string | undefined> {
    return tags.map((tag) => this.#versions.get(tag));
  }

  read(tags: readonly string[]): Promise<Array<string | undefined>> {
    return Promise.resolve(this.peek(tags));
  }

  current(tags: readonly string[]): Promise<string[]> {
    return Promise.resolve(
      tags.map((tag) => {
        const known = this.#versions.get(tag);
        return known ?? this.#set(tag, newVersion(0));
      }),
    );
  }

  invalidate(tags: readonly string[]): Promise<void> {
    const now = this.#clock();
    for (const tag of tags) {
      this.#versions.delete(tag); // to the newest end
      this.#set(tag, newVersion(now));
    }
    return Promise.resolve();
  }

  /** Tags with a version (for stats and tests). */
  get size(): number {
    return this.#versions.size;
  }

  #set(tag: string, version: string): string {
    this.#versions.set(tag, version);
    if (this.#versions.size > this.#maxTags) {
      const oldest = this.#versions.keys().next().value as string;
      this.#versions.delete(oldest);
    }
    return version;
  }
}

/** Checks a {@link TagStore} given as an option. @throws CacheConfigError */
export function checkTagStore(value: unknown): asserts value is TagStore {
  const store = value as Partial<TagStore> | null;
  if (
    typeof store !== 'object' ||
    store === null ||
    !(['peek', 'read', 'current', 'invalidate'] as const).every((m) => typeof store[m] === 'function')
  ) {
    invalidOption('tags', value, 'a TagStore: an object with peek, read, current and invalidate');
  }
}
