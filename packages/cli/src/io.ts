/** Where the command writes and what it knows of its environment; injectable for tests. */
export interface CliIO {
  /** Results: text, or one JSON document with `--json`. */
  readonly stdout: { write(chunk: string): unknown };
  /** Errors (one line) and progress. */
  readonly stderr: { write(chunk: string): unknown };
  /** `REDIS_URL`, `CACHE_KEY`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal: only then long scans show progress. */
  readonly isTTY: boolean;
  /**
   * Current time in epoch ms (ages and expiries).
   * @defaultValue Date.now
   */
  readonly now?: () => number;
}
