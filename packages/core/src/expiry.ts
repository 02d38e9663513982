/**
 * Expiry settings: `expireAfter` values and `urlsExpireAfter` rules, validated when
 * created. Anything that is not clearly one of the accepted forms is a CacheConfigError naming
 * the option and the value — never a silent "never expires".
 */
import picomatch from 'picomatch';
import { invalidOption } from './errors.js';
import { isPlainObject } from './guards.js';
import { matchTarget } from './cache-key.js';

/** `expireAfter: -1`: cached responses never expire. */
export const NEVER_EXPIRE = -1;
/** `expireAfter: 0`: responses are neither read from nor written to the cache. */
export const DO_NOT_CACHE = 0;

/** A duration as an object; the fields are summed. At least one field must be given. */
export interface DurationObject {
  /** Weeks of 7 days. */
  weeks?: number;
  /** Days of 24 hours. */
  days?: number;
  /** Hours. */
  hours?: number;
  /** Minutes. */
  minutes?: number;
  /** Seconds. */
  seconds?: number;
  /** Milliseconds. */
  milliseconds?: number;
}

/**
 * When a cached response expires:
 * - a number of seconds (fractions allowed; `-1` = {@link NEVER_EXPIRE}, `0` = {@link DO_NOT_CACHE});
 * - a `Date` (absolute);
 * - a {@link DurationObject};
 * - a string: a compact duration (`'90s'`, `'10m'`, `'1h30m'`, `'1.5h'`, `'7d'`, `'2w'`, `'500ms'`),
 *   an ISO 8601 duration (`'PT10M'`, `'P1DT2H'`, `'P2W'`), a number of seconds (`'60'`), or an
 *   HTTP date (`'Sun, 06 Nov 1994 08:49:37 GMT'`).
 *
 * A duration of zero, in any form, means {@link DO_NOT_CACHE}.
 */
export type ExpireAfter = number | Date | DurationObject | string;

/** A validated {@link ExpireAfter}. */
export type ResolvedExpiry =
  | { readonly kind: 'never' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'relative'; readonly ms: number }
  | { readonly kind: 'absolute'; readonly at: number };

const NEVER: ResolvedExpiry = Object.freeze({ kind: 'never' });
const SKIP: ResolvedExpiry = Object.freeze({ kind: 'skip' });

const EXPECTED =
  'a number of seconds (-1 never expires, 0 does not cache), a Date, a duration object ' +
  "({ weeks, days, hours, minutes, seconds, milliseconds }), a duration string ('90s', '1h30m', " +
  "'PT10M'), a numeric string of seconds, or an HTTP date";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const DURATION_FIELDS: Readonly<Record<keyof DurationObject, number>> = {
  weeks: WEEK,
  days: DAY,
  hours: HOUR,
  minutes: MINUTE,
  seconds: SECOND,
  milliseconds: 1,
};

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: WEEK };

// The duration grammars are written out by hand and strictly: lenient parsers such as `ms` or
// `parse-duration` accept partial garbage ('10 minutes please', '10x' → something), and a cache
// setting that silently means something else is worse than an error.
const COMPACT = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const COMPACT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO =
  /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const ISO_YEARS_MONTHS = /^P(?:[^T]*[YM])/;
const NUMERIC = /^-?\d+(?:\.\d+)?$/;

function fromSeconds(seconds: number, option: string, value: unknown): ResolvedExpiry {
  if (seconds === NEVER_EXPIRE) return NEVER;
  if (seconds === 0) return SKIP; // also -0
  if (!Number.isFinite(seconds) || seconds < 0) invalidOption(option, value, EXPECTED);
  return fromMs(seconds * SECOND, option, value);
}

/**
 * Longest duration accepted: 2^31 seconds (68 years), the largest lifetime RFC 9111 §1.2.2 asks
 * a cache to handle. Past it an expiry stops being a date (`expires` would be an Invalid Date, a
 * store's TTL out of range): a mistake, not "never" (that is -1).
 */
const MAX_DURATION_MS = 2 ** 31 * SECOND;

