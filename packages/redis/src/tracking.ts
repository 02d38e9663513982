import { CacheClosedError, CacheStoreError } from '@axios-client-cache/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { RedisClient, RedisConnection } from './connection.js';
import type { NearStore, ResolvedNearCacheOptions } from './near-cache.js';

const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** First retry after a gap in an armed stream (the server is usually fine: a killed connection). */
const REARM_AFTER_GAP_MS = 10;
/** Retries after failed armings back off from this to {@link MAX_BACKOFF_MS}. */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;
/** How long a pair's connections may take to close on close(). */
const CLOSE_WAIT_MS = 500;

/**
 * What the pair connections change of the data client's options (they are made with the
 * client's own `duplicate()`, so a client of another ioredis copy makes connections of its
 * kind, with its host, auth and TLS). RESP2, since client tracking redirects to a Pub/Sub
 * subscriber there; no reconnection, resubscription or offline queue of their own: any loss
 * is a gap, handled by building a new pair.
 */
const PAIR_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  enableAutoPipelining: false,
  autoResubscribe: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  reconnectOnError: () => false,
  readOnly: false,
  monitor: false,
  keyPrefix: undefined,
  protocol: 2, // ioredis 6 defaults to RESP3; ioredis 5 speaks only RESP2 and ignores it
} as Partial<RedisOptions>;

/** Counters and state of a near cache; see {@link NearCacheControl.stats}. */
export interface NearCacheStats {
  /** True while entries are served from process memory. */
  armed: boolean;
  /** Entries and bytes held now, over the stores of the cache. */
  entries: number;
  bytes: number;
  /** Reads answered from process memory. */
  hits: number;
  /** Times tracking was armed (the first time and after every gap). */
  armings: number;
  /** Gaps in the invalidation stream (each flushed the near cache). */
  gaps: number;
  /** Attempts to arm tracking that failed (refused, unreachable, timed out). */
  failures: number;
  /** Invalidation messages received. */
  invalidations: number;
  /** Of those, flushes of everything (`FLUSHALL` / `FLUSHDB`). */
  flushes: number;
  /** Why the last arming failed or the last gap happened, if one did. */
  lastError: unknown;
}

/** A listener of invalidations: the keys, or `null` for "everything" (a flush or a gap). */
export type InvalidationListener = (keys: readonly string[] | null) => void;

/** A listener of the near cache's state: `true` once armed, `false` on a gap or close. */
export type NearCacheStateListener = (armed: boolean) => void;

/** What a user (or a test) sees of a near cache. */
export interface NearCacheControl {
  /** True while tracking is armed and confirmed: near copies are served. */
  readonly armed: boolean;
  /**
   * Starts arming tracking if it has not started and resolves `true` once it is armed, or
   * `false` after `timeoutMs` or on close. Never rejects. Call it at startup to serve from
   * memory from the first requests on.
   */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Counters and state. */
  stats(): NearCacheStats;
  /**
   * Calls `listener` as each invalidation is applied (the near copies are already gone), and
   * with `null` on a flush or a gap. Returns a function that removes it.
   */
  onInvalidate(listener: InvalidationListener): () => void;
  /** Calls `listener` whenever tracking is armed (`true`) or the near cache is bypassed (`false`). */
  onStateChange(listener: NearCacheStateListener): () => void;
}

/** Both connections of one node: the RESP2 subscriber and the connection that tracks. */
class Pair {
  readonly subscriber: Redis;
  readonly tracker: Redis;

  constructor(
    source: Redis,
    overrides: Partial<RedisOptions>,
    onMessage: (message: unknown) => void,
    onLost: (why: string) => void,
  ) {
    this.subscriber = source.duplicate({
      ...PAIR_OPTIONS,
      connectionName: 'axios-client-cache-near-sub',
      ...overrides,
    });
    this.tracker = source.duplicate({ ...PAIR_OPTIONS, connectionName: 'axios-client-cache-near-track', ...overrides });
    for (const [name, connection] of [
      ['subscriber', this.subscriber],
      ['tracker', this.tracker],
    ] as const) {
      // ioredis writes unhandled 'error' events to the console; losses are seen as 'close'.
      connection.on('error', () => {});
      connection.on('close', () => onLost(`the near cache's ${name} connection closed`));
    }
    this.subscriber.on('messageBuffer', (_channel: unknown, message: unknown) => onMessage(message));
  }

