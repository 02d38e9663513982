import { CacheConfigError, invalidOption, MAX_TIMER_MS } from '@axios-client-cache/core';
import type { Tracking } from './tracking.js';

/**
 * Bounds and timing of a near cache (`nearCache: true | NearCacheOptions`). The bounds apply
 * to each store of a backend (responses, redirect aliases), as `MemoryBackend`'s do.
 */
export interface NearCacheOptions {
  /**
   * Most entries kept in process memory per store; the least recently used goes first.
   * @defaultValue 1024
   */
  maxEntries?: number;
  /**
   * Most bytes kept per store, counted as each entry's stored (serialized) size.
   * @defaultValue 33554432 (32 MiB)
   */
  maxBytes?: number;
  /**
   * Largest entry kept in process memory; larger ones are read from Redis every time.
   * @defaultValue 1048576 (1 MiB)
   */
  maxEntryBytes?: number;
  /**
   * How often (ms) both connections of every tracking pair are pinged. A ping unanswered within
   * the connection's `timeoutMs` (or, on a Cluster, a tracked node that is no longer a master)
   * counts as a gap in the invalidation stream: the near cache is flushed and bypassed until
   * tracking is armed again. This bounds how long a silently stalled stream can go unnoticed.
   * @defaultValue 500
   */
  heartbeatMs?: number;
}

/** {@link NearCacheOptions} with every default applied. */
export interface ResolvedNearCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly heartbeatMs: number;
}

/** Default {@link NearCacheOptions.maxEntries}. */
export const DEFAULT_NEAR_MAX_ENTRIES = 1024;
/** Default {@link NearCacheOptions.maxBytes}: 32 MiB. */
export const DEFAULT_NEAR_MAX_BYTES = 32 * 1024 * 1024;
/** Default {@link NearCacheOptions.maxEntryBytes}: 1 MiB. */
export const DEFAULT_NEAR_MAX_ENTRY_BYTES = 1024 * 1024;
/** Default {@link NearCacheOptions.heartbeatMs}. */
export const DEFAULT_NEAR_HEARTBEAT_MS = 500;

const OPTION_NAMES = new Set(['maxEntries', 'maxBytes', 'maxEntryBytes', 'heartbeatMs']);

/**
 * The near cache settings of `nearCache` (`undefined` when off), defaults applied.
 * @throws CacheConfigError naming the option and the bad value.
 */
export function resolveNearCache(value: unknown): ResolvedNearCacheOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) value = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalidOption('nearCache', value, 'true, false or { maxEntries, maxBytes, maxEntryBytes, heartbeatMs }');
  }
  for (const name of Object.keys(value)) {
    if (!OPTION_NAMES.has(name)) {
      throw new CacheConfigError(
        `Invalid nearCache: unknown option ${name} (expected maxEntries, maxBytes, maxEntryBytes or heartbeatMs)`,
      );
    }
  }
  const {
    maxEntries = DEFAULT_NEAR_MAX_ENTRIES,
    maxBytes = DEFAULT_NEAR_MAX_BYTES,
    maxEntryBytes = DEFAULT_NEAR_MAX_ENTRY_BYTES,
    heartbeatMs = DEFAULT_NEAR_HEARTBEAT_MS,
  } = value as NearCacheOptions;
  positiveInteger('maxEntries', maxEntries, Number.MAX_SAFE_INTEGER);
  positiveInteger('maxBytes', maxBytes, Number.MAX_SAFE_INTEGER);
  positiveInteger('maxEntryBytes', maxEntryBytes, Number.MAX_SAFE_INTEGER);
  positiveInteger('heartbeatMs', heartbeatMs, MAX_TIMER_MS);
  return { maxEntries, maxBytes, maxEntryBytes, heartbeatMs };
}

function positiveInteger(option: string, value: unknown, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    invalidOption(`nearCache.${option}`, value, `an integer from 1 to ${max}`);
  }
}

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  /** Epoch ms (the store's clock) after which Redis no longer holds it; `null`: no expiry. */
  readonly expiresAt: number | null;
  /** The store's move counter when this entry last moved to the newest end. */
  moved: number;
}

/** A key with reads or writes in flight, and the last invalidation of it seen meanwhile. */
interface InFlight {
  count: number;
  /** The tracking sequence number of the last invalidation of this key while in flight (0: none). */
  invalidatedAt: number;
}

