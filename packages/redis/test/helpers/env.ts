import { testIf } from '@axios-client-cache/test-suite';
import type { ClusterNode } from 'ioredis';

/** The standalone server started by scripts/with-redis.mjs, if any. */
export const REDIS_URL = process.env.REDIS_URL;
/** The cluster started by scripts/with-redis.mjs (`host:port,…`), if any. */
export const CLUSTER_NODES: ClusterNode[] | undefined = process.env.REDIS_CLUSTER_NODES?.split(',')
  .filter(Boolean)
  .map((address) => {
    const [host, port] = address.split(':');
    return { host: host!, port: Number(port) };
  });
/** redis-server for tests that start (and kill) their own. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN;

/**
 * `describe` when `ready`, else one visibly skipped test saying why, so a plain
 * `pnpm exec jest` (without scripts/with-redis.mjs) passes and says what it left out.
 */
export function describeIf(ready: unknown, reason: string): (name: string, fn: () => void) => void {
  if (ready) return (name, fn) => describe(name, fn);
  return (name) => describe(name, () => testIf(false, reason)(name, async () => {}));
}

/** A namespace unique to this test process and call. */
let counter = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/**
 * Waits (at most `maxMs`) until no more timers are active than at `baseline`. ioredis's
 * reply parser keeps a module-level interval alive for a few seconds after a multi-MiB
 * reply while it shrinks its buffer pool; waiting lets Jest exit with no open handle.
 */
export async function settleTimers(baseline: number, maxMs = 6000): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until && activeTimers() > baseline) await new Promise((r) => setTimeout(r, 100));
}

/** Number of active timers in this process. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Resolves once `check` holds (polled every 5 ms); rejects naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
