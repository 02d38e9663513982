import { CacheConfigError } from '@axios-client-cache/core';
import { describeSkipped, noneSkipped, responses } from '../entries.js';
import { CliError, EXIT } from '../errors.js';
import { plural, type Output } from '../output.js';
import { responseMatcher } from '../pattern.js';
import type { Progress } from '../progress.js';
import { safeUrl } from '../redact.js';
import type { Session } from '../session.js';

/** What `delete` deletes: exactly one of these. */
export interface DeleteTarget {
  url?: string;
  pattern?: string;
  tag?: string;
  method: string;
}

/**
 * `delete <url> | --pattern <glob> | --tag <tag>`, through the backend so a response's
 * redirect aliases go with it. Exit 1 when nothing matched.
 */
export async function deleteEntries(
  session: Session,
  out: Output,
  progress: Progress,
  target: DeleteTarget,
): Promise<number> {
  const given = [target.url, target.pattern, target.tag].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError('delete needs exactly one of <url>, --pattern <glob>, --tag <tag>');
  if (target.url !== undefined) return deleteUrl(session, out, target.url, target.method);
  if (target.pattern !== undefined) return deletePattern(session, out, progress, target.pattern);
  return deleteTag(session, out, target.tag!);
}

async function deleteUrl(session: Session, out: Output, url: string, method: string): Promise<number> {
  const { backend, responses, redirects } = session;
  let key: string;
  try {
    key = backend.createKey(method, url);
  } catch (error) {
    if (error instanceof CacheConfigError) throw new CliError(`not an absolute URL: ${safeUrl(url)}`);
    throw error;
  }
  const [response, alias] = await Promise.all([responses.contains(key), redirects.contains(key)]);
  if (!response && !alias) {
    out.data({ cacheName: session.cacheName, deleted: 0, method, url: safeUrl(url), key });
    out.note(`nothing stored for ${method} ${safeUrl(url)} in cache ${session.cacheName}`);
    return EXIT.NO_MATCH;
  }
  await backend.deleteUrl(url, { method });
  out.data({ cacheName: session.cacheName, deleted: 1, method, url: safeUrl(url), key });
  out.line(`deleted ${method} ${safeUrl(url)}${response ? '' : ' (a redirect alias)'}`);
  return EXIT.OK;
}

async function deletePattern(session: Session, out: Output, progress: Progress, pattern: string): Promise<number> {
  const matches = responseMatcher(pattern);
  const skipped = noneSkipped();
  const doomed: Array<{ key: string; method: string; url: string }> = [];
  // Collected first, deleted after: the scan never sees its own deletes.
  for await (const { key, response } of responses(session, progress, skipped)) {
    if (matches(response)) doomed.push({ key, method: response.method, url: safeUrl(response.url) });
  }
  progress.done();
  // One row per variant: a key with several matching variants is deleted once.
  for (const key of new Set(doomed.map((d) => d.key))) await session.backend.delete(key);
  out.data({ cacheName: session.cacheName, pattern, deleted: doomed.length, entries: doomed, skipped });
  for (const note of describeSkipped(skipped)) out.note(`${note} (not matched, not deleted)`);
  if (doomed.length === 0) {
    out.note(`no stored URL matches ${pattern}`);
    return EXIT.NO_MATCH;
  }
  out.line(`deleted ${plural(doomed.length, 'entry', 'entries')} matching ${pattern}`);
  return EXIT.OK;
}

/** Every entry with the tag becomes a miss in every process (one write: the tag's new version). */
async function deleteTag(session: Session, out: Output, tag: string): Promise<number> {
  await session.backend.invalidateTags([tag]);
  out.data({ cacheName: session.cacheName, invalidatedTags: [tag] });
  out.line(`invalidated tag ${tag}`);
  return EXIT.OK;
}