/**
 * The near copies of one Redis store (one namespace): decoded, immutable items by key, bounded
 * by entries and bytes with LRU eviction in O(1), kept coherent by a {@link Tracking}.
 *
 * The race between a read and an invalidation: every invalidation has a sequence number
 * (`tracking.seq`). A read or write takes a ticket (the current number) just before its
 * command is sent; its result is kept only if, when it arrives, tracking is still armed, no
 * flush happened since the ticket, and no invalidation of its key arrived since (keys in
 * flight record the number of the last one). A write or delete by this process is itself an
 * invalidation of its key (the local copy is dropped and reads in flight are discarded) before
 * it is sent; the written item becomes the near copy only once Redis acknowledged it.
 */
export class NearStore<V> {
  /** The full Redis prefix of this store's keys (`<cacheName>:<namespace>:`). */
  readonly prefix: string;
  /** The coherence source shared by the stores of one cache. */
  readonly tracking: Tracking;
  /** Hits served from process memory. */
  hits = 0;
  readonly #limits: ResolvedNearCacheOptions;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #inFlight = new Map<string, InFlight>();
  #bytes = 0;
  #moves = 0;

  constructor(prefix: string, limits: ResolvedNearCacheOptions, tracking: Tracking, clock: () => number) {
    this.prefix = prefix;
    this.#limits = limits;
    this.tracking = tracking;
    this.#clock = clock;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held now, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The near copy of `key`, if any (the hot path: one Map lookup). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.#clock()) {
      this.#remove(key, entry);
      return undefined;
    }
    // As in MemoryCache: an entry among the newest quarter is not moved, so a hot entry's hit
    // is a single lookup.
    if (this.#moves - entry.moved > this.#entries.size >>> 2) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      entry.moved = ++this.#moves;
    }
    this.hits++;
    return entry.value;
  }

  /**
   * Call just before sending a read of `key`: a ticket for {@link end}, or -1 when the near
   * cache is bypassed (tracking not armed; arming starts if it had not).
   */
  begin(key: string): number {
    const tracking = this.tracking;
    if (!tracking.armed) {
      tracking.start();
      return -1;
    }
    const inFlight = this.#inFlight.get(key);
    if (inFlight === undefined) this.#inFlight.set(key, { count: 1, invalidatedAt: 0 });
    else inFlight.count++;
    return tracking.seq;
  }

  /**
   * Call just before sending a write or delete of `key`: drops the near copy, discards the
   * reads of `key` in flight, and returns a ticket for {@link end}.
   */
  beginWrite(key: string): number {
    this.invalidate(key, this.tracking.nextSeq());
    return this.begin(key);
  }

  /**
   * Call once per {@link begin} when the command is answered (or failed): keeps `value` as
   * the near copy of `key` when the ticket is still current (see the class comment). Without a
   * value (a miss, a failure, a delete) nothing is kept; after a write, any older copy is gone.
   */
  end(key: string, ticket: number, value?: V, bytes = 0, expiresAt: number | null = null): void {
    if (ticket < 0) return;
    const inFlight = this.#inFlight.get(key);
    if (inFlight === undefined) return; // cleared by close()
    const tracking = this.tracking;
    const current = inFlight.invalidatedAt <= ticket && tracking.armed && tracking.flushSeq <= ticket;
    if (--inFlight.count === 0) this.#inFlight.delete(key);
    if (!current || value === undefined) return;
    if (expiresAt !== null && expiresAt <= this.#clock()) return;
    this.#set(key, value, bytes, expiresAt);
  }

  /** Drops the near copy of `key` and discards its reads in flight (an invalidation numbered `seq`). */
  invalidate(key: string, seq: number): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(key, entry);
    const inFlight = this.#inFlight.get(key);
    if (inFlight !== undefined) inFlight.invalidatedAt = seq;
  }

  /** Drops every near copy and discards every read in flight (an invalidation numbered `seq`). */
  invalidateAll(seq: number): void {
    this.#entries.clear();
    this.#bytes = 0;
    for (const inFlight of this.#inFlight.values()) inFlight.invalidatedAt = seq;
  }

  /** Forgets everything, reads in flight included (on close). */
  clear(): void {
    this.#entries.clear();
    this.#inFlight.clear();
    this.#bytes = 0;
  }

  #set(key: string, value: V, bytes: number, expiresAt: number | null): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(key, old);
    const { maxEntries, maxBytes, maxEntryBytes } = this.#limits;
    if (bytes > maxEntryBytes || bytes > maxBytes) return;
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#entries.size < maxEntries && this.#bytes + bytes <= maxBytes) break;
      this.#remove(oldestKey, oldest);
    }
    this.#entries.set(key, { value, bytes, expiresAt, moved: ++this.#moves });
    this.#bytes += bytes;
  }

  #remove(key: string, entry: Entry<V>): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
