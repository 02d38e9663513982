import {
  CachedResponse,
  CachedVariants,
  CacheSerializationError,
  CacheSignatureError,
  CacheVersionError,
  responsesIn,
  type BaseCache,
  type StoredResponse,
} from '@axios-client-cache/core';
import type { RedisCache, RedisClient } from '@axios-client-cache/redis';
import type { Redis } from 'ioredis';
import { plural } from './output.js';
import type { Progress } from './progress.js';
import type { Session } from './session.js';

// The stored form of a signed entry starts with the one byte MessagePack never uses, then
// 'S' (JWS) or 'E' (JWE): packages/signed/src/container.ts (MAGIC, KIND_SIGNED,
// KIND_ENCRYPTED), which the signed package does not export. Recognised without verifying.
const SIGNED_MAGIC = 0xc1;
const KIND_SIGNED = 0x53;
const KIND_ENCRYPTED = 0x45;

/** Keys asked of SCAN at a time, and so read in one pipeline. */
const SCAN_COUNT = 500;

/** `'signed'` or `'encrypted'` when `bytes` are a signed container, else undefined. Nothing is verified. */
export function signedKind(bytes: Uint8Array): 'signed' | 'encrypted' | undefined {
  if (bytes.length < 2 || bytes[0] !== SIGNED_MAGIC) return undefined;
  return bytes[1] === KIND_SIGNED ? 'signed' : bytes[1] === KIND_ENCRYPTED ? 'encrypted' : undefined;
}

/** One key of a namespace as Redis holds it. */
export interface RawEntry {
  /** The key within the namespace (what `createKey` makes). */
  readonly key: string;
  /** The stored bytes; null when the key holds no string (a hash planted there, say). */
  readonly bytes: Buffer | null;
  /** Milliseconds until Redis drops it; -1 for no expiry. */
  readonly ttlMs: number;
}

/** What a stored value turned out to be. Nothing read from Redis is trusted. */
export type Decoded<T> =
  | { readonly kind: 'item'; readonly item: T }
  /** Signed (or encrypted) and no secret key was given: never read. */
  | { readonly kind: 'unverified'; readonly encrypted: boolean }
  /** Did not verify with the secret key given (wrong key, tampered, or not signed at all). */
  | { readonly kind: 'bad-signature'; readonly reason: string; readonly signed: boolean }
  /** An entry of another format version (a newer writer's, say). */
  | { readonly kind: 'other-version'; readonly reason: string }
  /** Garbage: not an entry of this library. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Decodes a stored value with the store's own serializer (verifying it when a secret key was given). */
export async function decode<T>(
  store: BaseCache<T>,
  entry: RawEntry,
  verifies: boolean,
  accept: (item: unknown) => item is T,
): Promise<Decoded<T>> {
  const { bytes } = entry;
  if (bytes === null) return { kind: 'unreadable', reason: 'not a string value' };
  const signed = signedKind(bytes);
  if (signed !== undefined && !verifies) return { kind: 'unverified', encrypted: signed === 'encrypted' };
  let item: unknown;
  try {
    item = await store.deserialize(bytes, entry.key);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof CacheVersionError) return { kind: 'other-version', reason };
    if (error instanceof CacheSignatureError) return { kind: 'bad-signature', reason, signed: signed !== undefined };
    if (error instanceof CacheSerializationError) return { kind: 'unreadable', reason };
    // msgpack decoders throw plain errors on some garbage too
    return { kind: 'unreadable', reason };
  }
  return accept(item) ? { kind: 'item', item } : { kind: 'unreadable', reason: 'not an entry of this kind' };
}

/** A stored response (one, or a URL's variants), as `decode` accepts it. */
export const isResponse = (item: unknown): item is StoredResponse =>
  item instanceof CachedResponse || item instanceof CachedVariants;

/** An alias (the key of a response), as `decode` accepts it. */
export const isAlias = (item: unknown): item is string => typeof item === 'string';

/** `host:port` of a node. */
export function nodeName(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

/** The keys of `store`'s namespace on one node, a SCAN batch at a time (each key once). */
export async function* scanKeys(node: Redis, prefix: string): AsyncIterable<string[]> {
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next;
    const fresh = keys.filter((k) => !seen.has(k) && seen.add(k));
    if (fresh.length > 0) yield fresh;
  } while (cursor !== '0');
}

