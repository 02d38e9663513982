import {
  BaseCache,
  BytesMemo,
  CacheClosedError,
  CacheConfigError,
  CacheSerializationError,
  CacheStoreError,
  DEFAULT_CACHE_NAME,
  describeValue,
  isImmutableItem,
  NOT_NOW,
  type BaseCacheOptions,
  type CacheItem,
  type StoreUsage,
  type WriteOptions,
} from '@axios-client-cache/core';
import type { Cluster, Command, Redis } from 'ioredis';
import { connectionOf, type RedisClient, type RedisConnection, type RedisConnectionOptions } from './connection.js';
import { NearStore, resolveNearCache, type NearCacheOptions } from './near-cache.js';
import { Tracking, type NearCacheControl } from './tracking.js';

/** Options of a {@link RedisCache}. */
export interface RedisCacheOptions extends BaseCacheOptions, RedisConnectionOptions {
  /**
   * Namespace of every key: `<cacheName>:<namespace>:<key>`. Avoid `{` `}` in it: a hash tag
   * would put every entry of a cluster on one slot.
   * @defaultValue 'axios-client-cache'
   */
  cacheName?: string;
  /**
   * Second part of the namespace, separating the stores of one cache (`r` responses,
   * `a` redirect aliases).
   * @defaultValue 'r'
   */
  namespace?: string;
  /**
   * Keep the entries this store reads or writes in process memory (decoded), so that a hit
   * makes no Redis command, coherent across processes through Redis client tracking (see
   * {@link Tracking}). `true` for the default bounds.
   * @defaultValue false
   */
  nearCache?: boolean | NearCacheOptions;
}

export { DEFAULT_CACHE_NAME };

const SCAN_COUNT = 1000;
const DELETE_BATCH = 500;
const UTF8 = { replyEncoding: 'utf8' as const };

/**
 * A store on Redis or Redis Cluster: one string key per entry, `<cacheName>:<namespace>:<key>`,
 * holding the serializer's bytes with a native expiry (`PXAT`) so Redis drops entries
 * itself. A read is exactly one `GET`. Every call has a deadline (`timeoutMs`); a failed or
 * late call rejects with `CacheStoreError`, which the backend turns into a miss.
 * `keys()`, `values()`, `size()` and `clear()` walk the namespace with `SCAN` on every
 * master and delete with `UNLINK`; never `KEYS`.
 */
export class RedisCache<T = CacheItem> extends BaseCache<T> {
  /** `<cacheName>:<namespace>:` */
  readonly prefix: string;
  /** The shared connection. */
  readonly connection: RedisConnection;
  readonly #match: string;
  /** Items decoded before, reused when a read brings the same bytes (default serializer only). */
  /**
   * The items this store decoded last, with their bytes: a hit still does its one `GET`
   * (Redis stays the only truth) but skips decoding when the bytes are unchanged. Only with
   * the default serializer, whose result depends on nothing but the bytes (a signing one
   * also checks the clock, and remembers verified entries itself).
   */
  readonly #decoded: BytesMemo<T> | undefined;
  /** The near copies, with `nearCache`. */
  readonly #near: NearStore<T> | undefined;
  #closed = false;

