import { randomBytes } from 'node:crypto';
import { CachedResponse, type CachedResponseInit, type Clock } from '@axios-client-cache/core';

/**
 * A clock the test moves by hand. It starts at the real time, so stores that also hand
 * the time to a server (Redis `PXAT`) see sensible values.
 */
export class ManualClock {
  #now: number;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  /** The clock function to give a store. */
  readonly now: Clock = () => this.#now;

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }

  /** Sets the clock to `epochMs`. */
  set(epochMs: number): void {
    this.#now = epochMs;
  }
}

export type ResponseChanges = Partial<Omit<CachedResponseInit, 'body'>> & {
  /** Bytes, or a string (UTF-8 encoded). */
  body?: Uint8Array | string;
};

/** A response for store tests; every field can be replaced. */
export function makeResponse(changes: ResponseChanges = {}): CachedResponse {
  const url = changes.url ?? 'https://api.example.com/items?page=1';
  const { body = '{"ok":true}', ...rest } = changes;
  return new CachedResponse({
    method: 'GET',
    url,
    finalUrl: url,
    status: 200,
    statusText: 'OK',
    headers: [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
    createdAt: 1_700_000_000_000,
    expires: null,
    ...rest,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  });
}

/** Every byte value 0–255, `repeat` times over. */
export function allByteValues(repeat = 1): Buffer {
  const out = Buffer.alloc(256 * repeat);
  for (let i = 0; i < out.length; i++) out[i] = i % 256;
  return out;
}

/** `n` random bytes. */
export function randomBody(n: number): Buffer {
  return randomBytes(n);
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Resolves after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
