/** Exit codes of the command: 0 done, 1 nothing matched, 2 usage or connection error. */
export const EXIT = Object.freeze({
  /** Done. */
  OK: 0,
  /** Nothing matched: no entry listed, shown or deleted. */
  NO_MATCH: 1,
  /** A usage or connection error (one line on stderr). */
  ERROR: 2,
});

/** An error the command reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  /** The exit code: {@link EXIT.ERROR} unless said otherwise. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.ERROR) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
