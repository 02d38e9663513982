import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheConfigError, describeValue, type LeaseOutcome, type MissLease, type MissLock } from '@axios-client-cache/core';
import { connectionOf, type RedisConnection, type RedisConnectionOptions } from './connection.js';
import { DEFAULT_CACHE_NAME } from './redis-cache.js';

/** Options of a {@link RedisMissLock}. */
export interface RedisMissLockOptions extends RedisConnectionOptions {
  /**
   * Namespace: lease keys are `<cacheName>:l:<key>`.
   * @defaultValue 'aiohttp-cache'
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

const HELD = 'L:';
const DONE = 'O:';
/** The outcome `{ ok: true }` as stored (exactly what {@link encodeOutcome} writes for it). */
const DONE_OK = `${DONE}{"ok":true}`;
/** Ends the token of a lease taken over from a `{ ok: true }` outcome. */
const AFTER_OK = ';ok';
const OK: LeaseOutcome = Object.freeze({ ok: true });
/** First and longest pause between attempts at a release that failed, in ms. */
const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 200;
const MAX_MESSAGE = 1000;
const UTF8 = { replyEncoding: 'utf8' as const };

// Takes the lease when the key is absent or holds the outcome `{ ok: true }` of a released
// lease (kept only for that lease's waiters: the response is stored, so a new miss may fetch
// again). A lease taken over that way is marked (ARGV[4]) so that the waiters of the released
// lease that poll only after the takeover still learn it ended well. An error outcome is left
// in place until it expires: later arrivals get the error without another origin request.
// Returns the token set, or nil when the lease is held. One key: cluster safe.
// `SET NX` comes first so that, as before, a Redis refusing writes (maxmemory, read-only
// replica) fails the call, and the caller goes to the origin instead of waiting on a lease
// whose holder could not publish its outcome. Sent with EVAL, not EVALSHA: a NOSCRIPT error
// reply would stay unresolved for the deadline queue, which would take Redis for unresponsive.
const ACQUIRE_SCRIPT = `local token = ARGV[1]
if redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[2]) then return token end
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return false end
token = token .. ARGV[4]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token`;

// Publishes the outcome in the lease key, keeping its TTL, only if this holder still owns it
// (a lease that expired and was taken by another process is left alone). One key: cluster safe.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end return 0`;

const NOOP_LEASE: MissLease = Object.freeze({ release: async () => {} });

/**
 * Cross-process single-flight on Redis. The first process to miss a key takes a lease
 * (`<cacheName>:l:<key>` = `L:<token>`, `PX leaseMs`, set by a script when the key is absent
 * or holds a `{ ok: true }` outcome) and fetches from the origin; the others poll the lease
 * key with a growing interval. On release the leader replaces the lease with its outcome
 * (keeping the lease's TTL), so followers — and, for an error, processes arriving later
 * within the lease — learn of it without making a second request. After a success the next
 * miss of the key takes a new lease at once.
 * A crashed leader's lease expires after `leaseMs`; followers then go to the origin.
 * Every call fails open: a Redis error gives a no-op lease, or ends the wait.
 */
export class RedisMissLock implements MissLock {
  /** Lease time in ms. */
  readonly leaseMs: number;
  /** `<cacheName>:l:` */
  readonly prefix: string;
  /** The shared connection. */
  readonly connection: RedisConnection;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  #closed = false;

  constructor(options: RedisMissLockOptions = {}) {
    const { cacheName = DEFAULT_CACHE_NAME, leaseMs = DEFAULT_LEASE_MS, pollMs = 10, maxPollMs = 100 } = options;
    if (typeof cacheName !== 'string' || cacheName === '') {
      throw new CacheConfigError(`Invalid cacheName: ${describeValue(cacheName)} (expected a non-empty string)`);
    }
    positive('leaseMs', leaseMs);
    positive('pollMs', pollMs);
    positive('maxPollMs', maxPollMs);
    this.leaseMs = leaseMs;
    this.prefix = `${cacheName}:l:`;
    this.#pollMs = pollMs;
    this.#maxPollMs = Math.max(pollMs, maxPollMs);
    this.connection = connectionOf(options);
    this.connection.retain();
  }

