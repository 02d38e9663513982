/**
 * Single-flight: identical requests in this process share one origin request, and with a
 * lock (a lease in a shared store) identical requests in other processes wait for it too.
 *
 * - The shared origin request belongs to no caller: it has an abort signal of its own, fired
 *   only when every caller waiting on it has gone (each caller's own cancellation ends just
 *   that caller's wait).
 * - Nobody waits past `lockTimeoutMs`: a waiter that times out makes its own request and
 *   becomes the flight the requests after it wait on (across processes: it takes the lease
 *   over, and a waiter that then finds it taken waits once more before asking the origin).
 * - What another process wrote in the store (a lease, an outcome) is untrusted: it is only
 *   ever a reason to wait (bounded) and then look in the store; it never fails a request.
 * - A refresh nobody waits for (stale-while-revalidate) runs in the one process that takes the
 *   lease: the others, finding it held, leave the refresh to its holder and go on serving stale.
 */
import type { LeaseOutcome, MissLock } from './miss-lock.js';
import type { RequestPlan } from './request-plan.js';

/** A caller's own cancellation (its axios `signal` or `cancelToken`). */
export interface Cancellation {
  readonly aborted: boolean;
  /** Calls `listener` once when the caller cancels; returns a function that stops listening. */
  onAbort(listener: () => void): () => void;
  /** The error the caller's request rejects with when it cancels. */
  error(): unknown;
}

/** How a caller got its answer: its own work, another caller's in this process, or another process's through the store. */
export type FlightRole = 'leader' | 'coalesced';

interface Flight<T> {
  /** {@link SKIPPED} for a refresh left to another process. */
  readonly promise: Promise<T | typeof SKIPPED>;
  /**
   * Aborts the shared request when its last waiter leaves. Only a flight whose starter can
   * cancel can lose every waiter (a starter that cannot cancel, or a refresh, waits to the end),
   * so only such a flight has one: an AbortController, and the listeners axios puts on its
   * signal, cost about as much as the rest of a miss's bookkeeping.
   */
  readonly controller: AbortController | undefined;
  waiters: number;
}

