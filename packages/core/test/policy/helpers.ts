/** Builds plans, responses and stored entries for the policy's tests (no I/O, a fixed clock). */
import { createHmac } from 'node:crypto';
import { CachedResponse } from '../../src/cached-response.js';
import { HttpPolicy, type ResponseFacts, type Storable } from '../../src/http-policy.js';
import type { HeaderPair } from '../../src/headers.js';
import { resolveSettings, type CacheBackendOptions } from '../../src/options.js';
import { Planner, type PlanInput, type RequestPlan } from '../../src/request-plan.js';

export const T0 = Date.UTC(2026, 0, 1);
export const URL = 'https://api.example.com/r';
export const httpDate = (ms: number) => new Date(ms).toUTCString();

/** The policy and planner of a backend with `options` (private unless `shared: true`). */
export function rules(options: CacheBackendOptions = {}): {
  policy: HttpPolicy;
  plan: (input?: PlanInput) => RequestPlan;
} {
  const settings = resolveSettings(options, false);
  const protect = (v: string) => createHmac('sha256', 'test-secret').update(v).digest('hex');
  const planner = new Planner(settings, protect);
  return {
    policy: new HttpPolicy(settings, protect),
    plan: (input = {}) => planner.plan({ url: URL, ...input }),
  };
}

/** A response received at `at` (default T0, sent at once), with `Date` set to it unless given. */
export function response(status: number, headers: Record<string, string> = {}, at = T0): ResponseFacts {
  const pairs: HeaderPair[] = Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]);
  if (!pairs.some(([k]) => k === 'date')) pairs.push(['date', httpDate(at)]);
  return { status, headers: pairs, requestTime: at, responseTime: at };
}

/** The entry the cache would keep for `facts` under `decision`. */
export function entry(facts: ResponseFacts, decision: Storable): CachedResponse {
  return new CachedResponse({
    method: 'GET',
    url: URL,
    finalUrl: URL,
    status: facts.status,
    statusText: '',
    headers: facts.headers,
    body: Buffer.from('body'),
    createdAt: facts.responseTime,
    expires: decision.expires,
    requestTime: facts.requestTime,
    responseTime: facts.responseTime,
    policy: decision.policy,
    vary: decision.vary,
  });
}

/** Stores `facts` for `plan` and returns the entry (the decision must allow it). */
export function stored(policy: HttpPolicy, plan: RequestPlan, facts: ResponseFacts): CachedResponse {
  const decision = policy.storable(plan, facts);
  if (!decision.ok) throw new Error(`expected a storable response, got ${decision.reason}`);
  return entry(facts, decision);
}
