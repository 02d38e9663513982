import type { RedisCache } from '@axios-client-cache/redis';
import { newestIn } from '@axios-client-cache/core';
import { decode, isResponse, nodeName, scanKeys, walk } from '../entries.js';
import { EXIT } from '../errors.js';
import { formatBytes, table, type Output } from '../output.js';
import type { Progress } from '../progress.js';
import type { Session } from '../session.js';

/** Counts of one master (or of all of them). */
export interface NodeStats {
  /** `host:port`, or `total`. */
  node: string;
  /** Response keys, readable or not. */
  entries: number;
  /** Sum of the lengths of the response values (what `STRLEN` says), without Redis's per-key overhead. */
  bytes: number;
  /** Redirect aliases. */
  aliases: number;
  /** Single-flight leases (and their outcomes) held right now. */
  leases: number;
  /** Readable responses still fresh. */
  fresh: number;
  /** Readable responses past their freshness, kept for revalidation or a stale window. */
  expired: number;
  /** Readable responses that never expire. */
  neverExpiring: number;
  /** Signed entries not verified (no secret key given). */
  signedNotVerified: number;
  /** Entries that did not verify with the secret key given. */
  badSignature: number;
  /** Entries of another format version. */
  otherVersion: number;
  /** Values that are no entry of this library. */
  unreadable: number;
}

const COUNTS = [
  'entries',
  'bytes',
  'aliases',
  'leases',
  'fresh',
  'expired',
  'neverExpiring',
  'signedNotVerified',
  'badSignature',
  'otherVersion',
  'unreadable',
] as const;

function empty(node: string): NodeStats {
  const s = { node } as NodeStats;
  for (const k of COUNTS) s[k] = 0;
  return s;
}

/**
 * `stats`: one bounded SCAN per namespace and master (SCAN COUNT 500, values read in
 * pipelines), every response decoded to tell fresh from expired. Always exit 0.
 */
export async function stats(session: Session, out: Output, progress: Progress, now: number): Promise<number> {
  const byNode = new Map<string, NodeStats>();
  const of = (node: string) => {
    let s = byNode.get(node);
    if (s === undefined) byNode.set(node, (s = empty(node)));
    return s;
  };
  for (const node of session.masters()) of(nodeName(node));
  for await (const batch of walk(session, session.responses as RedisCache<unknown>, progress)) {
    const s = of(batch.node);
    for (const entry of batch.entries) {
      s.entries++;
      s.bytes += entry.bytes?.length ?? 0;
      const decoded = await decode(session.responses, entry, session.verifies, isResponse);
      switch (decoded.kind) {
        case 'item': {
          const expires = newestIn(decoded.item).expires;
          if (expires === null) s.neverExpiring++;
          else if (expires <= now) s.expired++;
          else s.fresh++;
          break;
        }
        case 'unverified':
          s.signedNotVerified++;
          break;
        case 'bad-signature':
          s.badSignature++;
          break;
        case 'other-version':
          s.otherVersion++;
          break;
        case 'unreadable':
          s.unreadable++;
          break;
      }
    }
  }
  for (const node of session.masters()) {
    const s = of(nodeName(node));
    for await (const keys of scanKeys(node, session.redirects.prefix)) {
      progress.add(keys.length);
      s.aliases += keys.length;
    }
    if (session.leasePrefix !== undefined) {
      for await (const keys of scanKeys(node, session.leasePrefix)) {
        progress.add(keys.length);
        s.leases += keys.length;
      }
    }
  }
  progress.done();
  const nodes = [...byNode.values()];
  const total = empty('total');
  for (const s of nodes) for (const k of COUNTS) total[k] += s[k];

  out.data({
    cacheName: session.cacheName,
    redis: session.location,
    verified: session.verifies,
    bytesMeasure: 'STRLEN',
    nodes,
    total,
  });
  out.line(`cache ${session.cacheName} on ${session.location}`);
  const rows = [
    ['node', 'entries', 'bytes', 'aliases', 'leases', 'fresh', 'expired', 'never-expiring', 'signed', 'unreadable'],
  ];
  for (const s of nodes.length > 1 ? [...nodes, total] : nodes) {
    rows.push([
      s.node,
      String(s.entries),
      formatBytes(s.bytes),
      String(s.aliases),
      String(s.leases),
      String(s.fresh),
      String(s.expired),
      String(s.neverExpiring),
      String(s.signedNotVerified),
      String(s.badSignature + s.otherVersion + s.unreadable),
    ]);
  }
  for (const row of table(rows)) out.line(row);
  out.line("bytes: STRLEN of the response values (Redis's own per-key overhead not counted)");
  if (total.signedNotVerified > 0)
    out.line('signed: signed entries not verified; give --secret-key or CACHE_KEY to read them');
  if (total.badSignature + total.otherVersion + total.unreadable > 0) {
    out.line(
      `unreadable: ${total.badSignature} did not verify, ${total.otherVersion} of another format version, ` +
        `${total.unreadable} not entries of this library`,
    );
  }
  return EXIT.OK;
}
