import type { RedisCache } from '@axios-client-cache/redis';
import { responsesIn } from '@axios-client-cache/core';
import { decode, isAlias, isResponse, walk, type Decoded } from '../entries.js';
import { EXIT } from '../errors.js';
import { plural, type Output } from '../output.js';
import type { Progress } from '../progress.js';
import type { Session } from '../session.js';

/**
 * `delete-expired`: deletes the responses past their freshness and every stale window they
 * carry (the backend's `retainUntil`), the values that are no entry of this library, and the
 * aliases pointing nowhere. Unlike the library's `deleteExpiredResponses`, it keeps what it
 * cannot judge: signed entries it cannot verify (no secret key, or perhaps the wrong one)
 * and entries of another format version. Exit 1 when nothing was deleted.
 */
export async function deleteExpired(session: Session, out: Output, progress: Progress, now: number): Promise<number> {
  const { backend, responses, redirects } = session;
  const expired: string[] = [];
  const unreadable: string[] = [];
  const kept = { signed: 0, otherVersion: 0 };
  for await (const batch of walk(session, responses as RedisCache<unknown>, progress)) {
    for (const entry of batch.entries) {
      const decoded = await decode(responses, entry, session.verifies, isResponse);
      if (decoded.kind === 'item') {
        // a URL's variants are kept as long as the longest-kept of them
        const retains = responsesIn(decoded.item).map((r) => backend.retainUntil(r));
        if (retains.every((retain) => retain !== null && retain <= now)) expired.push(entry.key);
      } else if (judge(decoded, kept)) unreadable.push(entry.key);
    }
  }
  for (const key of expired) await backend.delete(key);
  for (const key of unreadable) await responses.delete(key);

  const danglingAliases: string[] = [];
  for await (const batch of walk(session, redirects as RedisCache<unknown>, progress)) {
    for (const entry of batch.entries) {
      const decoded = await decode(redirects, entry, session.verifies, isAlias);
      if (decoded.kind === 'item') {
        if (!(await responses.contains(decoded.item))) danglingAliases.push(entry.key);
      } else if (judge(decoded, kept)) danglingAliases.push(entry.key);
    }
  }
  progress.done();
  if (danglingAliases.length > 0) await redirects.bulkDelete(danglingAliases);

  const deleted = expired.length + unreadable.length + danglingAliases.length;
  out.data({
    cacheName: session.cacheName,
    deleted,
    expired: expired.length,
    unreadable: unreadable.length,
    aliases: danglingAliases.length,
    kept: { signedNotVerified: kept.signed, otherVersion: kept.otherVersion },
  });
  out.line(
    `deleted ${plural(expired.length, 'expired entry', 'expired entries')}, ` +
      `${plural(unreadable.length, 'unreadable value', 'unreadable values')} and ` +
      `${plural(danglingAliases.length, 'alias', 'aliases')} pointing nowhere from cache ${session.cacheName}`,
  );
  if (kept.signed > 0) {
    out.note(
      `kept ${plural(kept.signed, 'signed value', 'signed values')} (entries and aliases) that could not be verified: ` +
        'give --secret-key (the right one) or CACHE_KEY to judge them',
    );
  }
  if (kept.otherVersion > 0)
    out.note(`kept ${plural(kept.otherVersion, 'entry', 'entries')} of another format version`);
  return deleted === 0 ? EXIT.NO_MATCH : EXIT.OK;
}

/**
 * True for a value no reader of this cache could use (deleted); false for one this command
 * cannot judge (kept, and counted): a signed entry not verified, or one that failed with the
 * secret given (it may be the wrong secret), or another format version.
 */
function judge(
  decoded: Exclude<Decoded<unknown>, { kind: 'item' }>,
  kept: { signed: number; otherVersion: number },
): boolean {
  switch (decoded.kind) {
    case 'unreadable':
      return true;
    // Not signed at all, with a secret given: no reader that holds the secret accepts it.
    case 'bad-signature':
      if (!decoded.signed) return true;
      kept.signed++;
      return false;
    case 'unverified':
      kept.signed++;
      return false;
    case 'other-version':
      kept.otherVersion++;
      return false;
  }
}
