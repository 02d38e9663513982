import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheConfigError, describeValue, type LeaseOutcome, type MissLease, type MissLock } from '@axios-client-cache/core';
import { Command } from 'ioredis';
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
const MAX_MESSAGE = 1000;
const NO_OPTIONS = {};
const UTF8 = { replyEncoding: 'utf8' as const };

// Publishes the outcome in the lease key, keeping its TTL, only if this holder still owns it
// (a lease that expired and was taken by another process is left alone). One key: cluster safe.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end return 0`;

const NOOP_LEASE: MissLease = Object.freeze({ release: async () => {} });

/**
 * Cross-process single-flight on Redis. The first process to miss a key takes a lease
 * (`SET <cacheName>:l:<key> L:<token> NX PX leaseMs`) and fetches from the origin; the
 * others poll the lease key with a growing interval. On release the leader replaces the
 * lease with its outcome (keeping the lease's TTL), so followers — and processes arriving
 * later within the lease — learn of an origin error without making a second request.
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
      const reply = await this.connection.send<string | null>(client, new Command('set', [leaseKey, token, 'NX', 'PX', String(Math.ceil(this.leaseMs))], UTF8));
      if (reply === null) return undefined;
      return new RedisLease(this.connection, leaseKey, token);
    } catch {
      // fail open: the caller goes to the origin as if it held the lease
      return NOOP_LEASE;
    }
  }

  async wait(key: string): Promise<LeaseOutcome | undefined> {
    const leaseKey = this.prefix + key;
    const until = performance.now() + this.leaseMs;
    let interval = this.#pollMs;
    while (!this.#closed) {
      const left = until - performance.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(interval, left));
      interval = Math.min(interval * 1.5, this.#maxPollMs);
      let value: string | null;
      try {
        const client = await this.connection.client();
        value = await this.connection.send<string | null>(client, new Command('get', [leaseKey], UTF8));
      } catch {
        return undefined;
      }
      // gone: released with no outcome kept, or expired (a crashed leader)
      if (value === null) return undefined;
      if (value.startsWith(DONE)) return parseOutcome(value.slice(DONE.length));
      if (!value.startsWith(HELD)) return undefined;
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

  constructor(connection: RedisConnection, key: string, token: string) {
    this.#connection = connection;
    this.#key = key;
    this.#token = token;
  }

  async release(outcome: LeaseOutcome): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      const client = await this.#connection.client();
      await this.#connection.send(client, new Command('eval', [RELEASE_SCRIPT, 1, this.#key, this.#token, DONE + encodeOutcome(outcome)], NO_OPTIONS));
    } catch {
      // the lease expires by itself; followers then go to the origin
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
