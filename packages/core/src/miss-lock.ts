/**
 * Cross-process single-flight. Within one process the backend already collapses identical
 * misses; a shared store (Redis) can also offer a lease so that concurrent misses in many
 * processes make one origin request.
 */

/** How the lease holder's origin request ended, told to the processes that waited. */
export type LeaseOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly code?: string; readonly status?: number };

/** A held lease on a key. */
export interface MissLease {
  /** Ends the lease and wakes the waiters with the outcome. Never throws. */
  release(outcome: LeaseOutcome): Promise<void>;
}

/**
 * A lease per cache key, shared by every process of a cache.
 */
export interface MissLock {
  /**
   * Tries to take the lease on `key`. Resolves to the lease, or `undefined` when another
   * process holds it. Never throws: when the store fails, resolve to a no-op lease so the
   * request simply goes to the origin.
   */
  acquire(key: string): Promise<MissLease | undefined>;
  /**
   * Waits for the holder of `key`'s lease to release it. Resolves to its outcome, or
   * `undefined` when the lease time passed without one (the waiter then goes to the
   * origin itself). Never throws, never waits longer than the lease time.
   */
  wait(key: string): Promise<LeaseOutcome | undefined>;
}
