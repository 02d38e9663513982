import { scanKeys } from '../entries.js';
import { CliError, EXIT } from '../errors.js';
import { plural, type Output } from '../output.js';
import type { Progress } from '../progress.js';
import type { Session } from '../session.js';

/**
 * `clear --yes`: every response and alias of the cache, through the backend's `clear()`
 * (SCAN and UNLINK on every master, this namespace only). Exit 1 when it was empty.
 */
export async function clear(session: Session, out: Output, progress: Progress, yes: boolean): Promise<number> {
  if (!yes)
    throw new CliError(`clear deletes every entry of cache ${session.cacheName} on ${session.location}: add --yes`);
  let entries = 0;
  let aliases = 0;
  for (const node of session.masters()) {
    for await (const keys of scanKeys(node, session.responses.prefix)) {
      progress.add(keys.length);
      entries += keys.length;
    }
    for await (const keys of scanKeys(node, session.redirects.prefix)) {
      progress.add(keys.length);
      aliases += keys.length;
    }
  }
  await session.backend.clear();
  progress.done();
  out.data({ cacheName: session.cacheName, deleted: entries + aliases, entries, aliases });
  if (entries + aliases === 0) {
    out.note(`cache ${session.cacheName} is empty`);
    return EXIT.NO_MATCH;
  }
  out.line(
    `deleted ${plural(entries, 'entry', 'entries')} and ${plural(aliases, 'alias', 'aliases')} from cache ${session.cacheName}`,
  );
  return EXIT.OK;
}
