import { ageOf, CacheConfigError, type CachedResponse, type StoredResponse } from '@axios-client-cache/core';
import { newestIn } from '@axios-client-cache/core';
import { decode, isAlias, isResponse, readRaw, signedKind, type Decoded, type RawEntry } from '../entries.js';
import { CliError, EXIT } from '../errors.js';
import { formatBytes, formatDuration, type Output } from '../output.js';
import { safeHeaders, safeUrl } from '../redact.js';
import type { Session } from '../session.js';

/** What `show` says of an entry it cannot read. */
const STATES: Record<Exclude<Decoded<unknown>['kind'], 'item'>, string> = {
  unverified: 'signed; not verified (give --secret-key or CACHE_KEY to read it)',
  'bad-signature': 'signed; did not verify with the secret key given',
  'other-version': 'an entry of another format version',
  unreadable: 'unreadable (not an entry of this library)',
};

/**
 * `show <url> [--method M]`: the entry stored for a request to `url` (directly, or through
 * a redirect alias) — status, headers, age, expiry, size, tags — with every credential
 * redacted. A signed entry is read only with the secret key. Exit 1 when nothing is stored.
 */
export async function show(session: Session, out: Output, url: string, method: string, now: number): Promise<number> {
  let key: string;
  try {
    key = session.backend.createKey(method, url);
  } catch (error) {
    if (error instanceof CacheConfigError) throw new CliError(`not an absolute URL: ${safeUrl(url)}`);
    throw error;
  }
  const { responses, redirects } = session;
  let alias: string | undefined;
  let [entry] = await readRaw(session.client, responses.prefix, [responses.prefix + key]);
  if (entry === undefined) {
    const [aliasEntry] = await readRaw(session.client, redirects.prefix, [redirects.prefix + key]);
    if (aliasEntry !== undefined) {
      alias = key;
      const target = await decode(redirects, aliasEntry, session.verifies, isAlias);
      if (target.kind !== 'item')
        return present(session, out, { key, alias, entry: aliasEntry, decoded: target, method, url, now });
      [entry] = await readRaw(session.client, responses.prefix, [responses.prefix + target.item]);
      key = target.item;
    }
  }
  if (entry === undefined) {
    out.data({ cacheName: session.cacheName, found: false, method, url: safeUrl(url), key });
    out.note(`nothing stored for ${method} ${safeUrl(url)} in cache ${session.cacheName}`);
    return EXIT.NO_MATCH;
  }
  const decoded = await decode(responses, entry, session.verifies, isResponse);
  return present(session, out, { key, alias, entry, decoded, method, url, now });
}

interface Found {
  readonly key: string;
  readonly alias: string | undefined;
  readonly entry: RawEntry;
  readonly decoded: Decoded<StoredResponse>;
  readonly method: string;
  readonly url: string;
  readonly now: number;
}

function present(session: Session, out: Output, found: Found): number {
  const { key, alias, entry, decoded, now } = found;
  const storedBytes = entry.bytes?.length ?? 0;
  const ttl = entry.ttlMs < 0 ? null : entry.ttlMs;
  if (decoded.kind !== 'item') {
    const state = STATES[decoded.kind];
    out.data({
      cacheName: session.cacheName,
      found: true,
      readable: false,
      state: decoded.kind,
      method: found.method,
      url: safeUrl(found.url),
      key,
      alias: alias ?? null,
      storedBytes,
      redisTtlMs: ttl,
      encrypted: decoded.kind === 'unverified' ? decoded.encrypted : undefined,
    });
    out.line(`${found.method} ${safeUrl(found.url)}`);
    out.line(`key          ${key}${alias === undefined ? '' : ` (through the redirect alias ${alias})`}`);
    out.line(`entry        ${alias !== undefined ? `the alias is ${state}` : state}`);
    out.line(`stored size  ${formatBytes(storedBytes)}`);
    out.line(`redis ttl    ${ttl === null ? 'none' : formatDuration(ttl)}`);
    return EXIT.OK;
  }
  // A URL's variants: the newest stands for them (every one is listed by `urls`).
  const r = newestIn(decoded.item);
  const age = ageOf(r, now);
  const headers = safeHeaders([...r.headers]);
  const requestHeaders = safeHeaders(r.requestHeaders);
  const tags = tagsOf(r);
  const signed = entry.bytes !== null && signedKind(entry.bytes) !== undefined;
  out.data({
    cacheName: session.cacheName,
    found: true,
    readable: true,
    state: 'readable',
    key,
    alias: alias ?? null,
    signed: signed ? 'verified' : false,
    method: r.method,
    url: safeUrl(r.url),
    finalUrl: safeUrl(r.finalUrl),
    status: r.status,
    statusText: r.statusText,
    createdAt: new Date(r.createdAt).toISOString(),
    ageSeconds: Math.floor(age / 1000),
    expires: r.expires === null ? null : new Date(r.expires).toISOString(),
    expired: r.isExpiredAt(now),
    redisTtlMs: ttl,
    bodyBytes: r.bodySize,
    storedBytes,
    tags: tags ?? null,
    vary: r.vary.map(([name]) => name),
    headers,
    requestHeaders,
    history: r.history.map((h) => ({ method: h.method, url: safeUrl(h.url), status: h.status })),
  });
  out.line(`${r.method} ${safeUrl(r.url)}`);
  out.line(`key          ${key}${alias === undefined ? '' : ` (through the redirect alias ${alias})`}`);
  if (r.finalUrl !== r.url) out.line(`final url    ${safeUrl(r.finalUrl)}`);
  for (const hop of r.history) out.line(`redirect     ${hop.status} ${hop.method} ${safeUrl(hop.url)}`);
  out.line(`status       ${r.status} ${r.statusText}`.trimEnd());
  out.line(`stored       ${new Date(r.createdAt).toISOString()} (age ${formatDuration(age)})`);
  out.line(`expires      ${expiryText(r.expires, now)}`);
  out.line(`redis ttl    ${ttl === null ? 'none' : formatDuration(ttl)}`);
  out.line(
    `size         ${formatBytes(r.bodySize)} body, ${formatBytes(storedBytes)} stored${signed ? ' (signed, verified)' : ''}`,
  );
  if (tags !== undefined) out.line(`tags         ${tags.join(', ')}`);
  if (r.vary.length > 0) out.line(`vary         ${r.vary.map(([name]) => name).join(', ')}`);
  out.line('headers');
  for (const [name, value] of headers) out.line(`  ${name}: ${value}`);
  if (requestHeaders.length > 0) {
    out.line('request headers');
    for (const [name, value] of requestHeaders) out.line(`  ${name}: ${value}`);
  }
  return EXIT.OK;
}

function expiryText(expires: number | null, now: number): string {
  if (expires === null) return 'never';
  const at = new Date(expires).toISOString();
  return expires > now
    ? `${at} (in ${formatDuration(expires - now)})`
    : `${at} (expired ${formatDuration(now - expires)} ago)`;
}

/** The entry's tags (for `invalidateTags`), when it has any. */
function tagsOf(response: CachedResponse): string[] | undefined {
  return response.tags.length > 0 ? [...response.tags] : undefined;
}
