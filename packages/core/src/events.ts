import type { NotStoredReason } from './reasons.js';

/** Payloads of the events a backend (and its stores) raise. Request events carry the absolute URL, the method and the key. */
export interface CacheEventMap {
  /** A fresh response was served from the cache. */
  hit: { key: string; url: string; method: string };
  /** Nothing usable was stored; the request goes to the origin. */
  miss: { key: string; url: string; method: string };
  /** A stale response was served (stale-while-revalidate, stale-if-error, max-stale). */
  stale: {
    key: string;
    url: string;
    method: string;
    reason: 'stale-while-revalidate' | 'stale-if-error' | 'max-stale';
  };
  /** The origin answered a conditional request with 304; the stored response was freshened. */
  revalidated: { key: string; url: string; method: string };
  /** A response was written. */
  stored: { key: string; url: string; method: string; expires: number | null };
  /** A response was not written, and why. */
  'not-stored': { key: string; url: string; method: string; reason: NotStoredReason };
  /** A store call failed; the request went on without the cache (fail-open). */
  'store-error': { operation: string; error: unknown; key?: string };
  /** A stored entry failed verification or decoding; it was deleted and treated as a miss. */
  'signature-invalid': { key: string; error: unknown };
  /** A bounded store dropped an entry. */
  evicted: { key: string; reason: 'lru' | 'expired' | 'size' };
}

/** Name of an event. */
export type CacheEventName = keyof CacheEventMap;
/** A listener of `event`. */
export type CacheEventListener<E extends CacheEventName> = (payload: CacheEventMap[E]) => void;

/**
 * A tiny typed emitter. A listener that throws never breaks a request: the error is
 * dropped (the library writes nothing to the console).
 */
export class CacheEvents {
  readonly #listeners: { [E in CacheEventName]?: Array<CacheEventListener<E>> } = {};

  /** Adds a listener; returns a function that removes it. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    const list = ((this.#listeners[event] as Array<CacheEventListener<E>> | undefined) ??= []);
    (this.#listeners as Record<string, unknown>)[event] = list;
    list.push(listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener. */
  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    const list = this.#listeners[event] as Array<CacheEventListener<E>> | undefined;
    const i = list ? list.indexOf(listener) : -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  /** True when `event` has listeners (lets hot paths skip building payloads). */
  has(event: CacheEventName): boolean {
    const list = this.#listeners[event];
    return list !== undefined && list.length > 0;
  }

  /** Calls the listeners of `event`. */
  emit<E extends CacheEventName>(event: E, payload: CacheEventMap[E]): void {
    const list = this.#listeners[event] as Array<CacheEventListener<E>> | undefined;
    if (!list) return;
    for (const fn of [...list]) {
      try {
        fn(payload);
      } catch {
        // a faulty listener must not fail a request
      }
    }
  }
}
