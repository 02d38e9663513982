import { CacheSerializationError, invalidatedAt, NOT_NOW, newVersion, type TagStore } from '@axios-client-cache/core';
import type { RedisCache } from './redis-cache.js';

/**
 * How long an invalidated tag's version is kept (ms) when no entry stored since needs it longer:
 * long enough for every request in flight at the invalidation to come back and be refused.
 */
export const INVALIDATION_KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * Tag versions in Redis, under `<cacheName>:t:<tag>`, shared by every process of the cache: one
 * key per tag, so every command is a single-key one and a Cluster spreads them over its slots.
 * Storing an entry makes a missing version (`SET … NX`) and keeps it as long as the entry;
 * `invalidate` writes a new one (one `SET` per tag, whatever the number of entries). Read through
 * the near cache when it is on (the versions are under its tracked prefix), so a near hit on a
 * tagged entry makes no Redis command either. What Redis holds is untrusted: a value that is
 * not a version (or, with `secretKey`, not signed for its key) makes the tag's entries misses.
 */
export class RedisTags implements TagStore {
  readonly #store: RedisCache<string>;
  readonly #clock: () => number;

  constructor(store: RedisCache<string>, clock: () => number) {
    this.#store = store;
    this.#clock = clock;
  }

  peek(tags: readonly string[]): Array<string | undefined> | typeof NOT_NOW {
    const versions: Array<string | undefined> = [];
    for (const tag of tags) {
      const kept = this.#store.peek(tag);
      if (kept === NOT_NOW) return NOT_NOW;
      versions.push(typeof kept === 'string' ? kept : undefined);
    }
    return versions;
  }

  read(tags: readonly string[]): Promise<Array<string | undefined>> {
    return Promise.all(
      tags.map((tag) =>
        this.#store.read(tag).then(
          (v) => (typeof v === 'string' ? v : undefined),
          (error: unknown) => {
            if (error instanceof CacheSerializationError) return undefined;
            throw error;
          },
        ),
      ),
    );
  }

  current(tags: readonly string[], retainUntil: number | null): Promise<string[]> {
    return Promise.all(tags.map((tag) => this.#current(tag, retainUntil)));
  }

  async #current(tag: string, retainUntil: number | null): Promise<string> {
    const made = newVersion(0);
    let held: unknown;
    try {
      held = await this.#store.setIfAbsent(tag, made, retainUntil);
    } catch (error) {
      // Not a string at all (a planted hash, say: GET fails with WRONGTYPE) is garbage too.
      if (!(error instanceof CacheSerializationError) && !/\bWRONGTYPE\b/.test(String((error as Error)?.message)))
        throw error;
      held = error;
    }
    if (held === undefined) return made;
    if (typeof held === 'string' && invalidatedAt(held) !== undefined) return held;
    // Not a version: its entries already miss. Replaced by one invalidated now, so that this
    // response (which cannot tell what it replaced) is not stored, and the next ones are.
    const now = newVersion(this.#clock());
    await this.#store.replace(tag, now, INVALIDATION_KEEP_MS);
    return now;
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    const now = this.#clock();
    await Promise.all(tags.map((tag) => this.#store.replace(tag, newVersion(now), INVALIDATION_KEEP_MS)));
  }
}