/** Runs work once per flight key. */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();
  readonly #lock: MissLock | undefined;
  readonly #timeoutMs: number;
  readonly #landed: (value: T) => Promise<unknown> | undefined;

  /**
   * `landed`: when a leader's answer is in the store (its write done), so that the waiters in
   * other processes, woken by the lease's end, find it there.
   */
  constructor(lock: MissLock | undefined, timeoutMs: number, landed: (value: T) => Promise<unknown> | undefined) {
    this.#lock = lock;
    this.#timeoutMs = timeoutMs;
    this.#landed = landed;
  }

  /** Number of flights in progress (for tests and stats). */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * The answer for `plan`: `work`'s, run once for every caller of the same flight key (and,
   * with a lock, across processes). `fromStore` looks in the store after another process's
   * flight ended; its answer, if any, stands in for running `work`. `work` gets the signal of
   * the shared request, or none when nothing can abort it (the request is then the caller's
   * own, as far as cancelling goes: its own `signal` or `cancelToken` applies).
   */
  async run(
    plan: RequestPlan,
    cancel: Cancellation | undefined,
    work: (signal: AbortSignal | undefined) => Promise<T>,
    fromStore: () => Promise<T | undefined>,
  ): Promise<{ value: T; role: FlightRole }> {
    const flightKey = plan.flightKey;
    if (flightKey === undefined) return { value: await work(undefined), role: 'leader' };
    const running = this.#flights.get(flightKey);
    if (running !== undefined) {
      const joined = await this.#join(running, cancel);
      if (joined !== TIMED_OUT && joined !== SKIPPED) return { value: joined, role: 'coalesced' };
      // The flight is stuck (or was a refresh left to another process): this caller goes on
      // its own, and those after it wait on it instead.
    }
    const flight = this.#start(flightKey, plan, work, fromStore, cancel !== undefined);
    let value: T | typeof TIMED_OUT | typeof SKIPPED;
    if (cancel === undefined) {
      // Nothing ends this caller's wait early: no race to set up.
      flight.waiters++;
      try {
        value = await flight.promise;
      } finally {
        flight.waiters--;
      }
    } else value = await this.#join(flight, cancel, false);
    return { value: value as T, role: flight.coalesced ? 'coalesced' : 'leader' };
  }

  /**
   * A refresh nobody waits for: `work`, unless a flight for the same key is in progress here
   * or, with a lock, another process holds the key's lease (it is fetching or refreshing the
   * same entry; this process leaves it to it). With the lease taken, `fromStore` is looked in
   * first: an answer there means another process has just refreshed the entry. Resolves when
   * done; never rejects.
   */
  refresh(
    plan: RequestPlan,
    work: (signal: AbortSignal | undefined) => Promise<T>,
    fromStore: () => Promise<T | undefined>,
  ): void {
    const flightKey = plan.flightKey;
    if (flightKey === undefined || this.#flights.has(flightKey)) return;
    this.#start(flightKey, plan, work, fromStore, false, true).promise.catch(() => undefined);
  }

  #start(
    flightKey: string,
    plan: RequestPlan,
    work: (signal: AbortSignal | undefined) => Promise<T>,
    fromStore: () => Promise<T | undefined>,
    cancellable: boolean,
    background = false,
  ): Flight<T> & { coalesced: boolean } {
    const controller = cancellable ? new AbortController() : undefined;
    const flight: Flight<T> & { coalesced: boolean } = {
      controller,
      // A refresh is its own waiter: callers that join it and cancel never abort it.
      waiters: background ? 1 : 0,
      coalesced: false,
      // Without a lock there is no lease to take: the work itself is the flight.
      promise:
        this.#lock === undefined
          ? started(() => work(controller?.signal))
          : this.#lead(
              this.#lock,
              plan,
              () => work(controller?.signal),
              fromStore,
              () => {
                flight.coalesced = true;
              },
              background,
            ),
    };
    this.#flights.set(flightKey, flight);
    const done = () => {
      if (this.#flights.get(flightKey) === flight) this.#flights.delete(flightKey);
    };
    flight.promise.then(done, done);
    return flight;
  }

  /**
   * Take `lock`'s lease, or wait (bounded) for its holder and look in the store. A
   * `background` refresh does not wait: a lease held elsewhere means {@link SKIPPED}.
   */
  async #lead(
    lock: MissLock,
    plan: RequestPlan,
    work: () => Promise<T>,
    fromStore: () => Promise<T | undefined>,
    coalesced: () => void,
    background: boolean,
  ): Promise<T | typeof SKIPPED> {
    const acquire = async (): Promise<Awaited<ReturnType<MissLock['acquire']>> | null> => {
      try {
        return await lock.acquire(plan.key);
      } catch {
        return null; // a lock must not throw; if it does, the request goes on without it
      }
    };
    let lease = await acquire();
    if (lease === undefined && background) return SKIPPED;
    for (let round = 0; lease === undefined; round++) {
      let outcome: LeaseOutcome | undefined;
      try {
        outcome = await lock.wait(plan.key, this.#timeoutMs);
      } catch {
        // as above
      }
      const found = await fromStore();
      if (found !== undefined) {
        coalesced();
        return found;
      }
      // Ended without an answer in the store (a failure, a response not stored), or a second
      // wait in vain: this caller asks the origin itself.
      if (outcome !== undefined || round > 0) return work();
      // The wait timed out (the holder is slow, or gone): this caller takes the lease over, so
      // that the waiters after it wait on it rather than all asking the origin at once.
      lease = await acquire();
    }
    const release = (outcome: LeaseOutcome) => void lease?.release(outcome).catch(() => undefined);
    let value: T;
    try {
      // A refresh that took the lease just after another process's ended: that one's answer may be in the store.
      const found = background ? await fromStore() : undefined;
      if (found !== undefined) {
        release({ ok: true });
        coalesced();
        return found;
      }
      value = await work();
    } catch (error) {
      release({ ok: false, message: error instanceof Error ? error.message : 'origin request failed' });
      throw error;
    }
    const landed = this.#landed(value);
    if (landed === undefined) release({ ok: true });
    else
      landed.then(
        () => release({ ok: true }),
        () => release({ ok: true }),
      );
    return value;
  }

  /**
   * Waits for `flight` as one of its callers, at most `lockTimeoutMs` when `bounded`; the
   * caller's own cancellation ends its wait (and the shared request when nobody is left).
   */
  async #join(
    flight: Flight<T>,
    cancel: Cancellation | undefined,
    bounded = true,
  ): Promise<T | typeof TIMED_OUT | typeof SKIPPED> {
    flight.waiters++;
    let timer: NodeJS.Timeout | undefined;
    let stop: (() => void) | undefined;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      if (--flight.waiters === 0) flight.controller?.abort();
    };
    try {
      const racers: Array<Promise<T | typeof TIMED_OUT | typeof SKIPPED>> = [flight.promise];
      if (bounded)
        racers.push(
          new Promise((resolve) => {
            timer = setTimeout(resolve, this.#timeoutMs, TIMED_OUT);
          }),
        );
      if (cancel !== undefined) {
        racers.push(
          new Promise<never>((_, reject) => {
            const abort = () => {
              leave();
              reject(cancel.error());
            };
            if (cancel.aborted) abort();
            else stop = cancel.onAbort(abort);
          }),
        );
      }
      const value = await Promise.race(racers);
      // A waiter that gave up leaves the flight running for the others (or ends it, if it was the last).
      if (value === TIMED_OUT) leave();
      return value;
    } finally {
      clearTimeout(timer);
      stop?.();
      if (!left) {
        left = true;
        flight.waiters--;
      }
    }
  }
}

/** `work()`, a throw included, as a promise: a flight always has one to share. */
function started<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}

const TIMED_OUT = Symbol('timed out');
/** A refresh left to the process that holds the lease. */
const SKIPPED = Symbol('skipped');