function fromMs(ms: number, option: string, value: unknown): ResolvedExpiry {
  // Finite inputs can still overflow (1e308 seconds): that is a mistake, not "never".
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS)
    invalidOption(option, value, `a duration of at most 2^31 seconds (68 years; -1 never expires); ${EXPECTED}`);
  return ms === 0 ? SKIP : { kind: 'relative', ms };
}

function parseCompact(s: string, option: string, value: unknown): ResolvedExpiry | undefined {
  if (!COMPACT.test(s)) return undefined;
  const seen = new Set<string>();
  let ms = 0;
  for (const m of s.matchAll(COMPACT_PART)) {
    const unit = m[2] as string;
    if (seen.has(unit)) invalidOption(option, value, `each unit at most once in a duration string; ${EXPECTED}`);
    seen.add(unit);
    ms += Number(m[1]) * (UNIT_MS[unit] as number);
  }
  return fromMs(ms, option, value);
}

function parseIso(s: string, option: string, value: unknown): ResolvedExpiry | undefined {
  if (s[0] !== 'P') return undefined;
  if (ISO_YEARS_MONTHS.test(s)) {
    invalidOption(
      option,
      value,
      `an ISO 8601 duration in weeks, days, hours, minutes and seconds: years and months (P1Y, P1M) are rejected because their length is ambiguous; ${EXPECTED}`,
    );
  }
  const m = ISO.exec(s);
  // 'P' and 'PT' alone match the regex with no component: not a duration.
  if (!m || m.slice(1).every((g) => g === undefined) || s.endsWith('T')) return undefined;
  const units = [WEEK, DAY, HOUR, MINUTE, SECOND];
  let ms = 0;
  for (let i = 0; i < units.length; i++) {
    const g = m[i + 1];
    if (g !== undefined) ms += Number(g.replace(',', '.')) * (units[i] as number);
  }
  return fromMs(ms, option, value);
}

function parseDurationObject(obj: Record<string, unknown>, option: string): ResolvedExpiry {
  let known = 0;
  let ms = 0;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (!Object.hasOwn(DURATION_FIELDS, key)) {
      invalidOption(
        option,
        obj,
        `a duration object with only weeks, days, hours, minutes, seconds, milliseconds (unknown field ${JSON.stringify(key)})`,
      );
    }
    if (v === undefined) continue; // `{ seconds: undefined }` from a spread of defaults: absent
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      invalidOption(option, obj, `${key} to be a finite non-negative number`);
    }
    known++;
    ms += v * (DURATION_FIELDS[key as keyof DurationObject] as number);
  }
  if (known === 0) {
    invalidOption(
      option,
      obj,
      'a duration object with at least one of weeks, days, hours, minutes, seconds, milliseconds',
    );
  }
  return fromMs(ms, option, obj);
}

/**
 * Validates an {@link ExpireAfter}.
 *
 * @param option - the option's name, for the error message (`'expireAfter'`,
 *   `'urlsExpireAfter["api.example.com/*"]'`).
 * @throws {@link CacheConfigError} naming `option` and the value, for anything that is not one of
 *   the accepted forms: `NaN`, `±Infinity`, negative numbers other than -1, invalid Dates,
 *   unparsable strings, ISO durations in years or months, empty or unknown-field duration objects,
 *   booleans, arrays, null, functions, symbols, bigints.
 */
export function parseExpireAfter(value: unknown, option: string): ResolvedExpiry {
  if (typeof value === 'number') return fromSeconds(value, option, value);
  if (value instanceof Date) {
    const at = value.getTime();
    if (Number.isNaN(at)) invalidOption(option, value, `a valid Date; ${EXPECTED}`);
    return { kind: 'absolute', at };
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (NUMERIC.test(s)) return fromSeconds(Number(s), option, value);
    const resolved = parseCompact(s, option, value) ?? parseIso(s, option, value);
    if (resolved) return resolved;
    const at = parseHttpDate(s);
    if (at !== undefined) return { kind: 'absolute', at };
    return invalidOption(option, value, EXPECTED);
  }
  if (isPlainObject(value)) return parseDurationObject(value, option);
  return invalidOption(option, value, EXPECTED);
}

/**
 * The epoch-ms time at which a response stored at `now` expires; `null` when it never does.
 * `'skip'` gives `now`: already expired.
 */
