/**
 * Values remembered per key together with the exact bytes they were made from. A store
 * or serializer that gets the same bytes again under the same key can reuse the value
 * instead of decoding (or verifying) again: comparing bytes costs well under 0.1 µs per KiB,
 * decoding a response ~5–10 µs, verifying a signed 10 KiB entry ~13 µs. Bounded by bytes,
 * oldest first out; the bytes are copied (a reply may be a view of a larger socket read).
 * Only for values that never change (a frozen `CachedResponse`, a string, a frozen record).
 */
export class BytesMemo<V> {
  readonly #entries = new Map<string, { readonly bytes: Buffer; readonly value: V }>();
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  /**
   * @param maxBytes - most bytes remembered in all. @defaultValue 4 MiB
   * @param maxEntryBytes - larger entries are never remembered. @defaultValue 256 KiB
   */
  constructor(maxBytes = 4 * 1024 * 1024, maxEntryBytes = 256 * 1024) {
    this.#maxBytes = maxBytes;
    this.#maxEntryBytes = maxEntryBytes;
  }

  /** The value made before from exactly `bytes` under `key`, if remembered. */
  get(key: string, bytes: Uint8Array): V | undefined {
    const seen = this.#entries.get(key);
    return seen?.bytes.equals(bytes) ? seen.value : undefined;
  }

  /** Remembers `value` as made from `bytes` under `key` (replacing what `key` had). */
  set(key: string, bytes: Uint8Array, value: V): void {
    this.delete(key);
    if (bytes.byteLength > this.#maxEntryBytes) return;
    this.#entries.set(key, { bytes: Buffer.from(bytes), value });
    this.#bytes += bytes.byteLength;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) break;
      this.delete(oldest);
    }
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const seen = this.#entries.get(key);
    if (seen === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= seen.bytes.byteLength;
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Number of values remembered. */
  get size(): number {
    return this.#entries.size;
  }
}
