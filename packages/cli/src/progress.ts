import type { CliIO } from './io.js';

/** Least time between two progress updates, in ms. */
const INTERVAL_MS = 200;

/**
 * Progress of a long scan on stderr — keys seen and the rate — only when stderr is a
 * terminal: a pipe or a log file gets nothing. The line is rewritten in place and cleared
 * at the end, so it never mixes with the results.
 */
export class Progress {
  readonly #io: CliIO;
  readonly #label: string;
  readonly #now: () => number;
  readonly #started: number;
  #count = 0;
  #shownAt = -Infinity;

  constructor(io: CliIO, label: string) {
    this.#io = io;
    this.#label = label;
    this.#now = io.now ?? Date.now;
    this.#started = this.#now();
  }

  /** Keys seen so far. */
  get count(): number {
    return this.#count;
  }

  /** Counts `n` more keys; shows the line if enough time has passed (the first call always does). */
  add(n: number): void {
    this.#count += n;
    if (!this.#io.isTTY) return;
    const now = this.#now();
    if (now - this.#shownAt < INTERVAL_MS) return;
    this.#shownAt = now;
    this.#show(now);
  }

  /** Shows the final count, then clears the line. */
  done(): void {
    if (!this.#io.isTTY) return;
    this.#show(this.#now());
    this.#io.stderr.write('\r\x1b[K');
  }

  #show(now: number): void {
    const seconds = Math.max(now - this.#started, 1) / 1000;
    const rate = Math.round(this.#count / seconds);
    this.#io.stderr.write(`\r\x1b[K${this.#label}: ${this.#count} keys (${rate} keys/s)`);
  }
}
