import { describeValue, CacheConfigError, MAX_TIMER_MS } from '@axios-client-cache/core';

/** Bounds of a {@link MemoryCache}. */
export interface MemoryLimits {
  /**
   * Most entries kept; the least recently used goes first when a write would pass it.
   * @defaultValue 1024
   */
  maxEntries?: number;
  /**
   * Most bytes kept, counted as each entry's size (a response's `byteSize`: body, URLs and
   * headers; the length of stored bytes when a serializer or secret is set; the UTF-8 length
   * of a string). Least recently used entries go first when a write would pass it.
   * @defaultValue 104857600 (100 MiB)
   */
  maxBytes?: number;
  /**
   * Largest entry kept. A larger one is not stored (any older entry under its key is
   * dropped) and an `evicted` event with `reason: 'size'` is raised; the response still
   * reaches the caller, since stores never fail a request.
   * @defaultValue 5242880 (5 MiB)
   */
  maxEntryBytes?: number;
  /**
   * How often (ms) a timer drops expired entries. The timer is `unref()`'d, so it never
   * keeps a process alive, and stops on `close()`. `false` turns the sweep off (expired
   * entries are then only dropped when met: on read, `contains`, `size`, `keys`, eviction).
   * @defaultValue 60000
   */
  sweepIntervalMs?: number | false;
}

/** {@link MemoryLimits} with every default applied. */
export interface ResolvedMemoryLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly sweepIntervalMs: number | false;
}

/** Default {@link MemoryLimits.maxEntries}. */
export const DEFAULT_MAX_ENTRIES = 1024;
/** Default {@link MemoryLimits.maxBytes}: 100 MiB. */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
/** Default {@link MemoryLimits.maxEntryBytes}: 5 MiB. */
export const DEFAULT_MAX_ENTRY_BYTES = 5 * 1024 * 1024;
/** Default {@link MemoryLimits.sweepIntervalMs}: one minute. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * Applies the defaults and validates every bound. The one place defaults live.
 * @throws CacheConfigError naming the option and the bad value.
 */
export function resolveMemoryLimits(options: MemoryLimits = {}): ResolvedMemoryLimits {
  const {
    maxEntries = DEFAULT_MAX_ENTRIES,
    maxBytes = DEFAULT_MAX_BYTES,
    maxEntryBytes = DEFAULT_MAX_ENTRY_BYTES,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
  } = options;
  positiveInteger('maxEntries', maxEntries, Number.MAX_SAFE_INTEGER);
  positiveInteger('maxBytes', maxBytes, Number.MAX_SAFE_INTEGER);
  positiveInteger('maxEntryBytes', maxEntryBytes, Number.MAX_SAFE_INTEGER);
  // setInterval clamps anything above 2^31-1 ms to 1 ms: refused instead of sweeping non-stop.
  if (sweepIntervalMs !== false) positiveInteger('sweepIntervalMs', sweepIntervalMs, MAX_TIMER_MS, ' or false');
  return { maxEntries, maxBytes, maxEntryBytes, sweepIntervalMs };
}

function positiveInteger(option: string, value: unknown, max: number, alternative = ''): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new CacheConfigError(
      `Invalid ${option}: ${describeValue(value)} (expected an integer from 1 to ${max}${alternative})`,
    );
  }
}