export function expiresAt(expiry: ResolvedExpiry, now: number): number | null {
  switch (expiry.kind) {
    case 'never':
      return null;
    case 'skip':
      return now;
    case 'relative':
      return now + expiry.ms;
    case 'absolute':
      return expiry.at;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP dates (RFC 9110 §5.6.7)

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
// Names are matched without regard to case (`THU`, `aug`, `gmt`): RFC 9110 §5.6.7 makes them
// case-sensitive, but a lenient recipient accepts a date whose meaning is not in doubt.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
const ASCTIME =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

function utc(year: number, month: number, day: number, h: number, m: number, s: number): number | undefined {
  // A leap second (60) is allowed by the grammar; it rolls over to the next minute.
  if (day < 1 || h > 23 || m > 59 || s > 60) return undefined;
  const t = Date.UTC(year, month, day, h, m, s);
  const d = new Date(t);
  // Date.UTC rolls 31 Feb over into March: reject days the month does not have.
  if (d.getUTCMonth() !== month && !(s === 60 && d.getUTCDate() === 1)) return undefined;
  return t;
}

/**
 * Parses an RFC 9110 HTTP-date in any of its three formats: IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`; a
 * two-digit year more than 50 years ahead is taken from the previous century, per the RFC) and
 * asctime (`Sun Nov  6 08:49:37 1994`). Returns epoch ms, or undefined when invalid.
 *
 * The formats are matched by strict regular expressions and the time computed with `Date.UTC`:
 * `Date.parse` alone accepts many strings that are not HTTP dates (`'0'`, `'2024-01-01'`).
 * The day of the week is not checked against the date.
 */
export function parseHttpDate(value: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  let m = IMF_FIXDATE.exec(s);
  if (m)
    return utc(
      Number(m[3]),
      MONTHS[(m[2] as string).toLowerCase()] as number,
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
  m = RFC850.exec(s);
  if (m) {
    const yy = Number(m[3]);
    const thisYear = new Date().getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear + 50) year -= 100;
    return utc(
      year,
      MONTHS[(m[2] as string).toLowerCase()] as number,
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
  }
  m = ASCTIME.exec(s);
  if (m) {
    return utc(
      Number(m[6]),
      MONTHS[(m[1] as string).toLowerCase()] as number,
      Number((m[2] as string).trim()),
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// urlsExpireAfter

/** A `urlsExpireAfter` pattern: a glob string or a RegExp. */
export type UrlPattern = string | RegExp;

/**
 * Per-URL expiry, first match in insertion order wins. As an object (keys are glob strings;
 * note that JavaScript orders integer-like keys first), a Map, or an array of pairs.
 */
export type UrlsExpireAfter =
  | Record<string, ExpireAfter>
  | Map<UrlPattern, ExpireAfter>
  | ReadonlyArray<readonly [UrlPattern, ExpireAfter]>;

interface CompiledRule {
  readonly re: RegExp;
  readonly expiry: ResolvedExpiry;
}

const SCHEME = /^[a-z][a-z\d+\-.]*:\/\//i;

/**
 * Compiles a glob pattern to a RegExp matching the targets that start with it.
 *
 * - The pattern is matched against `host[:port]/path?query` (see `matchTarget`); a leading
 *   scheme in the pattern is ignored and its host part is lower-cased, like the target's.
 * - `?` is a literal question mark (it starts the query in a URL), not picomatch's one-character
 *   wildcard; use a RegExp pattern for that.
 * - Prefix match: the glob must match the whole target, or a leading part of it that ends at a
 *   `/` or `?` boundary (`api.example.com/users` matches `api.example.com/users/7` and
 *   `api.example.com/users?x=1`, not `api.example.com/usersettings`). `*` does not cross `/`.
 * - Targets are normalised URLs: percent-encoding is canonical and the query sorted by name.
 */
function compileGlob(pattern: string): RegExp {
  let p = pattern.replace(SCHEME, '');
  const slash = p.indexOf('/');
  p = slash === -1 ? p.toLowerCase() : p.slice(0, slash).toLowerCase() + p.slice(slash);
  p = p.replace(/\?/g, '\\?');
  const source = picomatch.makeRe(p, { dot: true, nonegate: true, fastpaths: false }).source;
  const inner =
    source.startsWith('^(?:') && source.endsWith(')$') ? source.slice(4, -2) : source.replace(/^\^|\$$/g, '');
  return new RegExp(`^(?:${inner})(?:$|(?=[/?])|(?<=[/?]))`);
}

/**
 * A URL pattern (a glob or a RegExp, as in `urlsExpireAfter`) as a test of a normalised
 * absolute URL: the one matcher every URL pattern of this library goes through.
 * @throws CacheConfigError for an empty glob or a value that is neither.
 */
export function urlPattern(pattern: UrlPattern, option = 'pattern'): (url: string) => boolean {
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp))
    invalidOption(option, pattern, 'a glob string or a RegExp');
  if (typeof pattern === 'string' && pattern.trim() === '') invalidOption(option, pattern, 'a non-empty glob');
  const re = compileRule(pattern);
  return (url) => re.test(matchTarget(url));
}

/** Without g/y flags, `test` keeps no lastIndex state between calls. */
function compileRule(pattern: UrlPattern): RegExp {
  return typeof pattern === 'string'
    ? compileGlob(pattern)
    : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

function describePattern(pattern: UrlPattern): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

/**
 * Validated, precompiled `urlsExpireAfter` rules. The first matching rule in insertion order wins.
 *
 * A string pattern is a glob (picomatch, `dot: true`) over `host[:port]/path?query`:
 * - a leading scheme in the pattern is ignored and its host part lower-cased, like the target's;
 * - `?` is a literal question mark (it starts the query), not a one-character wildcard — use a
 *   RegExp pattern for that;
 * - it matches as a prefix ending at a `/` or `?` boundary: `api.example.com/users` matches
 *   `api.example.com/users`, `…/users/7` and `…/users?x=1`, not `…/usersettings`;
 *   `*.example.com/static/*` matches `cdn.example.com/static/a/b.js`; `*` does not cross `/`;
 * - targets are normalised URLs: canonical percent-encoding, query sorted by name.
 *
 * A RegExp pattern is tested as given (no implicit anchors) against the same target.
 */
export class UrlExpiryRules {
  /** The number of rules. */
  readonly size: number;
  readonly #rules: readonly CompiledRule[];

  /**
   * @param rules - the rules; `undefined` for none.
   * @param option - the option's name in error messages. @defaultValue `'urlsExpireAfter'`
   * @throws {@link CacheConfigError} naming the option and the pattern
   *   (`urlsExpireAfter["api.example.com/*"]`) for an invalid pattern or expiry value.
   */
  constructor(rules: UrlsExpireAfter | undefined, option = 'urlsExpireAfter') {
    const entries: Array<readonly [unknown, unknown]> = [];
    if (rules === undefined) {
      // none
    } else if (rules instanceof Map) {
      for (const entry of rules) entries.push(entry);
    } else if (Array.isArray(rules)) {
      rules.forEach((entry: unknown, i) => {
        if (!Array.isArray(entry) || entry.length !== 2) {
          invalidOption(`${option}[${i}]`, entry, 'a [pattern, expireAfter] pair');
        }
        entries.push([entry[0], entry[1]]);
      });
    } else if (isPlainObject(rules)) {
      for (const key of Object.keys(rules)) entries.push([key, (rules as Record<string, unknown>)[key]]);
    } else {
      invalidOption(
        option,
        rules,
        'an object of { pattern: expireAfter }, a Map, or an array of [pattern, expireAfter] pairs',
      );
    }
    this.#rules = entries.map(([pattern, value]) => {
      if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
        invalidOption(`${option} pattern`, pattern, 'a glob string or a RegExp');
      }
      const name = `${option}[${describePattern(pattern)}]`;
      if (typeof pattern === 'string' && pattern.trim() === '') invalidOption(name, pattern, 'a non-empty glob');
      const expiry = parseExpireAfter(value, name);
      return { re: compileRule(pattern), expiry };
    });
    this.size = this.#rules.length;
  }

  /**
   * The expiry of the first rule matching `target` (`host[:port]/path?query`, from
   * `matchTarget`), or undefined when none does.
   */
  match(target: string): ResolvedExpiry | undefined {
    for (const rule of this.#rules) if (rule.re.test(target)) return rule.expiry;
    return undefined;
  }
}
