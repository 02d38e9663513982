import { CacheClosedError, CacheConfigError, CacheStoreError, checkMs, describeValue } from '@axios-client-cache/core';
import { Cluster, Command, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { checkClient, type CommandClass, type IoredisClient } from './client-check.js';
import { DeadlineQueue } from './deadline.js';

/** An ioredis client: a standalone `Redis` or a `Cluster`. */
export type RedisClient = Redis | Cluster;

/** Options of one command (ioredis's): `replyEncoding: 'utf8'` for string replies, none for bytes. */
export interface CommandOptions {
  readonly replyEncoding?: 'utf8';
}

/** Where a Redis store connects. Give at most one of `url`, `client`, `cluster`, `connection`. */
export interface RedisConnectionOptions {
  /**
   * A `redis://` or `rediss://` URL; the client is created on first use and closed by `close()`.
   * @defaultValue 'redis://127.0.0.1:6379' when nothing else is given
   */
  url?: string | undefined;
  /**
   * An existing client (`Redis` or `Cluster`) of ioredis 5 or 6, RESP2 or RESP3. Used as is and
   * never closed by this library.
   */
  client?: IoredisClient;
  /**
   * A Redis Cluster: its startup `nodes` (and ioredis `options`), created on first use and
   * closed by `close()`; or an existing `Cluster`, never closed by this library.
   */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions } | IoredisClient;
  /** A connection shared with other stores (see {@link RedisConnection}). */
  connection?: RedisConnection;
  /**
   * More ioredis options for a client created from `url` (they override the fail-open defaults).
   * @defaultValue {}
   */
  redisOptions?: RedisOptions;
  /**
   * Deadline of every Redis call in ms; a call past it fails with `CacheStoreError`.
   * @defaultValue 100
   */
  timeoutMs?: number;
}

/** Default deadline of a Redis call. */
export const DEFAULT_TIMEOUT_MS = 100;

type ErrorListener = (error: unknown) => void;

const NO_OPTIONS: CommandOptions = {};

/**
 * The fail-open defaults of clients this library creates: no offline queue (a command
 * sent while disconnected fails at once instead of waiting), no resending of unanswered
 * commands after a reconnect (a stale write must not land late), bounded retries, and
 * reconnection forever with a capped backoff so hits resume by themselves.
 */
const FAIL_OPEN_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  // close() on a client between reconnects leaves ioredis waiting this long for a socket
  // that is already gone; keep it short so a closed cache lets the process exit.
  disconnectTimeout: 200,
  retryStrategy: (times: number) => Math.min(50 * times, 500),
};

/**
 * One ioredis client shared by the stores and the lock of a cache, created on first use
 * (never at import or construction). A client given by the caller is used as is and never
 * closed. Also holds the deadline of every call made through it.
 */
export class RedisConnection {
  /** The deadline applied to every command. */
  readonly deadlines: DeadlineQueue;
  /** True when this library created the client (and so closes it). */
  readonly owned: boolean;
  /** True for a Redis Cluster. */
  readonly isCluster: boolean;
  readonly #create: (() => RedisClient) | undefined;
  /** The `Command` class of the ioredis copy that made the client (see {@link command}). */
  readonly #Command: CommandClass;
  #client: RedisClient | undefined;
  /** Resolves when the first connection attempt ends (ready or failed). */
  #firstAttempt: Promise<void> | undefined;
  /** False after a command ran past its deadline, until a PING is answered in time. */
  #responsive = true;
  #users = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The socket held (corked) until the end of the current tick, if any. */
  #corked: { uncork(): void } | undefined;
  readonly #errorListeners = new Set<ErrorListener>();

