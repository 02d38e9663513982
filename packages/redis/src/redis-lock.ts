import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CacheConfigError,
  checkMs,
  DEFAULT_CACHE_NAME,
  describeValue,
  type LeaseOutcome,
  type MissLease,
  type MissLock,
} from '@axios-client-cache/core';
import { connectionOf, type RedisConnection, type RedisConnectionOptions } from './connection.js';

/** Options of a {@link RedisMissLock}. */
export interface RedisMissLockOptions extends RedisConnectionOptions {
  /**
   * Namespace: lease keys are `<cacheName>:l:<key>`.
   * @defaultValue 'axios-client-cache'
   */
  cacheName?: string;
  /**
   * How long a lease lasts, in ms: the longest a follower waits for the leader's response
   * before going to the origin itself, and how long a crashed leader can hold up others.
   * @defaultValue 3000
   */
  leaseMs?: number;
  /**
   * First interval between a follower's checks, in ms; it grows 1.5× per check up to
   * `maxPollMs`.
   * @defaultValue 10
   */
  pollMs?: number;
  /**
   * Longest interval between a follower's checks, in ms.
   * @defaultValue 100
   */
  maxPollMs?: number;
}

/** Default lease time. */
export const DEFAULT_LEASE_MS = 3000;

/** A lease value: `L:` and a random UUID. Anything else under a lease key is not a lease. */
const LEASE = /^L:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UTF8 = { replyEncoding: 'utf8' as const };
/** First and longest pause between attempts at a release that failed, in ms. */
const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 200;

// Takes the lease unless a live lease of ours holds the key: a value that is not a lease (a
// planted one, an outcome from an older release), or a lease whose TTL is missing or longer
// than a lease can be, is taken over. One key: cluster safe. `SET NX` comes first so that a
// Redis refusing writes (maxmemory, a read-only replica) fails the call and the caller goes to
// the origin instead of waiting on a lease nobody could take. Sent with EVAL, not EVALSHA: a
// NOSCRIPT error reply would look unanswered to the deadline queue.
const ACQUIRE_SCRIPT = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local held = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if type(held) == 'string' and string.match(held, ARGV[3]) and ttl > 0 and ttl <= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
/** The lease pattern for Lua's string.match. */
const LEASE_LUA = '^L:%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$';

// Ends the lease only if this holder still owns it (one that expired and was taken by another
// process is left alone). One key: cluster safe.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const NOOP_LEASE: MissLease = Object.freeze({ release: async () => {} });

/**
 * Cross-process single-flight on Redis. The first process to miss a key takes a lease
 * (`<cacheName>:l:<key>` = `L:<uuid>`, `PX leaseMs`) and fetches from the origin; the others
 * poll the lease key with a growing interval until it ends (released once the leader's store
 * write has landed, or expired if the leader crashed), then look in the store and, when
 * nothing usable is there, go to the origin themselves.
 *
 * Everything under a lease key is untrusted input: a value that is not a live lease is taken
 * over at once, a wait never lasts longer than the lease or the caller's bound, and nothing
 * read there ever fails a request. Every call fails open: a Redis error gives a no-op lease,
 * or ends the wait.
 */
export class RedisMissLock implements MissLock {
  /** Lease time in ms. */
  readonly leaseMs: number;
  /** `<cacheName>:l:` */
  readonly prefix: string;
  /** The shared connection. */
  readonly connection: RedisConnection;
  readonly #pollMs: number;
  /** Lease releases in progress. */
  readonly #releasing = new Set<Promise<void>>();
  readonly #maxPollMs: number;
  #closed = false;

  constructor(options: RedisMissLockOptions = {}) {
    const { cacheName = DEFAULT_CACHE_NAME, leaseMs = DEFAULT_LEASE_MS, pollMs = 10, maxPollMs = 100 } = options;
    if (typeof cacheName !== 'string' || cacheName === '') {
      throw new CacheConfigError(`Invalid cacheName: ${describeValue(cacheName)} (expected a non-empty string)`);
    }
    this.leaseMs = checkMs('leaseMs', leaseMs);
    this.#pollMs = checkMs('pollMs', pollMs);
    this.#maxPollMs = Math.max(pollMs, checkMs('maxPollMs', maxPollMs));
    this.prefix = `${cacheName}:l:`;
    this.connection = connectionOf(options);
    this.connection.retain();
  }

