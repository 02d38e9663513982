import { CacheConfigError, invalidOption } from '@axios-client-cache/core';
import { Cluster, Command, Redis } from 'ioredis';

/**
 * What this library uses of an ioredis client, typed by its shape rather than by one copy's
 * classes: a `Redis` or `Cluster` made by ioredis 5 or 6 — by the application's own copy of
 * ioredis, whichever major it is, with any reply mapping (`Redis<'legacy'>`, `Redis<'resp3'>`)
 * — is accepted.
 */
export interface IoredisClient {
  /** ioredis's connection status (`'wait'`, `'connecting'`, `'ready'`, `'end'`, …). */
  readonly status: string;
  /** True for a `Cluster`. */
  readonly isCluster: boolean;
  sendCommand(command: never, ...rest: never[]): unknown;
  pipeline(): unknown;
  connect(): Promise<unknown>;
  disconnect(): void;
  quit(): Promise<unknown>;
}

/** ioredis's `Command` class, from whichever copy made a client. */
export type CommandClass = typeof Command;

/**
 * Checks that `value` is a client of a supported ioredis (5 or 6) and finds the `Command`
 * class of the copy that made it. A command must come from the client's own module: ioredis 6
 * calls methods on it (`setReplyContext`) that a command of ioredis 5 lacks, and the other way
 * round a command of another copy may miss what that copy relies on.
 *
 * @param option the option the client came from, for the error message
 * @param requireCluster true for the `cluster` option, which takes a Cluster only
 * @throws CacheConfigError when `value` is not an ioredis client, or one of ioredis 4 or older
 */
export function checkClient(
  option: string,
  value: unknown,
  requireCluster = false,
): { client: Redis | Cluster; Command: CommandClass } {
  if (value instanceof Redis || value instanceof Cluster) {
    if (requireCluster) checkCluster(option, value, value.isCluster);
    return { client: value, Command };
  }
  const v = value as Partial<Record<string, unknown>> | null;
  if (typeof v !== 'object' || v === null || typeof v.sendCommand !== 'function' || typeof v.pipeline !== 'function') {
    invalidOption(option, value, 'an ioredis 5 or 6 Redis or Cluster client');
  }
  // ioredis 4's Redis has no isCluster and neither of its classes has createScanStream
  // (added in 5.0.0); its commands and reply handling differ from what this library sends.
  if (typeof v.isCluster !== 'boolean' || typeof v.createScanStream !== 'function') {
    throw new CacheConfigError(
      `Invalid ${option}: a client of ioredis 4 or older (expected an ioredis 5 or 6 Redis or Cluster client)`,
    );
  }
  if (requireCluster) checkCluster(option, value, v.isCluster);
  const Foreign = commandClassOf(value as Redis);
  if (Foreign === undefined) {
    throw new CacheConfigError(
      `Invalid ${option}: its ioredis commands could not be made (expected an ioredis 5 or 6 Redis or Cluster client)`,
    );
  }
  return { client: value as Redis | Cluster, Command: Foreign };
}

function checkCluster(option: string, value: unknown, isCluster: boolean): void {
  if (!isCluster) invalidOption(option, value, 'an ioredis Cluster; give a standalone Redis as client');
}

/**
 * The `Command` class of the copy of ioredis that made `client`. Neither class links to it
 * (`Redis.Command` exists, but `Redis.prototype.constructor` is overwritten by a mixin, and
 * `Cluster` has none), so a pipeline of the client, which is never sent, is asked to make one
 * command: every client method builds `new Command(...)` of its own module and hands it to
 * `sendCommand`.
 */
function commandClassOf(client: Redis): CommandClass | undefined {
  let made: unknown;
  try {
    const pipeline = client.pipeline() as unknown as { sendCommand: (command: unknown) => unknown; ping(): unknown };
    pipeline.sendCommand = (command: unknown) => {
      made = command;
      return pipeline;
    };
    pipeline.ping();
  } catch {
    return undefined;
  }
  const Class = (made as { constructor?: unknown } | undefined)?.constructor as CommandClass | undefined;
  if (typeof Class !== 'function') return undefined;
  const proto = Class.prototype as unknown as Record<string, unknown>;
  if (typeof proto.initPromise !== 'function' || typeof proto.toWritable !== 'function') return undefined;
  return Class;
}
