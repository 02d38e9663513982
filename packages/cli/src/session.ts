import type { CachedResponse, SecretKey } from '@axios-client-cache/core';
import {
  DEFAULT_CACHE_NAME,
  RedisBackend,
  RedisMissLock,
  type RedisBackendOptions,
  type RedisCache,
  type RedisClient,
} from '@axios-client-cache/redis';
import type { Cluster, Redis } from 'ioredis';
import { CliError } from './errors.js';
import type { CliIO } from './io.js';
import { scrub } from './redact.js';

/** The options every command takes. */
export interface GlobalOptions {
  /** `--url`, else `REDIS_URL`. */
  url?: string;
  /** `--cluster host:port,…` */
  cluster?: string;
  /** `--cache-name` */
  cacheName?: string;
  /** `--secret-key` (repeatable), else `CACHE_KEY`. */
  secretKey?: string[];
  /** `--salt` */
  salt?: string;
  /** `--json` */
  json?: boolean;
}

/** The Redis address used when neither `--url`, `REDIS_URL` nor `--cluster` is given (the library's default). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** How long the command waits for Redis before giving up (exit 2). */
export const CONNECT_TIMEOUT_MS = 2000;
/** Deadline of each Redis command: scans and batch reads are larger than a request's. */
export const COMMAND_TIMEOUT_MS = 5000;

/**
 * An open cache: the library's own {@link RedisBackend} (so keys, layout, decoding and
 * deletes are the library's), connected, plus what the scans need from it.
 */
export class Session {
  readonly backend: RedisBackend;
  /** `<cacheName>:r:` responses. */
  readonly responses: RedisCache<CachedResponse>;
  /** `<cacheName>:a:` redirect aliases. */
  readonly redirects: RedisCache<string>;
  /** `<cacheName>:l:` leases, when the backend has its Redis lock. */
  readonly leasePrefix: string | undefined;
  /** Where Redis is, without credentials: for messages. */
  readonly location: string;
  /** True when a secret key was given: signed entries are verified and read. */
  readonly verifies: boolean;
  /** The secrets, to scrub from any message. */
  readonly secrets: readonly string[];
  /** The connected ioredis client (a `Redis`, or a `Cluster`). */
  readonly client: RedisClient;

  private constructor(backend: RedisBackend, client: RedisClient, location: string, secrets: readonly string[]) {
    this.backend = backend;
    this.client = client;
    this.responses = backend.responses as RedisCache<CachedResponse>;
    this.redirects = backend.redirects as RedisCache<string>;
    this.leasePrefix = backend.lock instanceof RedisMissLock ? backend.lock.prefix : undefined;
    this.location = location;
    this.secrets = secrets;
    this.verifies = secrets.length > 0;
  }

  /** The name of the cache (its namespace). */
  get cacheName(): string {
    return this.backend.cacheName;
  }

  /** Every master: the one server, or each master of a Cluster. */
  masters(): Redis[] {
    if (!this.client.isCluster) return [this.client as Redis];
    const masters = (this.client as Cluster).nodes('master');
    if (masters.length === 0) throw new CliError(`Redis Cluster at ${this.location} has no reachable master`);
    return masters;
  }

  /** Opens the cache and waits (bounded) for Redis; exit 2 with one line when it cannot. */
  static async open(options: GlobalOptions, io: CliIO): Promise<Session> {
    const secrets = secretsOf(options, io);
    const cacheName = options.cacheName ?? DEFAULT_CACHE_NAME;
    const where = whereOf(options, io);
    const secretKey: SecretKey | undefined =
      secrets.length === 0 ? undefined : secrets.length === 1 ? secrets[0] : secrets;
    let backend: RedisBackend;
    try {
      backend = new RedisBackend({
        ...where.connection,
        cacheName,
        // left out, not undefined, without a key: an explicit undefined reads as a missing variable
        ...(secretKey === undefined ? {} : { secretKey }),
        salt: options.salt,
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
    } catch (error) {
      throw new CliError(scrub(error instanceof Error ? error.message : String(error), secrets));
    }
    let firstError: unknown;
    backend.connection.onError((error) => {
      firstError ??= error;
    });
    const ready = await backend.connection.connect(CONNECT_TIMEOUT_MS);
    if (!ready) {
      await backend.close();
      const reason =
        firstError instanceof Error && firstError.message
          ? firstError.message
          : `no answer within ${CONNECT_TIMEOUT_MS} ms`;
      throw new CliError(`cannot connect to Redis at ${where.location}: ${scrub(reason, secrets)}`);
    }
    return new Session(backend, await backend.connection.client(), where.location, secrets);
  }

  /** Closes the backend and its client. */
  async close(): Promise<void> {
    await this.backend.close();
  }
}

function secretsOf(options: GlobalOptions, io: CliIO): string[] {
  if (options.secretKey !== undefined) {
    if (options.secretKey.some((s) => s === '')) throw new CliError('--secret-key is empty');
    return options.secretKey;
  }
  const env = io.env.CACHE_KEY;
  if (env === undefined) return [];
  // A variable that is set but empty is a mistake (a missing secret), not "unsigned".
  if (env === '') throw new CliError('CACHE_KEY is set but empty: unset it, or give the secret');
  return [env];
}

interface Where {
  readonly connection: Pick<RedisBackendOptions, 'url' | 'cluster' | 'redisOptions'>;
  readonly location: string;
}

// The client gives up instead of reconnecting: a command run from a shell answers or fails.
const REDIS_OPTIONS = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy: () => null,
};

function whereOf(options: GlobalOptions, io: CliIO): Where {
  if (options.cluster !== undefined) {
    if (options.url !== undefined) throw new CliError('give --url or --cluster, not both');
    const nodes = options.cluster
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseNode);
    if (nodes.length === 0) throw new CliError('--cluster needs host:port,…');
    return {
      connection: {
        cluster: {
          nodes,
          options: { clusterRetryStrategy: () => null, redisOptions: REDIS_OPTIONS },
        },
      },
      location: `cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    };
  }
  const url = options.url ?? io.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const from = options.url !== undefined ? '--url' : io.env.REDIS_URL !== undefined ? 'REDIS_URL' : 'the default URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL is not echoed: it may hold a password.
    throw new CliError(`${from} is not a URL (expected redis://host:port or rediss://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(`${from} must start with redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
  const db = parsed.pathname === '/' ? '' : parsed.pathname;
  return { connection: { url, redisOptions: REDIS_OPTIONS }, location: `${parsed.protocol}//${parsed.host}${db}` };
}

function parseNode(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : '';
  const port = colon > 0 ? Number(address.slice(colon + 1)) : NaN;
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliError(`--cluster: ${JSON.stringify(address)} is not host:port`);
  }
  return { host, port };
}
