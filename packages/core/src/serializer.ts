import { Packr } from 'msgpackr';

/** What a store tells its serializer about the item: a signing serializer binds the bytes to both. */
export interface SerializeContext {
  /** The store key the bytes are written under or read from. */
  readonly key?: string;
  /** Epoch ms after which the entry is of no use (freshness plus any stale window); `null` = never. */
  readonly expiresAt?: number | null;
}

/**
 * Turns plain values (strings, numbers, booleans, null, arrays, plain objects, Uint8Array)
 * into bytes and back. `loads` throws (any error) on bytes it does not accept; the store
 * turns that into a miss.
 */
export interface Serializer {
  dumps(value: unknown, context: SerializeContext): Uint8Array | Promise<Uint8Array>;
  loads(bytes: Uint8Array, context: SerializeContext): unknown;
}

// Records and structured clone rebuild shared or cyclic objects; stored entries are plain
// data, so both stay off. Bodies are msgpack `bin`, so bytes round-trip exactly.
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
});

/** The default serializer: MessagePack via msgpackr. */
export const msgpackSerializer: Serializer = Object.freeze({
  dumps(value: unknown): Uint8Array {
    return packr.pack(value);
  },
  loads(bytes: Uint8Array): unknown {
    return packr.unpack(bytes);
  },
});
