import { describeSkipped, noneSkipped, responses } from '../entries.js';
import { EXIT } from '../errors.js';
import { table, type Output } from '../output.js';
import { responseMatcher } from '../pattern.js';
import type { Progress } from '../progress.js';
import { safeUrl } from '../redact.js';
import type { Session } from '../session.js';

/** `urls [--pattern <glob>]`: the stored responses, one line each. Exit 1 when none is listed. */
export async function urls(
  session: Session,
  out: Output,
  progress: Progress,
  pattern: string | undefined,
): Promise<number> {
  const matches = pattern === undefined ? () => true : responseMatcher(pattern);
  const skipped = noneSkipped();
  const found: Array<{
    method: string;
    url: string;
    finalUrl: string;
    status: number;
    expires: string | null;
    key: string;
  }> = [];
  for await (const { key, response } of responses(session, progress, skipped)) {
    if (!matches(response)) continue;
    found.push({
      method: response.method,
      url: safeUrl(response.url),
      finalUrl: safeUrl(response.finalUrl),
      status: response.status,
      expires: response.expires === null ? null : new Date(response.expires).toISOString(),
      key,
    });
  }
  progress.done();
  found.sort((a, b) =>
    a.url < b.url ? -1 : a.url > b.url ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0,
  );
  out.data({ cacheName: session.cacheName, pattern: pattern ?? null, count: found.length, urls: found, skipped });
  const rows = found.map((u) => [
    u.method,
    String(u.status),
    u.finalUrl === u.url ? u.url : `${u.url} -> ${u.finalUrl}`,
  ]);
  for (const row of table(rows)) out.line(row);
  for (const note of describeSkipped(skipped)) out.note(note);
  if (found.length === 0) {
    out.note(
      pattern === undefined
        ? `no readable responses in cache ${session.cacheName}`
        : `no stored URL matches ${pattern}`,
    );
    return EXIT.NO_MATCH;
  }
  return EXIT.OK;
}
