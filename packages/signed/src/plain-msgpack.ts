import { Packr, Unpackr } from 'msgpackr';

/** Deepest nesting accepted; a response record is four levels deep. */
const MAX_DEPTH = 32;

/**
 * Checks that `bytes` hold exactly one MessagePack value made of plain data only: nil,
 * booleans, integers up to 32 bits, floats, strings, binary, arrays, and maps with string
 * keys. Every extension type is refused — msgpackr's records (which it decodes even with
 * `useRecords: false`, and which turn later small integers into record references),
 * structured-clone ids and pointers (cycles), Error, RegExp, Set, Date, typed arrays —
 * as are 64-bit integers (BigInt) and the reserved 0xc1. Lengths are checked against the
 * bytes left, so a forged count cannot make the decoder allocate.
 *
 * One pass over the tokens; strings and binary are skipped by length, so a 100 KiB body
 * costs the same as an empty one.
 *
 * @returns `undefined` when the bytes are plain, else why not.
 */
export function checkPlainMsgpack(b: Uint8Array): string | undefined {
  const n = b.length;
  const left: number[] = [1];
  const isMap: boolean[] = [false];
  let depth = 0;
  let p = 0;
  for (;;) {
    while (left[depth] === 0) {
      if (depth === 0) return p === n ? undefined : 'trailing bytes';
      depth--;
    }
    const isKey = isMap[depth] === true && (left[depth]! & 1) === 0;
    left[depth]!--;
    if (p >= n) return 'truncated';
    const t = b[p++]!;
    if (isKey && !((t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb))
      return 'a map key that is not a string';
    if (t <= 0x7f || t >= 0xe0) continue; // fixint
    let skip = -1;
    let count = -1;
    let map = false;
    if (t <= 0x8f) {
      count = t & 0x0f;
      map = true;
    } else if (t <= 0x9f) count = t & 0x0f;
    else if (t <= 0xbf) skip = t & 0x1f;
    else {
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          continue;
        case 0xc4:
        case 0xd9:
          if (p + 1 > n) return 'truncated';
          skip = b[p]!;
          p += 1;
          break;
        case 0xc5:
        case 0xda:
          if (p + 2 > n) return 'truncated';
          skip = (b[p]! << 8) | b[p + 1]!;
          p += 2;
          break;
        case 0xc6:
        case 0xdb:
          if (p + 4 > n) return 'truncated';
          skip = u32(b, p);
          p += 4;
          break;
        case 0xcc:
        case 0xd0:
          skip = 1;
          break;
        case 0xcd:
        case 0xd1:
          skip = 2;
          break;
        case 0xca:
        case 0xce:
        case 0xd2:
          skip = 4;
          break;
        case 0xcb:
          skip = 8;
          break;
        case 0xdc:
        case 0xde:
          if (p + 2 > n) return 'truncated';
          count = (b[p]! << 8) | b[p + 1]!;
          p += 2;
          map = t === 0xde;
          break;
        case 0xdd:
        case 0xdf:
          if (p + 4 > n) return 'truncated';
          count = u32(b, p);
          p += 4;
          map = t === 0xdf;
          break;
        default:
          return `MessagePack type 0x${t.toString(16)} (extensions and 64-bit integers are not plain data)`;
      }
    }
    if (skip >= 0) {
      if (skip > n - p) return 'truncated';
      p += skip;
      continue;
    }
    const items = map ? count * 2 : count;
    if (items > n - p) return 'truncated'; // each item takes at least one byte
    if (items === 0) continue;
    if (++depth > MAX_DEPTH) return 'nesting too deep';
    left[depth] = items;
    isMap[depth] = map;
  }
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

// The same settings as core's default serializer: no records, no structured clone, so
// what is written is plain MessagePack that checkPlainMsgpack accepts.
const OPTIONS = {
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
} as const;

/** Packs plain values. */
export const packr = new Packr(OPTIONS);

/** Unpacks bytes that {@link checkPlainMsgpack} accepted. */
export const unpackr = new Unpackr(OPTIONS);