  async acquire(key: string): Promise<MissLease | undefined> {
    if (this.#closed) return NOOP_LEASE;
    const token = HELD + randomUUID();
    const leaseKey = this.prefix + key;
    try {
      const client = await this.connection.client();
      // the lease ends leaseMs after Redis set it, so no earlier than leaseMs from now
      const expiresAt = performance.now() + this.leaseMs;
      const args = [ACQUIRE_SCRIPT, 1, leaseKey, token, String(Math.ceil(this.leaseMs)), DONE_OK, AFTER_OK];
      const held = await this.connection.send<string | null>(client, this.connection.command('eval', args, UTF8));
      if (held === null) return undefined;
      return new RedisLease(this.connection, leaseKey, held, expiresAt);
    } catch {
      // fail open: the caller goes to the origin as if it held the lease
      return NOOP_LEASE;
    }
  }

  async wait(key: string): Promise<LeaseOutcome | undefined> {
    const leaseKey = this.prefix + key;
    const until = performance.now() + this.leaseMs;
    let interval = this.#pollMs;
    /** The lease this waiter saw first: the one it waits for. */
    let waitingFor: string | undefined;
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
      // gone: released with no outcome kept, or expired (a crashed leader)
      if (value === null) return undefined;
      if (value.startsWith(DONE)) return parseOutcome(value.slice(DONE.length));
      if (!value.startsWith(HELD)) return undefined;
      if (waitingFor === undefined) waitingFor = value;
      else if (value !== waitingFor) {
        // The lease waited for ended and another holder took the key, before this poll saw
        // the outcome: right after a `{ ok: true }` (marked), or once the key had expired.
        return value.endsWith(AFTER_OK) ? OK : undefined;
      }
    }
    return undefined;
  }

  /** Releases the connection (closed when nothing else uses it and it is ours). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.connection.release();
  }
}

class RedisLease implements MissLease {
  #released = false;
  readonly #connection: RedisConnection;
  readonly #key: string;
  readonly #token: string;
  readonly #expiresAt: number;

  constructor(connection: RedisConnection, key: string, token: string, expiresAt: number) {
    this.#connection = connection;
    this.#key = key;
    this.#token = token;
    this.#expiresAt = expiresAt;
  }

  /**
   * Publishes the outcome. A failed attempt (a call skipped while Redis is taken for
   * unresponsive, a deadline, a write refused) is retried with a growing pause while the
   * lease lasts: a lease whose holder is alive must not hold its waiters up for the whole
   * lease. Resolves when published, or when the lease has expired by itself (its waiters
   * then go to the origin) or the lock was closed. Retrying is safe: the script only
   * replaces this holder's own lease.
   */
  async release(outcome: LeaseOutcome): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const value = DONE + encodeOutcome(outcome);
    let pause = RETRY_MIN_MS;
    while (!this.#connection.closed) {
      try {
        const client = await this.#connection.client();
        await this.#connection.send(client, this.#connection.command('eval', [RELEASE_SCRIPT, 1, this.#key, this.#token, value]));
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

function encodeOutcome(outcome: LeaseOutcome): string {
  if (outcome.ok) return '{"ok":true}';
  const { message, code, status } = outcome;
  return JSON.stringify({
    ok: false,
    message: String(message).slice(0, MAX_MESSAGE),
    ...(typeof code === 'string' ? { code: code.slice(0, 100) } : {}),
    ...(typeof status === 'number' && Number.isFinite(status) ? { status } : {}),
  });
}

/** Reads an outcome written by another process; anything malformed is no outcome. */
export function parseOutcome(text: string): LeaseOutcome | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (r['ok'] === true) return { ok: true };
  if (r['ok'] !== false || typeof r['message'] !== 'string') return undefined;
  return {
    ok: false,
    message: r['message'].slice(0, MAX_MESSAGE),
    ...(typeof r['code'] === 'string' ? { code: r['code'] } : {}),
    ...(typeof r['status'] === 'number' && Number.isFinite(r['status']) ? { status: r['status'] } : {}),
  };
}

function positive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CacheConfigError(`Invalid ${name}: ${describeValue(value)} (expected a positive number of milliseconds)`);
  }
}