/**
 * The values and TTLs of `fullKeys` in one pipeline, sent to one node (or, through a
 * Cluster client, for keys of one slot). Keys of one node may sit on many slots, so GET by
 * GET, never a cross-slot MGET. Keys gone meanwhile are left out.
 */
export async function readRaw(
  node: Redis | RedisClient,
  prefix: string,
  fullKeys: readonly string[],
): Promise<RawEntry[]> {
  const pipeline = node.pipeline();
  for (const k of fullKeys) pipeline.getBuffer(k).pttl(k);
  const replies = (await pipeline.exec()) ?? [];
  const out: RawEntry[] = [];
  for (let i = 0; i < fullKeys.length; i++) {
    const [getError, bytes] = replies[2 * i] ?? [null, null];
    const [, ttl] = replies[2 * i + 1] ?? [null, -2];
    if (ttl === -2) continue;
    out.push({
      key: fullKeys[i]!.slice(prefix.length),
      bytes: getError || !Buffer.isBuffer(bytes) ? null : bytes,
      ttlMs: typeof ttl === 'number' ? ttl : -1,
    });
  }
  return out;
}

/** A batch of entries of one node. */
export interface Batch {
  /** `host:port` of the node. */
  readonly node: string;
  readonly entries: readonly RawEntry[];
}

/** Every entry of `store` on every master, a batch at a time, counted on `progress`. */
export async function* walk(session: Session, store: RedisCache<unknown>, progress: Progress): AsyncIterable<Batch> {
  for (const node of session.masters()) {
    const name = nodeName(node);
    for await (const keys of scanKeys(node, store.prefix)) {
      progress.add(keys.length);
      yield { node: name, entries: await readRaw(node, store.prefix, keys) };
    }
  }
}

/** Every readable response, with the entries that could not be read counted by kind. */
export interface Skipped {
  unverified: number;
  badSignature: number;
  otherVersion: number;
  unreadable: number;
}

/** No entries skipped yet. */
export function noneSkipped(): Skipped {
  return { unverified: 0, badSignature: 0, otherVersion: 0, unreadable: 0 };
}

/** Counts a decoded value that is not an item. */
export function countSkipped(skipped: Skipped, decoded: Decoded<unknown>): void {
  switch (decoded.kind) {
    case 'unverified':
      skipped.unverified++;
      break;
    case 'bad-signature':
      skipped.badSignature++;
      break;
    case 'other-version':
      skipped.otherVersion++;
      break;
    case 'unreadable':
      skipped.unreadable++;
      break;
    case 'item':
      break;
  }
}

/** The readable responses of the cache, a batch at a time; the others counted in `skipped`. */
export async function* responses(
  session: Session,
  progress: Progress,
  skipped: Skipped,
): AsyncIterable<{ key: string; response: CachedResponse; entry: RawEntry }> {
  for await (const batch of walk(session, session.responses as RedisCache<unknown>, progress)) {
    for (const entry of batch.entries) {
      const decoded = await decode(session.responses, entry, session.verifies, isResponse);
      if (decoded.kind === 'item')
        for (const response of responsesIn(decoded.item)) yield { key: entry.key, response, entry };
      else countSkipped(skipped, decoded);
    }
  }
}

/** Notes on what was skipped, one per kind, for stderr. */
export function describeSkipped(skipped: Skipped): string[] {
  const notes: string[] = [];
  if (skipped.unverified > 0) {
    notes.push(
      `${plural(skipped.unverified, 'signed entry', 'signed entries')} not verified: give --secret-key or CACHE_KEY to read them`,
    );
  }
  if (skipped.badSignature > 0)
    notes.push(`${plural(skipped.badSignature, 'entry', 'entries')} did not verify with the secret key given`);
  if (skipped.otherVersion > 0)
    notes.push(`${plural(skipped.otherVersion, 'entry', 'entries')} of another format version`);
  if (skipped.unreadable > 0) {
    const what = skipped.unreadable === 1 ? 'not an entry' : 'not entries';
    notes.push(`${plural(skipped.unreadable, 'unreadable value', 'unreadable values')} (${what} of this library)`);
  }
  return notes;
}
