import {
  BaseCache,
  CachedResponse,
  CachedVariants,
  CacheClosedError,
  CacheConfigError,
  CacheSerializationError,
  describeValue,
  type BaseCacheOptions,
  type CacheItem,
  type WriteOptions,
  isImmutableItem,
  NOT_NOW,
  type StoreUsage,
} from '@axios-client-cache/core';
import { resolveMemoryLimits, type MemoryLimits, type ResolvedMemoryLimits } from './options.js';

/** Options of a {@link MemoryCache}: the store options every cache takes, plus its bounds. */
export interface MemoryCacheOptions extends BaseCacheOptions, MemoryLimits {}

/** Why an entry left the store (the `reason` of an `evicted` event). */
type EvictReason = 'lru' | 'expired' | 'size';

interface Slot<T> {
  /**
   * The item itself when it is immutable, else its bytes (items are never kept as raw
   * bytes, which a caller could mutate, so a Uint8Array here always means "decode me").
   */
  readonly value: T | Uint8Array;
  /** Epoch ms after which the entry is dropped; `null` = kept until evicted. */
  readonly expiresAt: number | null;
  /** What the entry counts against `maxBytes`. */
  readonly bytes: number;
  /** The store's move counter when this entry last moved to the newest end. */
  moved: number;
}

/**
 * A bounded in-memory store for production: at most `maxEntries` entries and `maxBytes`
 * bytes, the least recently used entry evicted first, in O(1); entries larger than
 * `maxEntryBytes` are not stored. Entries past their `expiresAt` are dropped when met and by
 * a periodic, `unref()`'d sweep. Every drop that the caller did not ask for raises an
 * `evicted` event: `reason: 'lru'` (made room under `maxEntries`), `'size'` (made room under
 * `maxBytes`, or an entry refused as too large), `'expired'`.
 *
 * Items are kept as they are when immutable (a {@link CachedResponse}, whose `body` is a copy;
 * strings), otherwise as bytes, as are all items when a serializer or secret is configured.
 * So no caller can change, through what it wrote or read, what the next caller gets.
 *
 * Recency is a `Map`'s insertion order: a hit moves its key to the newest end and the
 * oldest key is evicted first, all in O(1). As in memcached, a hit on an entry that is
 * already among the newest quarter does not move it: a hot entry's hit is then a single
 * `Map` lookup, and eviction order differs from strict LRU only among entries that were
 * all used within the last `size / 4` moves.
 */
export class MemoryCache<T = CacheItem> extends BaseCache<T> {
  /** The bounds in use, defaults applied. */
  readonly limits: ResolvedMemoryLimits;
  readonly #map = new Map<string, Slot<T>>();
  #bytes = 0;
  /** Counts inserts and moves; a slot's distance from the newest end is at most `#moves - slot.moved`. */
  #moves = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** @throws CacheConfigError for an invalid bound (0, negative, NaN, not an integer). */
  constructor(options: MemoryCacheOptions = {}) {
    super(options);
    this.limits = resolveMemoryLimits(options);
  }

  /** Entries held now (expired ones not yet swept included). O(1). */
  get storedEntries(): number {
    return this.#map.size;
  }

  /** Bytes held now, as counted against `maxBytes`. O(1). */
  get storedBytes(): number {
    return this.#bytes;
  }

