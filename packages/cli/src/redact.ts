import { redactHeaders, type HeaderPair } from '@axios-client-cache/core';

/** Shown instead of a credential. */
export const REDACTED = 'REDACTED';

// Whatever the library's own list says: an entry written by an older or foreign writer may
// hold these in clear, and the command never prints them.
const ALWAYS_REDACTED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * A URL safe to print: the whole userinfo (`user:password@`, or a token given as the user)
 * replaced by `REDACTED`. Stored URLs are redacted by the library already; this is for entries
 * of other writers and for URLs typed on the command line.
 */
export function safeUrl(url: string): string {
  return url.replace(/^([a-z][a-z\d+\-.]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
}

/** Header pairs safe to print: credentials (the library's list, and at least {@link ALWAYS_REDACTED}) redacted. */
export function safeHeaders(pairs: readonly HeaderPair[]): Array<[string, string]> {
  return pairs.map(([name, value]) => {
    const lower = name.toLowerCase();
    if (ALWAYS_REDACTED.has(lower)) return [lower, REDACTED];
    // One pair at a time: redactHeaders takes an object, and a header may repeat.
    return redactHeaders({ [lower]: value })[0] ?? [lower, REDACTED];
  });
}

/**
 * Text read from Redis is untrusted: control characters (a terminal escape sequence in a
 * header, say) are shown as `\xNN` instead of reaching the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Replaces every occurrence of the given secrets in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED);
  return out;
}