  /** Connects both, subscribes, and turns tracking on, each step within `ms`. */
  async open(prefix: string, ms: number, requireMaster: boolean): Promise<void> {
    const { subscriber, tracker } = this;
    const connectMs = Math.max(2000, ms * 10);
    await within(Promise.all([subscriber.connect(), tracker.connect()]), connectMs, 'connect');
    // The pair alone never keeps a process alive (the data connection does, until close()).
    for (const connection of [subscriber, tracker])
      (connection.stream as { unref?: () => void } | undefined)?.unref?.();
    const id = await within(subscriber.call('CLIENT', 'ID'), ms, 'CLIENT ID');
    await within(subscriber.subscribe(INVALIDATE_CHANNEL), ms, 'SUBSCRIBE');
    // Subscribed first: a redirect to a client not in Pub/Sub mode drops the messages.
    await within(
      tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', prefix),
      ms,
      'CLIENT TRACKING',
    );
    if (requireMaster) await within(tracker.call('ROLE').then(assertMaster), ms, 'ROLE');
  }

  /**
   * One heartbeat: a PING through the subscriber (its answer comes after every invalidation
   * queued before it, so an answer in time means the stream flows) and one through the
   * tracker (ROLE on a Cluster: a node that stopped being a master no longer sees the writes).
   */
  check(ms: number, requireMaster: boolean): Array<Promise<unknown>> {
    return [
      within(this.subscriber.ping(), ms, 'PING (subscriber)'),
      within(
        requireMaster ? this.tracker.call('ROLE').then(assertMaster) : this.tracker.ping(),
        ms,
        requireMaster ? 'ROLE' : 'PING (tracker)',
      ),
    ];
  }

  /** Closes both connections; resolves when they are gone (at most {@link CLOSE_WAIT_MS}). */
  close(): Promise<void> {
    return Promise.all([closed(this.subscriber), closed(this.tracker)]).then(() => undefined);
  }
}

function closed(connection: Redis): Promise<void> {
  if (connection.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS);
    timer.unref();
    connection.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    connection.disconnect();
  });
}

function assertMaster(role: unknown): void {
  const name = Array.isArray(role) ? String(role[0]) : String(role);
  if (name !== 'master')
    throw new CacheStoreError(`Redis node is a ${name}, not a master: it no longer sees the writes of its slots`);
}

/** `promise`, or a CacheStoreError after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheStoreError(`Redis ${what} (near cache) timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type State = 'idle' | 'arming' | 'armed' | 'waiting' | 'closed';

const registry = new WeakMap<RedisConnection, Map<string, Tracking>>();

/**
 * Client tracking for the near caches of one cache on one connection: a RESP2 subscriber on
 * `__redis__:invalidate` and a tracking connection (`CLIENT TRACKING ON REDIRECT <subscriber>
 * BCAST PREFIX <cacheName>:`) per node — the server, or every master of a Cluster (a master
 * reports only its own keys). Connections are made on first use, never at construction.
 *
 * Invalidations drop near copies (a `null` payload, sent after FLUSHALL / FLUSHDB, drops all).
 * Any sign that the stream may have a gap — a pair connection closing, a heartbeat unanswered
 * in time, a tracked node no longer a master, the Cluster's masters changing — flushes every
 * near copy and bypasses the near cache (reads go to Redis) until a new pair is armed and
 * confirmed; arming is retried by itself, with backoff while it fails (tracking refused by an
 * ACL or unsupported by the server, Redis away). Errors reach {@link onError}, never the caller.
 *
 * Our own writes come back as invalidations too (they go through the data connection, not the
 * tracker): they drop the near copy a write just made — never a newer one, since every
 * invalidation only removes — and the next read brings it back from Redis.
 */