  override usage(): StoreUsage {
    return { entries: this.#map.size, bytes: this.#bytes, complete: true };
  }

  /** The largest entry kept: `maxEntryBytes`, or `maxBytes` when that is smaller. */
  override get maxEntryBytes(): number {
    return Math.min(this.limits.maxEntryBytes, this.limits.maxBytes);
  }

  override peek(key: string): T | undefined | typeof NOT_NOW {
    // A subclass that reads otherwise must not be answered for by this map.
    if (this.#closed || this.read !== MemoryCache.prototype.read) return NOT_NOW;
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    if (slot.value instanceof Uint8Array) return NOT_NOW;
    this.#touch(key, slot);
    return slot.value;
  }

  override async read(key: string): Promise<T | undefined> {
    const slot = this.#live(key);
    if (slot === undefined) return undefined;
    this.#touch(key, slot);
    return slot.value instanceof Uint8Array ? this.deserialize(slot.value, key) : slot.value;
  }

  /** Marks `slot` recently used; a slot already in the newest quarter is left where it is. */
  #touch(key: string, slot: Slot<T>): void {
    if (this.#moves - slot.moved > this.#map.size >>> 2) {
      this.#map.delete(key);
      this.#map.set(key, slot);
      slot.moved = ++this.#moves;
    }
  }

  override async write(key: string, item: T, options?: WriteOptions): Promise<void> {
    if (this.#closed) throw closedError();
    const expiresAt = options?.expiresAt ?? null;
    if (expiresAt !== null && !Number.isFinite(expiresAt)) {
      throw new CacheConfigError(`Invalid expiresAt: ${describeValue(expiresAt)} (expected epoch ms or null)`);
    }
    let value: T | Uint8Array = item;
    let bytes: number;
    if (this.encodesItems || !isImmutableItem(item)) {
      value = await this.serialize(item, key, expiresAt);
      bytes = value.byteLength;
      // close() may have run while a (signing) serializer worked
      if (this.#closed) throw closedError();
    } else {
      bytes = sizeOf(item);
    }

    const old = this.#map.get(key);
    if (old !== undefined) this.#remove(key, old, undefined);
    if (expiresAt !== null && expiresAt <= this.clock()) return;
    if (bytes > this.limits.maxEntryBytes || bytes > this.limits.maxBytes) {
      if (this.events.has('evicted')) this.events.emit('evicted', { key, reason: 'size' });
      return;
    }
    this.#makeRoom(bytes);
    this.#map.set(key, { value, expiresAt, bytes, moved: ++this.#moves });
    this.#bytes += bytes;
    this.#startSweep();
  }

  override async delete(key: string): Promise<void> {
    if (this.#closed) throw closedError();
    const slot = this.#map.get(key);
    if (slot !== undefined) this.#remove(key, slot, undefined);
  }

  override async bulkDelete(keys: Iterable<string>): Promise<void> {
    if (this.#closed) throw closedError();
    for (const key of keys) {
      const slot = this.#map.get(key);
      if (slot !== undefined) this.#remove(key, slot, undefined);
    }
  }

  override async clear(): Promise<void> {
    if (this.#closed) throw closedError();
    this.#map.clear();
    this.#bytes = 0;
  }

  /** True when `key` holds an unexpired entry. Does not count as a use for LRU. */
  override async contains(key: string): Promise<boolean> {
    return this.#live(key) !== undefined;
  }

  /** The unexpired slot under `key` (an expired one is dropped on the way). */
  #live(key: string): Slot<T> | undefined {
    if (this.#closed) throw closedError();
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== null && slot.expiresAt <= this.clock()) {
      this.#remove(key, slot, 'expired');
      return undefined;
    }
    return slot;
  }

  /** Unexpired entries (drops the expired ones it meets: O(n)). */
  override async size(): Promise<number> {
    if (this.#closed) throw closedError();
    this.#sweepNow();
    return this.#map.size;
  }

  /** Every unexpired key, least recently used first. Does not count as a use. */
  override async *keys(): AsyncIterable<string> {
    if (this.#closed) throw closedError();
    this.#sweepNow();
    yield* [...this.#map.keys()];
  }

  /** Every unexpired, readable item, least recently used first. Does not count as a use. */
  override async *values(): AsyncIterable<T> {
    if (this.#closed) throw closedError();
    this.#sweepNow();
    for (const [key, slot] of [...this.#map]) {
      if (this.#closed) throw closedError();
      if (this.#map.get(key) !== slot) continue; // deleted or replaced meanwhile
      if (!(slot.value instanceof Uint8Array)) {
        yield slot.value;
        continue;
      }
      let item: T;
      try {
        item = await this.deserialize(slot.value, key);
      } catch (error) {
        if (error instanceof CacheSerializationError) continue;
        throw error;
      }
      yield item;
    }
  }

  /** Drops every expired entry now (raising `evicted` for each); returns how many. */
  async sweep(): Promise<number> {
    if (this.#closed) throw closedError();
    return this.#sweepNow();
  }

  /** Drops every entry and stops the sweep; later calls fail with CacheClosedError. Idempotent. */
  override async close(): Promise<void> {
    this.#closed = true;
    this.#stopSweep();
    this.#map.clear();
    this.#bytes = 0;
  }

  /** Evicts least recently used entries until one of `bytes` fits under both bounds. */
  #makeRoom(bytes: number): void {
    const { maxEntries, maxBytes } = this.limits;
    if (this.#map.size < maxEntries && this.#bytes + bytes <= maxBytes) return;
    const now = this.clock();
    for (const [key, slot] of this.#map) {
      const full = this.#map.size >= maxEntries;
      if (!full && this.#bytes + bytes <= maxBytes) return;
      const expired = slot.expiresAt !== null && slot.expiresAt <= now;
      this.#remove(key, slot, expired ? 'expired' : full ? 'lru' : 'size');
    }
  }

  #remove(key: string, slot: Slot<T>, reason: EvictReason | undefined): void {
    this.#map.delete(key);
    this.#bytes -= slot.bytes;
    if (reason !== undefined && this.events.has('evicted')) this.events.emit('evicted', { key, reason });
  }

  #sweepNow(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [key, slot] of this.#map) {
      if (slot.expiresAt !== null && slot.expiresAt <= now) {
        this.#remove(key, slot, 'expired');
        dropped++;
      }
    }
    return dropped;
  }

  #startSweep(): void {
    const interval = this.limits.sweepIntervalMs;
    if (this.#timer !== undefined || interval === false) return;
    // The timer holds the cache weakly: an abandoned cache can still be collected.
    const ref = new WeakRef(this);
    const timer = setInterval(() => {
      const cache = ref.deref();
      if (cache === undefined) clearInterval(timer);
      else cache.#sweepNow();
    }, interval);
    timer.unref();
    this.#timer = timer;
  }

  #stopSweep(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function closedError(): CacheClosedError {
  return new CacheClosedError('MemoryCache is closed: create a new one to cache again');
}

/** What an item kept as it is counts against `maxBytes`. */
function sizeOf(item: unknown): number {
  if (item instanceof CachedResponse || item instanceof CachedVariants) return item.byteSize;
  if (typeof item === 'string') return Buffer.byteLength(item, 'utf8');
  return 8;
}