  constructor(options: RedisConnectionOptions = {}) {
    const { url, client, cluster, timeoutMs = DEFAULT_TIMEOUT_MS, redisOptions } = options;
    const given = (['url', 'client', 'cluster', 'connection'] as const).filter((k) => options[k] !== undefined);
    if (given.length > 1)
      throw new CacheConfigError(`Give only one of url, client, cluster, connection (got ${given.join(', ')})`);
    checkMs('timeoutMs', timeoutMs);
    if (redisOptions !== undefined && (typeof redisOptions !== 'object' || redisOptions === null)) {
      throw new CacheConfigError(
        `Invalid redisOptions: ${describeValue(redisOptions)} (expected an ioredis options object)`,
      );
    }
    this.deadlines = new DeadlineQueue(timeoutMs, () => this.#trip());
    if (client !== undefined || isClientShaped(cluster)) {
      const { client: existing, Command: Own } =
        client !== undefined ? checkClient('client', client) : checkClient('cluster', cluster, true);
      this.owned = false;
      this.isCluster = existing.isCluster;
      this.#client = existing;
      this.#Command = Own;
      this.#firstAttempt = Promise.resolve();
    } else if (cluster !== undefined) {
      const startup = cluster as { nodes?: unknown; options?: ClusterOptions } | null;
      if (
        typeof startup !== 'object' ||
        startup === null ||
        !Array.isArray(startup.nodes) ||
        startup.nodes.length === 0
      ) {
        throw new CacheConfigError(
          `Invalid cluster: ${describeValue(cluster)} (expected { nodes: [...], options? } or an ioredis Cluster)`,
        );
      }
      const nodes = startup.nodes as ClusterNode[];
      const clusterOptions = startup.options ?? {};
      this.owned = true;
      this.#Command = Command;
      this.isCluster = true;
      this.#create = () =>
        new Cluster(nodes, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRedirections: 4,
          retryDelayOnFailover: 50,
          retryDelayOnClusterDown: 50,
          clusterRetryStrategy: (times: number) => Math.min(50 * times, 500),
          ...clusterOptions,
          redisOptions: {
            // Node connections are made on demand and need their queue for that first command;
            // our deadline still bounds every call.
            maxRetriesPerRequest: 1,
            autoResendUnfulfilledCommands: false,
            connectTimeout: 2000,
            disconnectTimeout: 200,
            ...clusterOptions.redisOptions,
          },
        });
    } else {
      if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//i.test(url))) {
        throw new CacheConfigError(`Invalid url: ${describeValue(url)} (expected a redis:// or rediss:// URL)`);
      }
      this.owned = true;
      this.isCluster = false;
      this.#Command = Command;
      const options: RedisOptions = { ...FAIL_OPEN_OPTIONS, ...redisOptions };
      this.#create = () => (url === undefined ? new Redis(options) : new Redis(url, options));
    }
  }

  /** Adds a listener of connection errors (a client we created never throws them). */
  onError(listener: ErrorListener): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** True when a command can be sent at once (the hot path checks only this). */
  get isReady(): boolean {
    const client = this.#client;
    return client !== undefined && client.status === 'ready';
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The client, created and connected on first use. While the very first connection
   * attempt is under way this waits for it (at most the deadline); afterwards it never
   * waits: with Redis away, commands fail at once and the caller goes to the origin.
   */
  async client(): Promise<RedisClient> {
    if (this.#closed) throw new CacheClosedError('Redis store is closed');
    const client = this.#client ?? this.#open();
    if (client.status !== 'ready') await this.#waitFirstAttempt();
    if (this.#closed) throw new CacheClosedError('Redis store is closed');
    return client;
  }

  /**
   * Creates the client and waits (at most `waitMs`) for its first connection: call it at
   * startup to have hits from the first request on. Never throws for a Redis that is away;
   * resolves to whether the client is ready.
   */
  async connect(waitMs = 2000): Promise<boolean> {
    if (this.#closed) throw new CacheClosedError('Redis store is closed');
    const client = this.#client ?? this.#open();
    if (client.status !== 'ready') await this.#waitFirstAttempt(waitMs);
    if (client.status === 'wait') {
      // a caller's lazyConnect client: connect it, as its first command would
      await client.connect().catch(() => undefined);
    }
    return client.status === 'ready';
  }

  /** The client if it exists (no connecting). */
  get existingClient(): RedisClient | undefined {
    return this.#client;
  }

  /**
   * A command for this connection's client, made by the client's own ioredis module (a client
   * of another copy or major needs its own commands). `args` are strings, numbers or Buffers.
   */
  command(name: string, args: ReadonlyArray<string | number | Buffer>, options?: CommandOptions): Command {
    return new this.#Command(name, args as Array<string | number | Buffer>, options ?? NO_OPTIONS);
  }

  /**
   * Sends `command` with the deadline; resolves to its promise. While Redis is known to be
   * unresponsive (a command ran past its deadline and no PING has been answered since),
   * fails at once, so a request pays for at most one deadline however many calls it makes.
   */
  send<T>(client: RedisClient | Redis, command: Command): Promise<T> {
    if (!this.#responsive) {
      command.reject(
        new CacheStoreError(
          `Redis ${command.name.toUpperCase()} skipped: Redis did not answer within ${this.deadlines.ms} ms; retrying in the background`,
        ),
      );
      return command.promise as Promise<T>;
    }
    // With other commands in flight this one would wait behind their answers anyway: hold
    // its bytes until the end of the tick, so the commands sent meanwhile (concurrent
    // requests resume together when one read brings their answers) leave in one write.
    // ioredis marks a command resolved only when it succeeds: an error reply (OOM, WRONGTYPE,
    // NOSCRIPT) would look unanswered to the deadline and mark the whole connection
    // unresponsive. Mark it settled on rejection too.
    const reject = command.reject;
    command.reject = (error: Error) => {
      command.isResolved = true;
      reject(error);
    };
    if (this.deadlines.track(command) > 1 && this.#corked === undefined && !client.isCluster)
      this.#cork(client as Redis);
    client.sendCommand(command);
    return command.promise as Promise<T>;
  }

  #cork(client: Redis): void {
    const stream = client.stream as Redis['stream'] | undefined;
    if (stream === undefined || typeof stream.cork !== 'function') return;
    stream.cork();
    this.#corked = stream;
    process.nextTick(this.#uncork);
  }

  readonly #uncork = (): void => {
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };

  /** True unless a call recently ran past its deadline (calls then fail at once). */
  get responsive(): boolean {
    return this.#responsive;
  }

  #trip(): void {
    if (!this.#responsive || this.#closed) return;
    this.#responsive = false;
    void this.#probe();
  }

  /** PINGs until Redis answers within the deadline, then lets calls through again. */
  async #probe(): Promise<void> {
    const pause = Math.min(50, this.deadlines.ms);
    while (!this.#closed && !this.#responsive) {
      await new Promise((resolve) => setTimeout(resolve, pause).unref());
      const client = this.#client;
      if (this.#closed || client === undefined) return;
      if (client.status !== 'ready') {
        // disconnected: ioredis fails calls at once by itself and reconnects
        this.#responsive = true;
        return;
      }
      const ping = this.command('ping', []);
      client.sendCommand(ping);
      this.deadlines.track(ping);
      try {
        await ping.promise;
        this.#responsive = true;
      } catch {
        // still frozen or paused: try again
      }
    }
  }

  /** Registers a user of this connection (a store or a lock); see {@link release}. */
  retain(): void {
    this.#users++;
  }

  /** A user is done; the last one closes the client (if ours). */
  async release(): Promise<void> {
    if (this.#users > 0) this.#users--;
    if (this.#users === 0) await this.close();
  }

  /** Closes the client if this library created it; idempotent. Later calls fail with CacheClosedError. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.deadlines.flush('store closed');
    const client = this.#client;
    this.#closing = (async () => {
      if (!client || !this.owned) return;
      if (client.status === 'ready') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          client.quit().catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, this.deadlines.ms);
          }),
        ]);
        clearTimeout(timer);
      }
      client.disconnect();
    })();
    return this.#closing;
  }

  #open(): RedisClient {
    const client = this.#create!();
    this.#client = client;
    client.on('error', (error: unknown) => {
      for (const fn of this.#errorListeners) {
        try {
          fn(error);
        } catch {
          // a listener must not break the client
        }
      }
    });
    this.#firstAttempt = new Promise<void>((resolve) => {
      const done = () => {
        client.off('ready', done);
        client.off('error', done);
        client.off('end', done);
        if (client.isCluster && client.status === 'ready') {
          // Node connections are lazy: open every master's now, so the first commands
          // are not held up (past their deadline) by connecting.
          const masters = (client as Cluster).nodes('master');
          void Promise.allSettled(masters.map((node) => (node.status === 'wait' ? node.connect() : undefined))).then(
            () => resolve(),
          );
        } else resolve();
      };
      client.on('ready', done);
      client.on('error', done);
      client.on('end', done);
    });
    client.connect().catch(() => {
      // reported through the 'error' listener; reconnection goes on by itself
    });
    return client;
  }

  async #waitFirstAttempt(waitMs = this.deadlines.ms): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#firstAttempt,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** True for what looks like a client rather than `{ nodes, options }` (checked by checkClient). */
function isClientShaped(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sendCommand?: unknown }).sendCommand === 'function'
  );
}

/** Resolves the connection of a store: the shared one given, or a new one it owns. */
export function connectionOf(options: RedisConnectionOptions): RedisConnection {
  if (options.connection !== undefined) {
    if (!(options.connection instanceof RedisConnection)) {
      throw new CacheConfigError(
        `Invalid connection: ${describeValue(options.connection)} (expected a RedisConnection)`,
      );
    }
    const others = (['url', 'client', 'cluster'] as const).filter((k) => options[k] !== undefined);
    if (others.length > 0)
      throw new CacheConfigError(
        `Give only one of url, client, cluster, connection (got connection, ${others.join(', ')})`,
      );
    return options.connection;
  }
  return new RedisConnection(options);
}