  async acquire(key: string): Promise<MissLease | undefined> {
    if (this.#closed) return NOOP_LEASE;
    const token = `L:${randomUUID()}`;
    const leaseKey = this.prefix + key;
    try {
      const client = await this.connection.client();
      // the lease ends leaseMs after Redis set it, so no earlier than leaseMs from now
      const expiresAt = performance.now() + this.leaseMs;
      const taken = await this.connection.send<number>(
        client,
        this.connection.command('eval', [
          ACQUIRE_SCRIPT,
          1,
          leaseKey,
          token,
          String(Math.ceil(this.leaseMs)),
          LEASE_LUA,
        ]),
      );
      if (taken !== 1) return undefined;
      return new RedisLease(this.connection, leaseKey, token, expiresAt, this.#releasing);
    } catch {
      // fail open: the caller goes to the origin as if it held the lease
      return NOOP_LEASE;
    }
  }

  async wait(key: string, timeoutMs = this.leaseMs): Promise<LeaseOutcome | undefined> {
    const leaseKey = this.prefix + key;
    const until = performance.now() + Math.min(this.leaseMs, timeoutMs);
    let interval = this.#pollMs;
    /** The lease this waiter saw first: the one it waits for. */
    let waitingFor: string | undefined;
    /** When that lease would expire by itself (performance.now() ms), if known. */
    let expiresAt: number | undefined;
    while (!this.#closed) {
      const left = until - performance.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(interval, left));
      interval = Math.min(interval * 1.5, this.#maxPollMs);
      let value: string | null;
      try {
        const client = await this.connection.client();
        value = await this.connection.send<string | null>(client, this.connection.command('get', [leaseKey], UTF8));
      } catch {
        return undefined;
      }
      // Gone, or another lease than the one waited for: ended by its holder ({ ok: true }), or
      // run out (its holder is slow or gone: no outcome) and perhaps taken over. Not a lease at
      // all: no outcome either.
      const ranOut = expiresAt !== undefined && performance.now() >= expiresAt - 1;
      if (value === null) return ranOut ? undefined : { ok: true };
      if (!LEASE.test(value)) return undefined;
      if (waitingFor === undefined) {
        waitingFor = value;
        expiresAt = await this.#expiry(leaseKey);
      } else if (value !== waitingFor) return ranOut ? undefined : { ok: true };
    }
    return undefined;
  }

  /** When the lease under `leaseKey` expires by itself (performance.now() ms), or undefined when Redis cannot tell. */
  async #expiry(leaseKey: string): Promise<number | undefined> {
    try {
      const client = await this.connection.client();
      // From before the command: never later than the lease really ends.
      const asked = performance.now();
      const ttl = await this.connection.send<number>(client, this.connection.command('pttl', [leaseKey]));
      return typeof ttl === 'number' && ttl > 0 ? asked + ttl : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Releases the connection (closed when nothing else uses it and it is ours), once the lease
   * releases already started have ended: a process that closes right after a miss must not keep
   * the other processes waiting for its lease to run out. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#releasing]);
    await this.connection.release();
  }
}

class RedisLease implements MissLease {
  #released = false;
  readonly #connection: RedisConnection;
  readonly #key: string;
  readonly #token: string;
  readonly #expiresAt: number;

  readonly #releasing: Set<Promise<void>>;

  constructor(
    connection: RedisConnection,
    key: string,
    token: string,
    expiresAt: number,
    releasing: Set<Promise<void>>,
  ) {
    this.#connection = connection;
    this.#key = key;
    this.#token = token;
    this.#expiresAt = expiresAt;
    this.#releasing = releasing;
  }

  /**
   * Ends the lease. A failed attempt (a call skipped while Redis is taken for unresponsive, a
   * deadline, a write refused) is retried with a growing pause while the lease lasts: a lease
   * whose holder is alive must not hold its waiters up for the whole lease. Resolves when
   * done, or when the lease has expired by itself or the lock was closed. Retrying is safe:
   * the script only ends this holder's own lease.
   */
  release(): Promise<void> {
    if (this.#released) return Promise.resolve();
    this.#released = true;
    const done = this.#release();
    this.#releasing.add(done);
    void done.finally(() => this.#releasing.delete(done));
    return done;
  }

  async #release(): Promise<void> {
    let pause = RETRY_MIN_MS;
    while (!this.#connection.closed) {
      try {
        const client = await this.#connection.client();
        await this.#connection.send(
          client,
          this.#connection.command('eval', [RELEASE_SCRIPT, 1, this.#key, this.#token]),
        );
        return;
      } catch {
        if (this.#expiresAt - performance.now() <= pause) return;
        // unref'd: a pending retry never keeps the process alive
        await sleep(pause, undefined, { ref: false });
        pause = Math.min(pause * 2, RETRY_MAX_MS);
      }
    }
  }
}
