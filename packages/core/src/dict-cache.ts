import type { CacheItem } from './cached-response.js';
import { BaseCache, NOT_NOW, type BaseCacheOptions, type StoreUsage, type WriteOptions } from './base-cache.js';
import { CacheClosedError, CacheSerializationError } from './errors.js';

/** An item with an expiry. An item without one is kept in the map as it is (one object less per entry). */
class Slot<T> {
  constructor(
    /** The item itself (immutable), or its bytes when a serializer or secret is configured. */
    readonly value: T | Uint8Array,
    readonly expiresAt: number,
  ) {}
}

/**
 * The seed's simple in-memory store: an unbounded `Map`, and the default. Items are kept
 * as they are (responses are immutable), or as bytes when a serializer or secret is set.
 * Entries past their `expiresAt` are dropped when read. For a bounded store use
 * `MemoryCache` from `@axios-client-cache/memory`.
 */
export class DictCache<T = CacheItem> extends BaseCache<T> {
  readonly #map = new Map<string, Slot<T> | T | Uint8Array>();
  #closed = false;

  /** @throws CacheConfigError for an invalid option (see BaseCache). */
  constructor(options: BaseCacheOptions = {}) {
    super(options);
  }

  override usage(): StoreUsage {
    return { entries: this.#map.size, complete: true };
  }

  override peek(key: string): T | undefined | typeof NOT_NOW {
    // A subclass that reads otherwise must not be answered for by this map.
    if (this.#closed || this.encodesItems || this.read !== DictCache.prototype.read) return NOT_NOW;
    const stored = this.#map.get(key);
    if (!(stored instanceof Slot)) return stored as T | undefined;
    if (stored.expiresAt <= this.clock()) return NOT_NOW;
    return stored.value as T;
  }

  override async read(key: string): Promise<T | undefined> {
    this.#check();
    const stored = this.#map.get(key);
    if (stored === undefined) return undefined;
    let value: unknown = stored;
    if (stored instanceof Slot) {
      if (stored.expiresAt <= this.clock()) {
        this.#map.delete(key);
        return undefined;
      }
      value = stored.value;
    }
    return this.encodesItems ? await this.deserialize(value as Uint8Array, key) : (value as T);
  }

  override async write(key: string, item: T, options?: WriteOptions): Promise<void> {
    this.#check();
    const expiresAt = options?.expiresAt ?? null;
    const value = this.encodesItems ? await this.serialize(item, key, expiresAt) : item;
    this.#map.set(key, expiresAt === null ? value : new Slot<T>(value, expiresAt));
  }

  override async delete(key: string): Promise<void> {
    this.#check();
    this.#map.delete(key);
  }

  override async bulkDelete(keys: Iterable<string>): Promise<void> {
    this.#check();
    for (const key of keys) this.#map.delete(key);
  }

  override async clear(): Promise<void> {
    this.#check();
    this.#map.clear();
  }

  override async contains(key: string): Promise<boolean> {
    this.#check();
    const stored = this.#map.get(key);
    return stored !== undefined && (!(stored instanceof Slot) || stored.expiresAt > this.clock());
  }

  override async size(): Promise<number> {
    this.#check();
    this.#dropExpired();
    return this.#map.size;
  }

  override async *keys(): AsyncIterable<string> {
    this.#check();
    this.#dropExpired();
    yield* [...this.#map.keys()];
  }

  override async *values(): AsyncIterable<T> {
    this.#check();
    for (const key of [...this.#map.keys()]) {
      try {
        const item = await this.read(key);
        if (item !== undefined) yield item;
      } catch (error) {
        if (!(error instanceof CacheSerializationError)) throw error;
      }
    }
  }

  /** Drops every entry; later calls fail with CacheClosedError. Idempotent. */
  override async close(): Promise<void> {
    this.#closed = true;
    this.#map.clear();
  }

  #dropExpired(): void {
    const now = this.clock();
    for (const [key, stored] of this.#map) if (stored instanceof Slot && stored.expiresAt <= now) this.#map.delete(key);
  }

  #check(): void {
    if (this.#closed) throw new CacheClosedError('DictCache is closed');
  }
}
