/**
 * The stored form of a signed or encrypted entry: a JOSE object (a flattened JWS with an
 * unencoded payload, RFC 7797, or a flattened JWE, RFC 7516) laid out as bytes instead of
 * base64url JSON, so a body is stored as it is and not grown by a third.
 *
 * ```
 * signed:     C1 'S' | u16 header length | protected header (JSON) | u8 sig length | signature | payload
 * encrypted:  C1 'E' | u16 header length | protected header (JSON) | iv (12)       | tag (16)  | ciphertext
 * ```
 *
 * 0xC1 is the one byte MessagePack never uses, so a signed entry can never be read as a
 * plain one, nor a plain one as signed. Turning either back into JOSE JSON is a matter of
 * base64url-encoding the parts: `{ protected, payload, signature }` verifies with any
 * JOSE library (jose's `flattenedVerify` with `b64: false`), and `{ protected, iv,
 * ciphertext, tag }` decrypts with `flattenedDecrypt`.
 */

/** First byte of every entry: the byte MessagePack leaves unused. */
export const MAGIC = 0xc1;
/** Second byte: a JWS. */
export const KIND_SIGNED = 0x53; // 'S'
/** Second byte: a JWE. */
export const KIND_ENCRYPTED = 0x45; // 'E'

/** AES-GCM nonce size (RFC 7518 §5.3). */
export const IV_BYTES = 12;
/** AES-GCM authentication tag size (RFC 7518 §5.3). */
export const TAG_BYTES = 16;

/** Longest protected header accepted; ours are about 150 bytes. */
export const MAX_HEADER_BYTES = 1024;

/** The parts of a stored entry; views into the stored bytes, nothing copied. */
export interface Parts {
  readonly kind: number;
  /** The protected header as stored: UTF-8 JSON. */
  readonly header: Uint8Array;
  /** JWS: the signature. JWE: the IV. */
  readonly first: Uint8Array;
  /** JWS: empty. JWE: the authentication tag. */
  readonly second: Uint8Array;
  /** JWS: the payload. JWE: the ciphertext. */
  readonly rest: Uint8Array;
}

/** Lays out a signed entry. */
export function packSigned(header: Uint8Array, signature: Uint8Array, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + header.length + signature.length + payload.length);
  let p = writeHead(out, KIND_SIGNED, header);
  out[p++] = signature.length;
  out.set(signature, p);
  out.set(payload, p + signature.length);
  return out;
}

/** Lays out an encrypted entry. */
export function packEncrypted(header: Uint8Array, iv: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + header.length + IV_BYTES + TAG_BYTES + ciphertext.length);
  const p = writeHead(out, KIND_ENCRYPTED, header);
  out.set(iv, p);
  out.set(tag, p + IV_BYTES);
  out.set(ciphertext, p + IV_BYTES + TAG_BYTES);
  return out;
}

function writeHead(out: Buffer, kind: number, header: Uint8Array): number {
  if (header.length > MAX_HEADER_BYTES) throw new RangeError('protected header too long');
  out[0] = MAGIC;
  out[1] = kind;
  out.writeUInt16BE(header.length, 2);
  out.set(header, 4);
  return 4 + header.length;
}

/** Splits stored bytes into their parts, or says why they are not an entry. */
export function unpackParts(b: Uint8Array): Parts | string {
  if (!(b instanceof Uint8Array)) return 'not bytes';
  if (b.length < 5) return 'truncated';
  if (b[0] !== MAGIC) return 'not a signed entry';
  const kind = b[1]!;
  const headerLength = (b[2]! << 8) | b[3]!;
  if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) return 'bad header length';
  let p = 4 + headerLength;
  if (p > b.length) return 'truncated';
  const header = b.subarray(4, p);
  if (kind === KIND_SIGNED) {
    if (p >= b.length) return 'truncated';
    const sigLength = b[p++]!;
    if (p + sigLength > b.length) return 'truncated';
    return {
      kind,
      header,
      first: b.subarray(p, p + sigLength),
      second: b.subarray(0, 0),
      rest: b.subarray(p + sigLength),
    };
  }
  if (kind === KIND_ENCRYPTED) {
    if (p + IV_BYTES + TAG_BYTES > b.length) return 'truncated';
    return {
      kind,
      header,
      first: b.subarray(p, p + IV_BYTES),
      second: b.subarray(p + IV_BYTES, p + IV_BYTES + TAG_BYTES),
      rest: b.subarray(p + IV_BYTES + TAG_BYTES),
    };
  }
  return 'unknown entry kind';
}
