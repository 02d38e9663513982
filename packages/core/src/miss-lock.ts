/**
 * Cross-process single-flight. Within one process the backend already collapses identical
 * misses; a shared store (Redis) can also offer a lease so that concurrent misses in many
 * processes make one origin request. Whatever another process left in the store is
 * untrusted: the end of a wait only sends the waiter to look in the store, and then to the
 * origin itself when nothing usable is there.
 */

/** How the lease holder's origin request ended (informational: waiters look in the store either way). */
export type LeaseOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly code?: string; readonly status?: number };

/** A held lease on a key. */
export interface MissLease {
  /** Ends the lease and wakes the waiters. Never throws. */
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
   * Waits for the holder of `key`'s lease to release it, at most `timeoutMs` (and never longer
   * than the lease time). Resolves to its outcome (`{ ok: true }` when its holder ended it), or
   * `undefined` when none could be read — the lease ran out (its holder is slow or gone), the
   * wait timed out, or what the store holds is not a lease. Never throws.
   */
  wait(key: string, timeoutMs?: number): Promise<LeaseOutcome | undefined>;
}
