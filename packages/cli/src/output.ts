import type { CliIO } from './io.js';
import { printable } from './redact.js';

/** Writes a command's results: text lines, or one JSON document with `--json`. */
export class Output {
  readonly json: boolean;
  readonly #io: CliIO;

  constructor(io: CliIO, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  /** A line of text on stdout (text mode only); control characters made visible. */
  line(text = ''): void {
    if (!this.json) this.#io.stdout.write(`${printable(text)}\n`);
  }

  /** A note on stderr (text mode only): what was skipped, and why. */
  note(text: string): void {
    if (!this.json) this.#io.stderr.write(`${printable(text)}\n`);
  }

  /** The JSON document on stdout (JSON mode only). */
  data(value: unknown): void {
    if (this.json) this.#io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

/** `1234` → `1.2 KiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A duration in ms as `2 h 5 m`, `3 m 12 s`, `4 s`, with at most two units. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, unit]) => `${v} ${unit}`)
    .join(' ');
}

/** Rows padded into columns (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/** `1 entry`, `2 entries`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