  constructor(options: RedisCacheOptions = {}) {
    super(options);
    const { cacheName = DEFAULT_CACHE_NAME, namespace = 'r' } = options;
    if (typeof cacheName !== 'string' || cacheName === '') {
      throw new CacheConfigError(`Invalid cacheName: ${describeValue(cacheName)} (expected a non-empty string)`);
    }
    if (typeof namespace !== 'string' || namespace === '' || namespace.includes(':')) {
      throw new CacheConfigError(
        `Invalid namespace: ${describeValue(namespace)} (expected a non-empty string without ':')`,
      );
    }
    this.prefix = `${cacheName}:${namespace}:`;
    this.#match = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    this.#decoded = this.encodesItems ? undefined : new BytesMemo<T>();
    const near = resolveNearCache(options.nearCache);
    this.connection = connectionOf(options);
    this.connection.retain();
    if (near !== undefined) {
      this.#near = new NearStore<T>(
        this.prefix,
        near,
        Tracking.for(this.connection, `${cacheName}:`, near),
        this.clock,
      );
      this.#near.tracking.attach(this.#near as NearStore<unknown>);
    }
    if (options.connection === undefined) {
      this.connection.onError((error) => {
        if (this.events.has('store-error')) this.events.emit('store-error', { operation: 'connection', error });
      });
      this.#near?.tracking.onError((error) => {
        if (this.events.has('store-error')) this.events.emit('store-error', { operation: 'near-cache', error });
      });
    }
  }

  /** The near cache's state and counters (shared by the stores of one cache), with `nearCache`. */
  get nearCache(): NearCacheControl | undefined {
    return this.#near?.tracking;
  }

  /** Entries this store holds in process memory now (0 without `nearCache`). */
  get nearEntries(): number {
    return this.#near?.size ?? 0;
  }

  /**
   * Bytes of `item`, bound (by a signing serializer) to its whole Redis key, so a signed entry
   * can be moved neither to another key nor to another cache or store namespace.
   */
  override serialize(item: T, key?: string, expiresAt?: number | null): Uint8Array | Promise<Uint8Array> {
    return super.serialize(item, key === undefined ? undefined : this.prefix + key, expiresAt);
  }

  /** The item in `bytes` read under `key` (bound to its whole Redis key; see {@link serialize}). */
  override deserialize(bytes: Uint8Array, key?: string): T | Promise<T> {
    return super.deserialize(bytes, key === undefined ? undefined : this.prefix + key);
  }

  /**
   * A near copy at once (the hit path then makes no asynchronous step); anything else — no
   * near cache, no copy, a copy of something that may be in Redis — is {@link NOT_NOW}: `read`.
   */
  override peek(key: string): T | undefined | typeof NOT_NOW {
    const kept = this.#near?.get(key);
    return kept === undefined || this.#closed ? NOT_NOW : kept;
  }

  override async read(key: string): Promise<T | undefined> {
    const near = this.#near;
    if (near !== undefined) {
      const kept = near.get(key);
      if (kept !== undefined) return kept;
      const ticket = near.begin(key);
      if (ticket >= 0) return this.#readNear(near, key, ticket);
    }
    const conn = this.connection;
    const client = conn.isReady && !this.#closed ? conn.existingClient! : await this.#client();
    const command = conn.command('get', [this.prefix + key]);
    let bytes: Buffer | null;
    try {
      bytes = await conn.send<Buffer | null>(client, command);
    } catch (error) {
      throw storeError('GET', key, error);
    }
    const memo = this.#decoded;
    if (bytes === null) {
      memo?.delete(key);
      return undefined;
    }
    return this.#decode(key, bytes);
  }

  #decode(key: string, bytes: Buffer): T | Promise<T> {
    const memo = this.#decoded;
    if (memo === undefined) return this.deserialize(bytes, key);
    const seen = memo.get(key, bytes);
    if (seen !== undefined) return seen;
    const item = this.deserialize(bytes, key);
    if (!(item instanceof Promise) && isImmutableItem(item)) memo.set(key, bytes, item);
    else memo.delete(key);
    return item;
  }

  /**
   * A read while the near cache is armed: the entry and its remaining TTL in one round trip,
   * kept as the near copy unless an invalidation of the key (or a gap) arrived since `ticket`.
   */
  async #readNear(near: NearStore<T>, key: string, ticket: number): Promise<T | undefined> {
    let item: T | undefined;
    let size = 0;
    let expiresAt: number | null = null;
    try {
      const conn = this.connection;
      const client = conn.isReady && !this.#closed ? conn.existingClient! : await this.#client();
      const sentAt = this.clock();
      const get = conn.send<Buffer | null>(client, conn.command('get', [this.prefix + key]));
      // Handled below; marked handled now in case sending the PTTL throws before we await them.
      get.catch(() => undefined);
      const pttl = conn.send<number>(client, conn.command('pttl', [this.prefix + key]));
      pttl.catch(() => undefined);
      let bytes: Buffer | null;
      try {
        bytes = await get;
      } catch (error) {
        throw storeError('GET', key, error);
      }
      if (bytes === null) {
        this.#decoded?.delete(key);
        return undefined;
      }
      item = await this.#decode(key, bytes);
      const ttl = await pttl.catch(() => undefined);
      // Without a known TTL (PTTL failed) the copy could outlive the entry: not kept.
      if (typeof ttl === 'number' && ttl !== -2 && isImmutableItem(item)) {
        size = bytes.byteLength;
        expiresAt = ttl === -1 ? null : sentAt + ttl;
        near.end(key, ticket, item, size, expiresAt);
        ticket = -1;
      }
      return item;
    } finally {
      if (ticket >= 0) near.end(key, ticket);
    }
  }

  override async write(key: string, item: T, options?: WriteOptions): Promise<void> {
    const expiresAt = options?.expiresAt ?? null;
    if (expiresAt !== null && (typeof expiresAt !== 'number' || Number.isNaN(expiresAt))) {
      throw new CacheConfigError(`Invalid expiresAt: ${describeValue(expiresAt)} (expected epoch ms or null)`);
    }
    this.#decoded?.delete(key);
    if (expiresAt !== null && expiresAt <= this.clock()) return this.delete(key);
    const bytes = await this.serialize(item, key, expiresAt);
    const value = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const args =
      expiresAt === null || expiresAt === Infinity
        ? [this.prefix + key, value]
        : [this.prefix + key, value, 'PXAT', String(Math.ceil(expiresAt))];
    const near = this.#near;
    const ticket = near === undefined ? -1 : near.beginWrite(key);
    try {
      await this.#call('SET', key, this.connection.command('set', args));
    } catch (error) {
      near?.end(key, ticket);
      throw error;
    }
    // Acknowledged: the written item is the near copy, unless an invalidation came meanwhile.
    near?.end(
      key,
      ticket,
      isImmutableItem(item) ? item : undefined,
      value.byteLength,
      expiresAt === Infinity ? null : expiresAt,
    );
  }

  /**
   * Writes `item` under `key` unless the key holds something, and keeps the key at least until
   * `keepUntil` (epoch ms; `null`: no limit): resolves to `undefined` when it wrote `item`, else
   * to what the key holds (decoded: a CacheSerializationError for bytes that are not an item).
   * One round trip (`SET … NX`, `PEXPIREAT … GT` and `GET`, in order on one connection).
   * The item is serialized without an expiry: what the key holds is kept by the key's TTL alone.
   * For values with rules of their own (tag versions); entries use {@link write}.
   */
  async setIfAbsent(key: string, item: T, keepUntil: number | null, attempt = 0): Promise<T | undefined> {
    const value = await this.#bytesOf(key, item);
    const full = this.prefix + key;
    const conn = this.connection;
    const near = this.#near;
    const ticket = near === undefined ? -1 : near.beginWrite(key);
    let written: unknown;
    let bytes: Buffer | null;
    try {
      const client = conn.isReady && !this.#closed ? conn.existingClient! : await this.#client();
      const until = keepUntil === null ? undefined : String(Math.ceil(keepUntil));
      const set = conn.send(
        client,
        conn.command('set', until === undefined ? [full, value, 'NX'] : [full, value, 'NX', 'PXAT', until]),
      );
      set.catch(() => undefined);
      // Kept as long as the newest user needs it (GT: never shortened); PERSIST for no limit.
      const keep = conn.send(
        client,
        conn.command(until === undefined ? 'persist' : 'pexpireat', until === undefined ? [full] : [full, until, 'GT']),
      );
      keep.catch(() => undefined);
      const get = conn.send<Buffer | null>(client, conn.command('get', [full]));
      get.catch(() => undefined);
      written = await set;
      bytes = await get;
    } catch (error) {
      near?.end(key, ticket);
      throw storeError('SET', key, error);
    }
    if (written === 'OK' || (Buffer.isBuffer(written) && written.toString() === 'OK')) {
      near?.end(key, ticket, isImmutableItem(item) ? item : undefined, value.byteLength, keepUntil);
      return undefined;
    }
    near?.end(key, ticket);
    // Gone between the SET and the GET (deleted or expired): nothing there, and nothing written.
    if (bytes === null) {
      if (attempt > 2) throw storeError('SET', key, new Error('the key kept disappearing'));
      return this.setIfAbsent(key, item, keepUntil, attempt + 1);
    }
    return this.#decode(key, bytes);
  }

  /**
   * Writes `item` under `key` in place of what it holds, kept for `keepMs`; serialized without
   * an expiry as {@link setIfAbsent}'s items are.
   */
  async replace(key: string, item: T, keepMs: number): Promise<void> {
    const value = await this.#bytesOf(key, item);
    const near = this.#near;
    const ticket = near === undefined ? -1 : near.beginWrite(key);
    try {
      await this.#call('SET', key, this.connection.command('set', [this.prefix + key, value, 'PX', String(keepMs)]));
    } finally {
      near?.end(key, ticket);
    }
  }

  async #bytesOf(key: string, item: T): Promise<Buffer> {
    this.#decoded?.delete(key);
    const bytes = await this.serialize(item, key, null);
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  override async delete(key: string): Promise<void> {
    this.#decoded?.delete(key);
    const near = this.#near;
    const ticket = near === undefined ? -1 : near.beginWrite(key);
    try {
      await this.#call('UNLINK', key, this.connection.command('unlink', [this.prefix + key]));
    } finally {
      near?.end(key, ticket);
    }
  }

  override async bulkDelete(keys: Iterable<string>): Promise<void> {
    const full: string[] = [];
    const near = this.#near;
    const tickets: Array<[string, number]> = [];
    for (const key of keys) {
      this.#decoded?.delete(key);
      full.push(this.prefix + key);
      if (near !== undefined) tickets.push([key, near.beginWrite(key)]);
    }
    try {
      await this.#unlink(await this.#client(), full);
    } finally {
      for (const [key, ticket] of tickets) near!.end(key, ticket);
    }
  }

  override async clear(): Promise<void> {
    this.#decoded?.clear();
    const near = this.#near;
    near?.invalidateAll(near.tracking.nextSeq());
    try {
      const client = await this.#client();
      for (const node of this.#masters(client)) {
        // A key SCAN returns twice is unlinked twice: harmless, and no set of every key is kept.
        for await (const batch of this.#scan(node, false)) await this.#unlink(client, batch);
      }
    } finally {
      // Reads that raced the deletes may have kept what was deleted, until its invalidation arrives.
      near?.invalidateAll(near.tracking.nextSeq());
    }
  }

  override async contains(key: string): Promise<boolean> {
    return (await this.#call<number>('EXISTS', key, this.connection.command('exists', [this.prefix + key]))) === 1;
  }

  override async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.keys()) n++;
    return n;
  }

  override async *keys(): AsyncIterable<string> {
    const client = await this.#client();
    const cut = this.prefix.length;
    for (const node of this.#masters(client)) {
      for await (const batch of this.#scan(node)) for (const full of batch) yield full.slice(cut);
    }
  }

  override async *values(): AsyncIterable<T> {
    const client = await this.#client();
    const conn = this.connection;
    const cut = this.prefix.length;
    for (const node of this.#masters(client)) {
      for await (const fresh of this.#scan(node)) {
        let values: Array<Buffer | null>;
        try {
          values = conn.isCluster
            ? // keys of one node may sit on many slots: one GET each (no cross-slot MGET)
              await Promise.all(fresh.map((k) => conn.send<Buffer | null>(node, conn.command('get', [k]))))
            : await conn.send<Array<Buffer | null>>(node, conn.command('mget', fresh));
        } catch (error) {
          throw storeError('GET', undefined, error);
        }
        for (let i = 0; i < fresh.length; i++) {
          const bytes = values[i];
          if (bytes === null || bytes === undefined) continue;
          const key = fresh[i]!.slice(cut);
          try {
            yield await this.deserialize(bytes, key);
          } catch (error) {
            if (!(error instanceof CacheSerializationError)) throw error;
          }
        }
      }
    }
  }

  /**
   * What this store's namespace holds, by a SCAN on every master with one `STRLEN` per key
   * (bytes are the stored values' lengths, without Redis's own per-key overhead); at most
   * `limit` keys, past which `complete` is false.
   */
  override async measure(limit = 100_000): Promise<StoreUsage> {
    const client = await this.#client();
    const conn = this.connection;
    let entries = 0;
    let bytes = 0;
    for (const node of this.#masters(client)) {
      for await (const batch of this.#scan(node)) {
        const fresh = batch.slice(0, limit - entries);
        let lengths: number[];
        try {
          lengths = await Promise.all(fresh.map((k) => conn.send<number>(node, conn.command('strlen', [k]))));
        } catch (error) {
          throw storeError('STRLEN', undefined, error);
        }
        entries += fresh.length;
        for (const n of lengths) bytes += n;
        if (entries >= limit) return { entries, bytes, complete: false };
      }
    }
    return { entries, bytes, complete: true };
  }

  /** Releases the connection; the client is closed when no other store or lock uses it and this library created it. Idempotent. */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoded?.clear();
    if (this.#near !== undefined) await this.#near.tracking.detach(this.#near as NearStore<unknown>);
    await this.connection.release();
  }

  async #client(): Promise<RedisClient> {
    if (this.#closed) throw new CacheClosedError(`RedisCache ${this.prefix} is closed`);
    return this.connection.client();
  }

  async #call<R>(name: string, key: string, command: Command): Promise<R> {
    const conn = this.connection;
    const client = conn.isReady && !this.#closed ? conn.existingClient! : await this.#client();
    try {
      return await conn.send<R>(client, command);
    } catch (error) {
      throw storeError(name, key, error);
    }
  }

  #masters(client: RedisClient): Redis[] {
    if (!client.isCluster) return [client as Redis];
    const masters = (client as Cluster).nodes('master');
    if (masters.length === 0) throw new CacheStoreError('Redis Cluster has no reachable master');
    return masters;
  }

  /**
   * The keys of this store's namespace on `node`, a batch per SCAN reply (never an empty one);
   * `distinct`: each key once (SCAN may return a key twice).
   */
  async *#scan(node: Redis, distinct = true): AsyncIterable<string[]> {
    const seen = distinct ? new Set<string>() : undefined;
    let cursor = '0';
    do {
      let reply: [string, string[]];
      try {
        reply = await this.connection.send(
          node,
          this.connection.command('scan', [cursor, 'MATCH', this.#match, 'COUNT', SCAN_COUNT], UTF8),
        );
      } catch (error) {
        throw storeError('SCAN', undefined, error);
      }
      cursor = reply[0];
      const batch = seen === undefined ? reply[1] : reply[1].filter((k) => !seen.has(k) && seen.add(k));
      if (batch.length > 0) yield batch;
    } while (cursor !== '0');
  }

  async #unlink(client: RedisClient, fullKeys: string[]): Promise<void> {
    const conn = this.connection;
    try {
      if (conn.isCluster) {
        // one key per command: keys spread over slots and no command may span two
        await Promise.all(fullKeys.map((k) => conn.send(client, conn.command('unlink', [k]))));
      } else {
        for (let i = 0; i < fullKeys.length; i += DELETE_BATCH) {
          await conn.send(client, conn.command('unlink', fullKeys.slice(i, i + DELETE_BATCH)));
        }
      }
    } catch (error) {
      throw storeError('UNLINK', undefined, error);
    }
  }
}

function storeError(command: string, key: string | undefined, error: unknown): CacheStoreError {
  if (error instanceof CacheStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CacheStoreError(`Redis ${command}${key === undefined ? '' : ` ${key}`} failed: ${message}`, {
    cause: error,
  });
}
