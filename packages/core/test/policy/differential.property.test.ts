/**
 * The HTTP policy against http-cache-semantics (a test oracle only: it is never used at run
 * time), on random response and request header sets: whether a response may be stored, and for
 * how long it may be used without revalidation. Every case where they disagree must be one of
 * the differences listed below, each with its reason; a listed difference that never shows up
 * fails the test too, so the list stays true.
 */
import fc from 'fast-check';
import CachePolicy from 'http-cache-semantics';
import { HttpPolicy } from '../../src/http-policy.js';
import { resolveSettings } from '../../src/options.js';
import { Planner } from '../../src/request-plan.js';
import { httpDate, T0 } from './helpers.js';

const DAY = 86_400_000;

/** http-cache-semantics reading the clock we give it. */
class Oracle extends CachePolicy {
  now(): number {
    return T0;
  }
}

const directive = fc.constantFrom(
  'max-age=0',
  'max-age=60',
  'max-age=3600',
  'max-age=-1',
  "max-age='60'",
  'max-age="60"',
  's-maxage=30',
  's-maxage=0',
  'no-store',
  'no-cache',
  'private',
  'public',
  'must-revalidate',
  'proxy-revalidate',
  'immutable',
  'stale-while-revalidate=30',
  'stale-if-error=30',
  'must-understand',
);
const caseArb = fc.record({
  status: fc.constantFrom(
    200,
    203,
    204,
    206,
    300,
    301,
    302,
    303,
    307,
    308,
    404,
    405,
    410,
    414,
    500,
    501,
    502,
    503,
    599,
  ),
  cc: fc.uniqueArray(directive, { maxLength: 4 }),
  expires: fc.constantFrom(undefined, 'future', 'past', '0', 'junk'),
  date: fc.constantFrom(undefined, 'now', 'past', 'junk'),
  age: fc.constantFrom(undefined, '10', '7200', 'x'),
  lastModified: fc.constantFrom(undefined, 'recent', 'old'),
  vary: fc.constantFrom(undefined, 'Accept', '*'),
  setCookie: fc.boolean(),
  auth: fc.boolean(),
  shared: fc.boolean(),
});
type Case = fc.Arbitrary<unknown> extends never ? never : ReturnType<typeof caseArb.generate>['value'];

/** The statuses both implementations cache without explicit freshness (RFC 9110 §15.1). */
const HEURISTIC = new Set([200, 203, 204, 300, 301, 404, 405, 410, 414, 501]);

interface Difference {
  readonly name: string;
  /** Why we decide otherwise than http-cache-semantics. */
  readonly why: string;
  readonly applies: (c: Case, cc: ReadonlySet<string>) => boolean;
}

const explicit = (c: Case, cc: ReadonlySet<string>) =>
  [...cc].some((d) => d.startsWith('max-age') || (c.shared && d.startsWith('s-maxage'))) || c.expires !== undefined;

/** Every knowing difference. */
const DIFFERENCES: readonly Difference[] = [
  {
    name: 'a shared cache never stores Set-Cookie',
    why: 'SPEC §2: another user would get the session; the oracle stores it, fresh only with public or immutable.',
    applies: (c) => c.shared && c.setCookie,
  },
  {
    name: 'any final status with explicit freshness',
    why: 'RFC 9111 §3: a final status with max-age, s-maxage or Expires may be stored; the oracle stores only the statuses it lists.',
    applies: (c, cc) => !HEURISTIC.has(c.status) && (explicit(c, cc) || cc.has('public')),
  },
  {
    name: 'must-understand',
    why: 'RFC 9111 §5.2.2.3: a status understood lets no-store be ignored, one not understood is not stored; the oracle does neither.',
    applies: (_c, cc) => cc.has('must-understand'),
  },
  {
    name: 'apparent age from Date',
    why: 'RFC 9111 §4.2.3: the corrected initial age is at least now − Date; the oracle counts only the Age header.',
    applies: (c) => c.date === 'past',
  },
  {
    name: 'heuristic freshness capped at a day',
    why: 'RFC 9111 §4.2.2 leaves the heuristic to the cache; 10% without a cap gives a month for a year-old Last-Modified.',
    applies: (c, cc) => c.lastModified === 'old' && !explicit(c, cc),
  },
  {
    name: 'proxy-revalidate keeps freshness',
    why: 'RFC 9111 §5.2.2.8: in a shared cache it means must-revalidate once stale; the oracle gives the response no freshness at all.',
    applies: (c, cc) => c.shared && cc.has('proxy-revalidate'),
  },
  {
    name: 'the first of repeated directives',
    why: 'RFC 9111 §4.2.1 lets a cache use the first occurrence; the oracle keeps the last.',
    applies: (_c, cc) =>
      [...cc].filter((d) => d.startsWith('max-age')).length > 1 ||
      [...cc].filter((d) => d.startsWith('s-maxage')).length > 1,
  },
  {
    name: 'a quoted max-age is read',
    why: 'RFC 9111 §5.2: a recipient accepts the quoted form ("60"); the oracle reads it as 0.',
    applies: (_c, cc) => cc.has('max-age="60"'),
  },
  {
    name: 'an invalid max-age means stale, not absent',
    why: 'RFC 9111 §4.2.1: invalid freshness information is stale; the oracle falls through to Expires or heuristics for some forms.',
    applies: (_c, cc) => cc.has('max-age=-1') || cc.has("max-age='60'"),
  },
  {
    name: 'heuristic freshness only for heuristically cacheable statuses, or public',
    why: 'RFC 9111 §4.2.2: heuristics are for statuses RFC 9110 §15.1 calls heuristically cacheable (or public responses); the oracle applies them to every status it stores.',
    applies: (c, cc) => !HEURISTIC.has(c.status) && c.lastModified !== undefined && !explicit(c, cc),
  },
  {
    name: 'public allows heuristic freshness',
    why: 'RFC 9111 §4.2.2: a response marked public may be given heuristic freshness; the oracle stores such a response but gives it none when its status is not listed.',
    applies: (c, cc) => cc.has('public') && !explicit(c, cc),
  },
];