export class Tracking implements NearCacheControl {
  /** @internal True while near copies may be served and kept. */
  armed = false;
  /** @internal Sequence number of the last invalidation (any key), local writes included. */
  seq = 0;
  /** @internal Sequence number of the last flush of everything (a flush payload or a gap). */
  flushSeq = 0;
  /** The prefix tracked: `<cacheName>:`. */
  readonly prefix: string;
  readonly #connection: RedisConnection;
  readonly #options: ResolvedNearCacheOptions;
  readonly #stores = new Set<NearStore<unknown>>();
  readonly #errorListeners = new Set<(error: unknown) => void>();
  readonly #invalidateListeners = new Set<InvalidationListener>();
  readonly #stateListeners = new Set<NearCacheStateListener>();
  readonly #readyWaiters = new Set<(armed: boolean) => void>();
  readonly #counts = { armings: 0, gaps: 0, failures: 0, invalidations: 0, flushes: 0 };
  #lastError: unknown;
  #state: State = 'idle';
  /** Bumped by every arming, gap and close: events of an older pair are ignored. */
  #generation = 0;
  #pairs: Pair[] = [];
  #failures = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating = false;
  #retry: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;

  private constructor(connection: RedisConnection, prefix: string, options: ResolvedNearCacheOptions) {
    this.#connection = connection;
    this.prefix = prefix;
    this.#options = options;
  }

  /** The tracking of `prefix` on `connection`, shared by the stores of one cache. */
  static for(connection: RedisConnection, prefix: string, options: ResolvedNearCacheOptions): Tracking {
    let byPrefix = registry.get(connection);
    if (byPrefix === undefined) registry.set(connection, (byPrefix = new Map()));
    let tracking = byPrefix.get(prefix);
    if (tracking === undefined || tracking.#state === 'closed') {
      tracking = new Tracking(connection, prefix, options);
      byPrefix.set(prefix, tracking);
    }
    return tracking;
  }

  /** Registers a store whose keys start with `store.prefix`. */
  attach(store: NearStore<unknown>): void {
    this.#stores.add(store);
  }

