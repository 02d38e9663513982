import type { ChildProcess } from 'node:child_process';

/** Path of redis-server: $REDIS_SERVER_BIN, else the first one on PATH or in /usr/bin. */
export function findRedisServer(): string | undefined;
/** Path of redis-cli next to redis-server, else on PATH. */
export function findRedisCli(serverBin?: string): string | undefined;
/** A free loopback port whose cluster bus port (port + 10000) is free too. */
export function freePort(): Promise<number>;
/** Sends one inline command over a raw socket and returns the reply text ('' on failure). */
export function rawCommand(port: number, command: string, timeoutMs?: number): Promise<string>;

export interface StartRedisServerOptions {
  port?: number;
  dir?: string;
  extraArgs?: string[];
  bin?: string;
}
/** Starts redis-server on a loopback port with no persistence; resolves once it answers PING. */
export function startRedisServer(options?: StartRedisServerOptions): Promise<RedisServer>;

export class RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess | undefined;
  readonly pid: number | undefined;
  /** Starts (or restarts, after a kill) the server and waits until it answers PING. */
  start(): Promise<void>;
  /** Sends a signal (SIGSTOP, SIGCONT…) to the server process. */
  signal(name: NodeJS.Signals): void;
  /** SIGKILL and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Stops the server and removes its temp dir if it made it. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` nodes with `replicas` replicas each (default none) and waits
 * for `cluster_state:ok` (and, with replicas, for every replica to be in sync).
 */
export function startRedisCluster(options?: {
  masters?: number;
  replicas?: number;
  bin?: string;
}): Promise<RedisCluster>;

export class RedisCluster {
  readonly servers: RedisServer[];
  /** `host:port` of every node, comma separated. */
  readonly nodes: string;
  stop(): Promise<void>;
}