function build(c: Case): { headers: Record<string, string>; request: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (c.cc.length > 0) headers['cache-control'] = c.cc.join(', ');
  if (c.expires)
    headers.expires =
      c.expires === 'future' ? httpDate(T0 + 600_000) : c.expires === 'past' ? httpDate(T0 - 600_000) : c.expires;
  if (c.date) headers.date = c.date === 'now' ? httpDate(T0) : c.date === 'past' ? httpDate(T0 - 100_000) : c.date;
  if (c.age) headers.age = c.age;
  if (c.lastModified) headers['last-modified'] = httpDate(T0 - (c.lastModified === 'old' ? 365 : 2) * DAY);
  if (c.vary) headers.vary = c.vary;
  if (c.setCookie) headers['set-cookie'] = 'a=b';
  const request: Record<string, string> = { host: 'api.example.com', accept: 'text/html' };
  if (c.auth) request.authorization = 'Bearer x';
  return { headers, request };
}

it('agrees with http-cache-semantics but for the listed differences', () => {
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(caseArb, (c) => {
      const { headers, request } = build(c);
      const oracle = new Oracle(
        { url: '/r', method: 'GET', headers: request },
        { status: c.status, headers },
        { shared: c.shared, immutableMinTimeToLive: 0 },
      );
      const settings = resolveSettings({ cacheControl: true, shared: c.shared }, false);
      const plan = new Planner(settings, (v) => v).plan({ url: 'https://api.example.com/r', headers: request });
      const decision = new HttpPolicy(settings, (v) => v).storable(plan, {
        status: c.status,
        headers: Object.entries(headers),
        requestTime: T0,
        responseTime: T0,
      });
      // Both as "seconds this response may be used without asking the origin".
      const ours = !decision.ok
        ? undefined
        : decision.policy.noCache
          ? 0
          : decision.expires === null
            ? Infinity
            : Math.max(0, Math.floor((decision.expires - T0) / 1000));
      const theirs = !oracle.storable() ? undefined : Math.max(0, Math.floor(oracle.maxAge() - oracle.age()));
      const agree =
        ours === theirs ||
        (ours !== undefined && theirs !== undefined && Math.abs(ours - theirs) <= 1) ||
        // Stored but never usable without revalidation is, for a reader, the same as not stored.
        ((ours ?? 0) === 0 && (theirs ?? 0) === 0);
      if (agree) return true;
      const cc = new Set(c.cc);
      const why = DIFFERENCES.filter((d) => d.applies(c, cc));
      for (const d of why) seen.set(d.name, (seen.get(d.name) ?? 0) + 1);
      if (why.length === 0)
        throw new Error(
          `unexplained: ours ${String(ours)} s, http-cache-semantics ${String(theirs)} s for ${JSON.stringify({ status: c.status, headers, shared: c.shared, auth: c.auth })}`,
        );
      return true;
    }),
    { numRuns: 5000, seed: 20261201 },
  );
  // Each listed difference must show up: a difference that no longer happens is no longer a difference.
  expect(DIFFERENCES.filter((d) => !seen.has(d.name)).map((d) => d.name)).toEqual([]);
});