  /** A store is done; the last one closes the pairs. */
  async detach(store: NearStore<unknown>): Promise<void> {
    this.#stores.delete(store);
    store.clear();
    if (this.#stores.size === 0) await this.close();
  }

  /** Adds a listener of arming failures and gaps; returns a function that removes it. */
  onError(listener: (error: unknown) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  onInvalidate(listener: InvalidationListener): () => void {
    this.#invalidateListeners.add(listener);
    return () => this.#invalidateListeners.delete(listener);
  }

  onStateChange(listener: NearCacheStateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** @internal The next sequence number, for a local write (an invalidation of its own). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Starts arming, unless it already did. Cheap: called by every read while not armed. */
  start(): void {
    if (this.#state === 'idle') void this.#arm();
  }

  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.armed) return Promise.resolve(true);
    if (this.#state === 'closed') return Promise.resolve(false);
    this.start();
    return new Promise((resolve) => {
      const done = (armed: boolean) => {
        clearTimeout(timer);
        this.#readyWaiters.delete(done);
        resolve(armed);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#readyWaiters.add(done);
    });
  }

  stats(): NearCacheStats {
    let entries = 0;
    let bytes = 0;
    let hits = 0;
    for (const store of this.#stores) {
      entries += store.size;
      bytes += store.bytes;
      hits += store.hits;
    }
    return { armed: this.armed, entries, bytes, hits, ...this.#counts, lastError: this.#lastError };
  }

  /** Closes the pairs and stops every timer; idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#generation++;
    this.#flush();
    this.#stopWatching();
    clearTimeout(this.#retry);
    this.#retry = undefined;
    for (const done of [...this.#readyWaiters]) done(false);
    if (registry.get(this.#connection)?.get(this.prefix) === this) registry.get(this.#connection)!.delete(this.prefix);
    const pairs = this.#pairs;
    this.#pairs = [];
    await Promise.all(pairs.map((pair) => pair.close()));
  }

  async #arm(): Promise<void> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#state === 'closed') return;
    const generation = ++this.#generation;
    this.#state = 'arming';
    const pairs: Pair[] = [];
    try {
      const client = await this.#connection.client();
      const nodes = await this.#nodesOf(client);
      if (generation !== this.#generation) return;
      const ms = this.#connection.deadlines.ms;
      for (const [source, overrides] of nodes.values()) {
        pairs.push(
          new Pair(
            source,
            overrides,
            (m) => this.#onMessage(generation, m),
            (why) => this.#lost(generation, why),
          ),
        );
      }
      await Promise.all(pairs.map((pair) => pair.open(this.prefix, ms, client.isCluster)));
      if (generation !== this.#generation) {
        void Promise.all(pairs.map((pair) => pair.close()));
        return;
      }
      if (client.isCluster && !sameKeys(masterKeys(client as Cluster), nodes)) {
        throw new CacheStoreError('Redis Cluster masters changed while tracking was armed');
      }
      this.#pairs = pairs;
      if (client.isCluster) this.#watch(client as Cluster, nodes, generation);
      this.#heartbeat = setInterval(() => void this.#beat(generation, client), this.#options.heartbeatMs);
      this.#heartbeat.unref();
      this.#failures = 0;
      this.#counts.armings++;
      this.#state = 'armed';
      this.armed = true;
      for (const done of [...this.#readyWaiters]) done(true);
      this.#changed(true);
    } catch (error) {
      void Promise.all(pairs.map((pair) => pair.close()));
      if (generation !== this.#generation) return; // closed, or a gap came meanwhile
      if (error instanceof CacheClosedError) {
        await this.close();
        return;
      }
      this.#failures++;
      this.#counts.failures++;
      this.#fail(
        new CacheStoreError(
          `Redis near cache: tracking could not be armed (${describe(error)}); reads go to Redis until it is`,
          { cause: error },
        ),
      );
      this.#state = 'waiting';
      this.#schedule(backoff(this.#failures));
    }
  }

  /**
   * The nodes to track, by key: the server itself, or every master holding slots of a Cluster
   * (from its slot table, so a master whose connection ioredis dropped for a while is not
   * missed), each with the options that point a duplicate of a node connection at it.
   */
  async #nodesOf(client: RedisClient): Promise<Map<string, [Redis, Partial<RedisOptions>]>> {
    if (!client.isCluster) return new Map([['server', [client as Redis, {}]]]);
    const cluster = client as Cluster;
    if (cluster.status !== 'ready') await readyOf(cluster, Math.max(2000, this.#connection.deadlines.ms * 10));
    const source = cluster.nodes('all')[0];
    if (source === undefined) throw new CacheStoreError('Redis Cluster has no reachable node');
    const nodes = new Map<string, [Redis, Partial<RedisOptions>]>();
    const mapper = (cluster as unknown as { natMapper?: (key: string) => { host: string; port: number } }).natMapper;
    for (const key of masterKeys(cluster)) {
      const mapped = typeof mapper === 'function' ? mapper.call(cluster, key) : hostPort(key);
      nodes.set(key, [source, { host: mapped.host, port: mapped.port }]);
    }
    return nodes;
  }

  #watch(cluster: Cluster, nodes: Map<string, unknown>, generation: number): void {
    const check = () => {
      if (generation !== this.#generation) return;
      let same: boolean;
      try {
        same = sameKeys(masterKeys(cluster), nodes);
      } catch {
        same = false; // a slot without a master
      }
      if (!same) this.#gap(new CacheStoreError('Redis Cluster masters changed'));
    };
    // ioredis adds a node on a MOVED to a new address before resending the command there.
    cluster.on('+node', check);
    cluster.on('-node', check);
    cluster.on('refresh', check);
    this.#unwatch = () => {
      cluster.off('+node', check);
      cluster.off('-node', check);
      cluster.off('refresh', check);
    };
  }

  #stopWatching(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  async #beat(generation: number, client: RedisClient): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const ms = this.#connection.deadlines.ms;
      await Promise.all(this.#pairs.flatMap((pair) => pair.check(ms, client.isCluster)));
    } catch (error) {
      if (generation === this.#generation && this.#state === 'armed') {
        // A demoted master: have the Cluster learn the new one at once rather than at its next refresh.
        if (client.isCluster) (client as Cluster).refreshSlotsCache();
        this.#gap(error);
      }
    } finally {
      this.#beating = false;
    }
  }

  #onMessage(generation: number, message: unknown): void {
    if (generation !== this.#generation) return;
    const seq = ++this.seq;
    this.#counts.invalidations++;
    if (message === null || message === undefined) {
      this.#counts.flushes++;
      this.#flushAt(seq);
      this.#notify(null);
      return;
    }
    const keys = Array.isArray(message) ? message : [message];
    const names: string[] | undefined = this.#invalidateListeners.size > 0 ? [] : undefined;
    for (const raw of keys) {
      const key = String(raw);
      for (const store of this.#stores) {
        if (key.startsWith(store.prefix)) store.invalidate(key.slice(store.prefix.length), seq);
      }
      names?.push(key);
    }
    if (names !== undefined) this.#notify(names);
  }

  #lost(generation: number, why: string): void {
    if (generation === this.#generation && (this.#state === 'armed' || this.#state === 'arming'))
      this.#gap(new CacheStoreError(why));
  }

  /** The stream may have a gap: flush, bypass, drop the pairs, and arm again. */
  #gap(reason: unknown): void {
    const wasArmed = this.#state === 'armed';
    this.#generation++;
    this.#counts.gaps++;
    this.#flush();
    this.#stopWatching();
    const pairs = this.#pairs;
    this.#pairs = [];
    void Promise.all(pairs.map((pair) => pair.close()));
    this.#fail(new CacheStoreError(`Redis near cache flushed and bypassed: ${describe(reason)}`, { cause: reason }));
    this.#state = 'waiting';
    if (wasArmed) this.#schedule(REARM_AFTER_GAP_MS);
    else this.#schedule(backoff(++this.#failures));
  }

  #flush(): void {
    const was = this.armed;
    this.armed = false;
    this.#flushAt(++this.seq);
    this.#notify(null);
    if (was) this.#changed(false);
  }

  #flushAt(seq: number): void {
    this.flushSeq = seq;
    for (const store of this.#stores) store.invalidateAll(seq);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#arm(), ms);
    this.#retry.unref();
  }

  #fail(error: CacheStoreError): void {
    this.#lastError = error;
    for (const fn of this.#errorListeners) {
      try {
        fn(error);
      } catch {
        // a listener must not break tracking
      }
    }
  }

  #changed(armed: boolean): void {
    for (const fn of this.#stateListeners) {
      try {
        fn(armed);
      } catch {
        // a listener must not break tracking
      }
    }
  }

  #notify(keys: readonly string[] | null): void {
    for (const fn of this.#invalidateListeners) {
      try {
        fn(keys);
      } catch {
        // a listener must not break tracking
      }
    }
  }
}

function backoff(failures: number): number {
  return Math.min(MIN_BACKOFF_MS * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

/** The `host:port` keys of the masters holding the Cluster's slots. @throws when a slot has none. */
function masterKeys(cluster: Cluster): Set<string> {
  const keys = new Set<string>();
  const slots = cluster.slots;
  for (let slot = 0; slot < 16384; slot++) {
    const master = slots[slot]?.[0];
    if (master === undefined) throw new CacheStoreError(`Redis Cluster slot ${slot} has no known master`);
    keys.add(master);
  }
  return keys;
}

function sameKeys(a: Set<string>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a) if (!b.has(key)) return false;
  return true;
}

function hostPort(key: string): { host: string; port: number } {
  const i = key.lastIndexOf(':');
  return { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
}

function readyOf(cluster: Cluster, ms: number): Promise<void> {
  let onReady: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
    cluster.once('ready', onReady);
  });
  return within(ready, ms, 'Cluster ready').finally(() => cluster.off('ready', onReady!));
}
