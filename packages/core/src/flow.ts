/**
 * The request flow: what happens to one planned request, top to bottom — around the cache
 * (and invalidation), a hit, stale answers (max-stale, stale-while-revalidate), revalidation,
 * a miss, stale-if-error. It calls the plan (what was decided about the request), the policy
 * (every HTTP rule) and the backend (storage) in order, and never decides a rule itself. It
 * knows nothing of axios: the origin is whatever implements {@link Origin}.
 */
import { channel } from 'node:diagnostics_channel';
import { NOT_NOW } from './base-cache.js';
import { CachedResponse, type RedirectHop, type StoredResponse } from './cached-response.js';
import { redactHeaders, redactUrl } from './cache-key.js';
import type { CacheEventListener, CacheEventName } from './events.js';
import { storableHeaders, type HeaderPair } from './headers.js';
import type { HttpPolicy, ResponseFacts } from './http-policy.js';
import type { NotStoredReason } from './reasons.js';
import type { MissLock } from './miss-lock.js';
import type { CacheSettings } from './options.js';
import type { RequestPlan } from './request-plan.js';
import { SingleFlight, type Cancellation } from './single-flight.js';
import { tagsOf } from './tags.js';

/** What the flow needs of its backend: storage, events and settings (the backend gives it these privately). */
export interface FlowStore {
  readonly settings: CacheSettings;
  readonly cacheName: string;
  readonly lock: MissLock | undefined;
  clock(): number;
  /** What is stored under `key` (or its alias), stale or not; fail-open: a store error is a miss. */
  lookup(key: string): Promise<StoredResponse | undefined>;
  /**
   * The same, at once when the stores can tell without waiting; a promise when only the tag
   * store must be asked (the entry itself was at hand); {@link NOT_NOW} when the stores cannot tell.
   */
  peek(key: string): StoredResponse | undefined | Promise<StoredResponse | undefined> | typeof NOT_NOW;
  /** Why `entry` may not be written now (closed, filtered, already useless), or undefined. */
  admit(entry: CachedResponse): NotStoredReason | undefined | Promise<NotStoredReason | undefined>;
  /** `entry` with the current versions of its tags, or why it must not be stored (see tags.ts). */
  versioned(entry: CachedResponse): Promise<CachedResponse | NotStoredReason>;
  /** Writes in the background: readers in this process see it at once; resolves when written (a failure is an event). */
  save(entry: CachedResponse, key: string): Promise<void>;
  /** Writes a part (a 206) with the other parts of its representation under `key`, or the whole they make. */
  savePart(part: CachedResponse, key: string): Promise<void>;
  /** Deletes `key` and its aliases; a store failure is an event. */
  deleteQuietly(key: string): Promise<void>;
  /** Deletes what is stored for requests to `urls` with `plan`'s credentials and wire options. */
  invalidateUrls(urls: readonly string[], plan: RequestPlan): Promise<void>;
  /** The key of a bodiless request to `url` with `plan`'s credentials and wire options. */
  keyOf(plan: RequestPlan, method: string, url: string): string;
  /** The URL tag of what is stored for `plan`, when invalidation cannot reach it by key (see Planner.urlTagOf). */
  urlTagOf(plan: RequestPlan): string | undefined;
  /** Alias keys for a response's redirect hops, keyed like `plan`. */
  aliasKeys(plan: RequestPlan, history: readonly RedirectHop[]): string[];
  /** Counts `event` and raises it; `payload` is made only when somebody listens. */
  emit<E extends CacheEventName>(event: E, payload: () => Parameters<CacheEventListener<E>>[0]): void;
}

/** A response from the origin, as the flow needs it. */
export interface OriginReply {
  readonly status: number;
  readonly statusText: string;
  /** Every field as received. */
  readonly headers: readonly HeaderPair[];
  /**
   * The body, whole (the origin adapter has checked it arrived complete). For a streamed
   * reply, a promise of the copy kept as the stream passes: its bytes when the stream ended
   * complete and within the size limit, else why not (`incomplete`, `too-large`).
   */
  readonly body: Uint8Array | Promise<Uint8Array | 'incomplete' | 'too-large'>;
  /** The URL of the final response after redirects (absolute), when it differs. */
  readonly finalUrl: string | undefined;
  readonly history: readonly RedirectHop[];
  /** Epoch ms the request left and the response arrived. */
  readonly requestTime: number;
  readonly responseTime: number;
  /** The glue's own handle on the response (axios's `request`, the stream). */
  readonly native: unknown;
}

/** Sending a request to the origin: the axios glue implements it over the instance's own adapter. */
export interface Origin<R> {
  /**
   * Sends the planned request; `headers` (revalidation) are added to it; `signal` is the
   * shared request's own (without one, the request is the waiting caller's own to cancel);
   * `background` when no caller waits for it (a refresh).
   * Rejects with the origin's error, or an incomplete body's.
   */
  send(
    plan: RequestPlan,
    options: { headers?: readonly HeaderPair[] | undefined; signal?: AbortSignal | undefined; background: boolean },
  ): Promise<OriginReply>;
  /**
   * Sends the request around the cache, as it is; resolves to the glue's own response, or to
   * `refused`: the caller's error for an answer the origin gave but the caller does not accept
   * (its `validateStatus`) — still a success that may invalidate, thrown after it has.
   */
  pass(
    plan: RequestPlan,
  ): Promise<
    | { response: R; refused?: undefined; status: number; headers: readonly HeaderPair[] }
    | { response?: undefined; refused: unknown; status: number; headers: readonly HeaderPair[] }
  >;
  /** True when `error` is the origin failing (network, timeout, incomplete body), not the caller's own doing. */
  failed(error: unknown): boolean;
}

/** What the flow answers; the glue presents it. */
export type Answer<R> =
  /** A stored (or just fetched) response. */
  | {
      readonly kind: 'entry';
      readonly entry: CachedResponse;
      readonly fromCache: boolean;
      /** Age in seconds, for a response served from the cache. */
      readonly age: number | undefined;
      readonly now: number;
      readonly native: unknown;
    }
  /** The origin's streamed response, handed over as it arrives. */
  | { readonly kind: 'stream'; readonly reply: OriginReply; readonly now: number }
  /** The glue's own response to a request sent around the cache. */
  | { readonly kind: 'pass'; readonly response: R }
  /** The caller's own conditional request, answered from a stored response: a 304. */
  | {
      readonly kind: 'not-modified';
      readonly entry: CachedResponse;
      readonly headers: readonly HeaderPair[];
      readonly age: number;
      readonly now: number;
    }
  /** `only-if-cached` and nothing usable stored. */
  | { readonly kind: 'only-if-cached' };

/** How a request ended, as the diagnostics channel and the debug log say it. */
export type Outcome = 'hit' | 'stale' | 'revalidated' | 'miss' | 'coalesced' | 'bypass' | 'error';

/** The message published on the `axios-client-cache:request` diagnostics channel, one per request. */
export interface RequestMessage {
  readonly method: string;
  readonly url: string;
  readonly key: string;
  readonly outcome: Outcome;
  readonly reason?: string | undefined;
  readonly durationMs: number;
  readonly cacheName: string;
}

/** The diagnostics channel: one {@link RequestMessage} per request through the cache. */
export const requestChannel = channel('axios-client-cache:request');

/** A fetched response, as shared with the other callers of its flight. */
interface Fetched {
  readonly entry: CachedResponse;
  /** Other callers of the flight may use it: stored, or not stored for a reason that does not make it someone's alone. */
  readonly shareable: boolean;
  /** The stored entry freshened by a 304. */
  readonly revalidated: boolean;
  /** Found in the store after another process's flight, not fetched. */
  readonly fromStore: boolean;
  readonly native: unknown;
  /** The store write it started, if any. */
  readonly written?: Promise<void> | undefined;
}

/** What the store held for a request: its answer, the stale response to revalidate, and the stored item itself. */
interface Known<R> {
  readonly answer?: Answer<R>;
  readonly stale?: CachedResponse | undefined;
  readonly stored?: StoredResponse | undefined;
}

/** Tells how a request ended (for the diagnostics channel). */
type Report = (outcome: Outcome, reason?: string) => void;
const NO_REPORT: Report = () => undefined;

/** One request's message on the diagnostics channel, made only while somebody subscribes. */
class Reporter {
  readonly #plan: RequestPlan;
  readonly #url: string;
  readonly #cacheName: string;
  readonly #started = performance.now();
  #outcome: Outcome = 'error';
  #reason: string | undefined;

  constructor(plan: RequestPlan, url: string, cacheName: string) {
    this.#plan = plan;
    this.#url = url;
    this.#cacheName = cacheName;
  }

  readonly report: Report = (outcome, reason) => {
    this.#outcome = outcome;
    this.#reason = reason;
  };

  publish(): void {
    const plan = this.#plan;
    const message: RequestMessage = {
      method: plan.method,
      url: this.#url,
      key: plan.key,
      outcome: this.#outcome,
      reason: this.#reason,
      durationMs: performance.now() - this.#started,
      cacheName: this.#cacheName,
    };
    requestChannel.publish(message);
  }
}

/** Reasons not to store that leave a response fit for every caller of its flight. */
const SHAREABLE_REASONS: ReadonlySet<NotStoredReason> = new Set([
  'status',
  'filter',
  'too-large',
  'stale',
  'authorization',
  'closed',
]);

/** The flow of one backend. */
export class CacheFlow {
  readonly #backend: FlowStore;
  readonly #policy: HttpPolicy;
  readonly #flights: SingleFlight<Fetched>;

  constructor(backend: FlowStore, policy: HttpPolicy) {
    this.#backend = backend;
    this.#policy = policy;
    this.#flights = new SingleFlight<Fetched>(
      backend.lock,
      backend.settings.lockTimeoutMs,
      (fetched) => fetched.written,
    );
  }

  /** Origin requests in flight in this process. */
  get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * The answer to `plan`: at once (no promise) when a stored response answers it and the
   * stores could tell without waiting, else a promise. With nobody subscribed to the
   * diagnostics channel, nothing is measured or published.
   */
  run<R>(plan: RequestPlan, origin: Origin<R>, cancel?: Cancellation): Answer<R> | Promise<Answer<R>> {
    const reporter = requestChannel.hasSubscribers
      ? new Reporter(plan, this.#shown(plan.url), this.#backend.cacheName)
      : undefined;
    const report = reporter?.report ?? NO_REPORT;
    let known: Known<R> | undefined;
    let looked: Promise<StoredResponse | undefined> | undefined;
    if (plan.bypass === undefined) {
      const found = this.#backend.peek(plan.key);
      // The entry is at hand but its tags' versions are not: no second read of the entry.
      if (found instanceof Promise) looked = found;
      else if (found !== NOT_NOW) {
        const stored = this.#fromStore(plan, found, origin, report);
        if (stored.answer !== undefined) {
          reporter?.publish();
          return stored.answer;
        }
        known = stored;
      }
    }
    const answer = this.#answer(plan, origin, cancel, report, known, looked);
    if (reporter === undefined) return answer;
    return answer.finally(() => reporter.publish());
  }

  /**
   * What the stored response (if any) does for `plan`: answers it now (fresh, or stale as the
   * request or RFC 5861 allow), or is the stale one to revalidate.
   */
  #fromStore<R>(plan: RequestPlan, stored: StoredResponse | undefined, origin: Origin<R>, report: Report): Known<R> {
    if (stored === undefined) return {};
    const policy = this.#policy;
    const now = this.#backend.clock();
    const found = policy.choose(stored, plan);
    if (found === undefined) {
      // A range may still be held by a stored part.
      const part = policy.rangeOfParts(stored, plan, now);
      if (part !== undefined) {
        report('hit');
        this.#backend.emit('hit', () => ({ key: plan.key, url: part.url, method: plan.method }));
        this.#log('served a range from a stored part', plan);
        return { answer: this.#cached(part, now) };
      }
      this.#log('nothing stored for this request’s selecting headers (Vary) or range', plan);
      return { stored };
    }
    const use = policy.use(found, plan, now);
    switch (use) {
      case 'fresh':
        report('hit');
        this.#backend.emit('hit', () => ({ key: plan.key, url: found.url, method: plan.method }));
        this.#log('served fresh', plan);
        return { answer: this.#served(found, now, plan) };
      case 'stale-ok':
      case 'stale-while-revalidate': {
        const reason = use === 'stale-ok' ? 'max-stale' : use;
        report('stale', reason);
        this.#backend.emit('stale', () => ({ key: plan.key, url: found.url, method: plan.method, reason }));
        this.#log(`served stale (${reason})`, plan);
        if (use === 'stale-while-revalidate') this.#refreshInBackground(plan, found, origin);
        return { answer: this.#served(found, now, plan) };
      }
      case 'revalidate':
        this.#log('stored response needs revalidation', plan);
        return { stale: found, stored };
    }
  }

  /** A usable stored response as the answer: the range the request asks for, when it asks for one. */
  #served<R>(entry: CachedResponse, now: number, plan: RequestPlan): Answer<R> {
    if (plan.range === undefined) return this.#cached(entry, now, undefined, plan);
    const ranged = this.#policy.rangeOfComplete(entry, plan);
    return ranged === 'full' ? this.#cached(entry, now, undefined, plan) : this.#cached(ranged, now);
  }

  async #answer<R>(
    plan: RequestPlan,
    origin: Origin<R>,
    cancel: Cancellation | undefined,
    report: Report,
    known?: Known<R>,
    looked?: Promise<StoredResponse | undefined>,
  ): Promise<Answer<R>> {
    const backend = this.#backend;
    const policy = this.#policy;
    if (plan.bypass !== undefined) {
      report('bypass', plan.bypass);
      this.#log(`around the cache: ${plan.bypass}`, plan, { reason: plan.bypass });
      return this.#around(plan, origin);
    }
    let { stale, stored } = known ?? {};
    if (known === undefined) {
      const found = this.#fromStore(plan, await (looked ?? backend.lookup(plan.key)), origin, report);
      if (found.answer !== undefined) return found.answer;
      ({ stale, stored } = found);
    }
    // A stored leading part: the origin need only send the rest.
    const lead = stale === undefined ? policy.leadingPart(stored, plan, backend.clock()) : undefined;
    if (plan.onlyIfCached) {
      report('miss', 'only-if-cached');
      this.#log('nothing usable stored: 504 (only-if-cached)', plan);
      return { kind: 'only-if-cached' };
    }
    backend.emit('miss', () => ({ key: plan.key, url: this.#shown(plan.url), method: plan.method }));
    this.#log(
      stale === undefined ? 'nothing usable stored: asking the origin' : 'asking the origin to revalidate',
      plan,
    );

    if (plan.stream) return this.#streamed(plan, stale, origin, report);
    let fetched: Fetched;
    let role: 'leader' | 'coalesced';
    const asked = backend.clock();
    try {
      ({ value: fetched, role } = await this.#flights.run(
        plan,
        cancel,
        (signal) => this.#fetch(plan, stale, origin, signal, false, lead),
        () => this.#storedByAnother(plan, asked),
      ));
      if (role === 'coalesced' && !(fetched.shareable && policy.selects(fetched.entry, plan))) {
        // Another caller's answer is not this one's (its own, or for other selecting headers).
        this.#log('the shared answer is not for this request: fetching its own', plan);
        fetched = await this.#fetch(plan, stale, origin, undefined, false);
        role = 'leader';
      }
    } catch (error) {
      const served = this.#staleIfError<R>(plan, stale, origin.failed(error), report);
      if (served !== undefined) return served;
      throw error;
    }
    if (!fetched.revalidated && !fetched.fromStore && fetched.entry.status >= 500) {
      const served = this.#staleIfError<R>(plan, stale, true, report);
      if (served !== undefined) return served;
    }
    const at = backend.clock();
    if (fetched.revalidated) {
      report('revalidated');
      return this.#cached(fetched.entry, at, fetched.native);
    }
    if (fetched.fromStore) {
      // Another process fetched it while this one waited: this request was answered from the store.
      report('coalesced');
      this.#log('answered by another process’s request, from the store', plan);
      return this.#cached(fetched.entry, at);
    }
    if (role === 'coalesced') this.#log('answered by an identical request in flight', plan);
    report(role === 'coalesced' ? 'coalesced' : 'miss');
    return { kind: 'entry', entry: fetched.entry, fromCache: false, age: undefined, now: at, native: fetched.native };
  }

  /** Sends a request around the cache; a successful unsafe method invalidates what it changed. */
  async #around<R>(plan: RequestPlan, origin: Origin<R>): Promise<Answer<R>> {
    if (plan.bypass === 'method' && plan.method === 'POST' && this.#backend.settings.cacheControl && !plan.stream)
      return this.#post(plan, origin);
    const passed = await origin.pass(plan);
    const targets = this.#policy.invalidationTargets(plan, passed.status, passed.headers);
    if (targets.length > 0) {
      this.#log('invalidating', plan, { urls: targets.map((u) => this.#shown(u)) });
      await this.#backend.invalidateUrls(targets, plan);
    }
    if (passed.response === undefined) throw passed.refused;
    return { kind: 'pass', response: passed.response };
  }

  /**
   * A POST with HTTP rules: it invalidates like any unsafe method, and its response is also the
   * stored answer to a GET of its URL when RFC 9110 §9.3.3 allows (sent through the origin as a
   * miss is, so its bytes are kept exactly).
   */
  async #post<R>(plan: RequestPlan, origin: Origin<R>): Promise<Answer<R>> {
    const reply = await origin.send(plan, { background: false });
    const targets = this.#policy.invalidationTargets(plan, reply.status, reply.headers);
    if (targets.length > 0) {
      this.#log('invalidating', plan, { urls: targets.map((u) => this.#shown(u)) });
      await this.#backend.invalidateUrls(targets, plan);
    }
    const headers = storableHeaders(reply.headers);
    const body = reply.body as Uint8Array;
    const decision = this.#policy.postAsGet(plan, facts(reply, headers));
    const entry = this.#entry(plan, reply, headers, body, decision.ok ? decision : undefined);
    if (decision.ok) {
      const asGet = await this.#admit(entry.with({ method: 'GET' }));
      if (typeof asGet !== 'string') {
        this.#log('stored as the answer to a GET of its URL (Content-Location)', plan);
        void this.#backend.save(asGet, this.#backend.keyOf(plan, 'GET', plan.url));
      }
    }
    return { kind: 'entry', entry, fromCache: false, age: undefined, now: this.#backend.clock(), native: reply.native };
  }

  /** One origin request, and what becomes of its answer: freshening the stored response, or storing the new one. */
  async #fetch<R>(
    plan: RequestPlan,
    stale: CachedResponse | undefined,
    origin: Origin<R>,
    signal: AbortSignal | undefined,
    background: boolean,
    lead?: CachedResponse,
  ): Promise<Fetched> {
    if (lead !== undefined) {
      const rest = await origin.send(plan, { headers: this.#policy.restOfHeaders(lead), signal, background });
      const whole =
        rest.status === 206
          ? this.#policy.completed(lead, { ...facts(rest), body: rest.body as Uint8Array })
          : undefined;
      if (whole !== undefined) {
        this.#log('completed a stored part with the rest from the origin', plan);
        return this.#store(plan, { ...rest, status: 200, statusText: 'OK', headers: whole.headers }, whole.body, stale);
      }
      // The origin sent the whole (it ignored Range, or If-Range did not hold) — or a part that does not fit: ask for the whole.
      if (rest.status !== 206) return this.#store(plan, rest, rest.body as Uint8Array, stale);
    }
    // The caller's own conditional request is sent as it is: its 304 is its own.
    const validators = stale !== undefined && !plan.conditional ? this.#policy.revalidationHeaders(stale) : undefined;
    const reply = await origin.send(plan, { headers: validators, signal, background });
    if (validators !== undefined && stale !== undefined && reply.status === 304) {
      if (this.#policy.updates(stale, facts(reply))) return this.#freshen(plan, stale, reply);
      // A 304 for another representation (its validator is not the stored one's): ask for the whole.
      this.#log('the 304 names another representation: asking again without validators', plan);
      const whole = await origin.send(plan, { headers: undefined, signal, background });
      return this.#store(plan, whole, whole.body as Uint8Array, stale);
    }
    return this.#store(plan, reply, reply.body as Uint8Array, stale);
  }

  /** RFC 9111 §4.3.4: a 304 freshens the stored response, through the same gate as a new one. */
  #freshen(plan: RequestPlan, stale: CachedResponse, reply: OriginReply): Fetched | Promise<Fetched> {
    const backend = this.#backend;
    const decision = this.#policy.revalidated(stale, plan, facts(reply));
    const headers = decision.headers;
    const refreshed = stale.with({
      headers,
      createdAt: reply.responseTime,
      requestTime: reply.requestTime,
      responseTime: reply.responseTime,
      tags: tagsOf(stale.tags, headers, backend.settings.tagHeaders),
      ...(decision.ok ? { expires: decision.expires, policy: decision.policy, vary: decision.vary } : {}),
    });
    backend.emit('revalidated', () => ({ key: plan.key, url: refreshed.url, method: plan.method }));
    return this.#gate(refreshed, decision, (admitted) => {
      if (typeof admitted !== 'string') {
        this.#log('revalidated (304): stored response freshened', plan);
        return fetched(refreshed, undefined, true, reply, backend.save(admitted, plan.key));
      }
      this.#notStored(plan, refreshed.url, admitted);
      return backend.deleteQuietly(plan.key).then(() => fetched(refreshed, admitted, true, reply));
    });
  }

  /** Stores a new response when the policy and the gate allow; a stored one it replaces otherwise goes. */
  #store(
    plan: RequestPlan,
    reply: OriginReply,
    body: Uint8Array,
    stale: CachedResponse | undefined,
  ): Fetched | Promise<Fetched> {
    const backend = this.#backend;
    const headers = storableHeaders(reply.headers);
    if (reply.status === 206) return this.#storePart(plan, reply, headers, body);
    const decision = this.#policy.storable(plan, facts(reply, headers));
    const entry = this.#entry(plan, reply, headers, body, decision.ok ? decision : undefined);
    return this.#gate(entry, decision, (admitted) => {
      if (typeof admitted !== 'string') {
        this.#log('stored', plan, { expires: entry.expires });
        return fetched(entry, undefined, false, reply, backend.save(admitted, plan.key));
      }
      this.#notStored(plan, entry.url, admitted);
      // Replaced by something not storable: the old entry goes. A 5xx keeps it for
      // stale-if-error; a 304 to the caller's own conditional request says it is still valid.
      if (stale === undefined || reply.status >= 500 || reply.status === 304)
        return fetched(entry, admitted, false, reply);
      return backend.deleteQuietly(plan.key).then(() => fetched(entry, admitted, false, reply));
    });
  }

  /** A 206 is kept as a part of its URL's representation (never as the whole): parts that then hold every byte become the whole. */
  #storePart(
    plan: RequestPlan,
    reply: OriginReply,
    headers: readonly HeaderPair[],
    body: Uint8Array,
  ): Fetched | Promise<Fetched> {
    const decision = this.#policy.storablePart(plan, facts(reply, headers));
    const part = this.#entry(plan, reply, headers, body, decision.ok ? decision : undefined);
    return this.#gate(part, decision, (admitted) => {
      let written: Promise<void> | undefined;
      if (typeof admitted !== 'string') {
        this.#log('stored a part', plan, { range: part.headers.get('content-range') });
        written = this.#backend.savePart(admitted, plan.key);
      } else this.#notStored(plan, part.url, admitted);
      // A part is never another caller's answer.
      return { ...fetched(part, undefined, false, reply, written), shareable: false };
    });
  }

  /** A streamed response goes to the caller as it arrives; its copy is stored if it ends complete. */
  async #streamed<R>(
    plan: RequestPlan,
    stale: CachedResponse | undefined,
    origin: Origin<R>,
    report: Report,
  ): Promise<Answer<R>> {
    let reply: OriginReply;
    try {
      reply = await origin.send(plan, { headers: undefined, background: false });
    } catch (error) {
      const served = this.#staleIfError<R>(plan, stale, origin.failed(error), report);
      if (served !== undefined) return served;
      throw error;
    }
    report('miss');
    void Promise.resolve(reply.body)
      .then((body) => {
        if (body instanceof Uint8Array) return this.#store(plan, reply, body, stale);
        this.#notStored(plan, this.#shown(plan.url), body);
        return undefined;
      })
      .catch((error: unknown) =>
        this.#backend.emit('store-error', () => ({ operation: 'write', error, key: plan.key })),
      );
    return { kind: 'stream', reply, now: this.#backend.clock() };
  }

  /** After another process's flight ended: its stored answer, if it is fresh for this request. */
  async #storedByAnother(plan: RequestPlan, asked: number): Promise<Fetched | undefined> {
    const entry = this.#policy.choose(await this.#backend.lookup(plan.key), plan);
    if (entry === undefined) return undefined;
    // Fresh for this request — or received from the origin after this request asked (epoch ms,
    // `asked`): what it would have fetched itself, as a caller joining a flight in this process
    // gets (a refresh, a no-cache request are answered by it too).
    const usable = entry.responseTime > asked || this.#policy.use(entry, plan, this.#backend.clock()) === 'fresh';
    return usable ? { entry, shareable: true, revalidated: false, fromStore: true, native: undefined } : undefined;
  }

  /**
   * RFC 5861 §3: serve the stale response now, refresh it once behind the caller's back — once
   * in this process, and with a shared store once for all of them (the lease holder's).
   */
  #refreshInBackground<R>(plan: RequestPlan, stale: CachedResponse, origin: Origin<R>): void {
    const asked = this.#backend.clock();
    this.#flights.refresh(
      plan,
      (signal) =>
        this.#fetch(plan, stale, origin, signal, true).catch((error: unknown) => {
          this.#log('background refresh failed', plan, { error });
          throw error;
        }),
      () => this.#storedByAnother(plan, asked),
    );
  }

  /**
   * RFC 5861 §4: when the origin `failed` (an error, or a 5xx), the stale response as the
   * answer if it allows serving stale on error now; undefined otherwise.
   */
  #staleIfError<R>(
    plan: RequestPlan,
    stale: CachedResponse | undefined,
    failed: boolean,
    report: Report,
  ): Answer<R> | undefined {
    if (!failed || stale === undefined || !this.#policy.staleOnError(stale, plan, this.#backend.clock()))
      return undefined;
    report('stale', 'stale-if-error');
    this.#backend.emit('stale', () => ({
      key: plan.key,
      url: stale.url,
      method: plan.method,
      reason: 'stale-if-error',
    }));
    this.#log('origin failed: served stale (stale-if-error)', plan);
    return this.#cached(stale, this.#backend.clock());
  }

  /** A stored response as the answer; to the caller's own conditional request, a 304 when its condition holds. */
  #cached<R>(entry: CachedResponse, now: number, native?: unknown, plan?: RequestPlan): Answer<R> {
    const age = Math.floor(this.#policy.age(entry, now) / 1000);
    if (plan?.conditional === true && this.#policy.notModified(entry, plan)) {
      this.#log('answered the caller’s conditional request: 304', plan);
      return { kind: 'not-modified', entry, headers: this.#policy.notModifiedHeaders(entry), age, now };
    }
    return { kind: 'entry', entry, fromCache: true, age, now, native };
  }

  /** The entry for a response: URLs, history and request headers with nothing secret in clear. */
  #entry(
    plan: RequestPlan,
    reply: OriginReply,
    headers: readonly HeaderPair[],
    body: Uint8Array,
    decision: { expires: number | null; policy: CachedResponse['policy']; vary: CachedResponse['vary'] } | undefined,
  ): CachedResponse {
    const ignored = this.#backend.settings.ignoredParams;
    const url = this.#shown(plan.url);
    const history = reply.history.map((hop) => ({
      method: hop.method,
      url: redactUrl(hop.url, ignored),
      status: hop.status,
    }));
    return new CachedResponse({
      method: plan.method,
      url,
      finalUrl: reply.finalUrl === undefined ? url : redactUrl(reply.finalUrl, ignored),
      status: reply.status,
      statusText: reply.statusText,
      headers,
      body,
      createdAt: reply.responseTime,
      expires: decision === undefined ? reply.responseTime : decision.expires,
      history,
      requestHeaders: redactHeaders(plan.headers, ignored),
      requestTime: reply.requestTime,
      responseTime: reply.responseTime,
      policy: decision?.policy,
      vary: decision?.vary,
      tags: withUrlTag(tagsOf(plan.tags, headers, this.#backend.settings.tagHeaders), this.#backend.urlTagOf(plan)),
      aliases: this.#backend.aliasKeys(plan, reply.history),
    });
  }

  /**
   * `then` with what becomes of `entry`: the policy's reason when its decision refused it, else
   * {@link #admit}'s answer. At once when nothing on the way waits (no filterFn promise, no tags).
   */
  #gate<T>(
    entry: CachedResponse,
    decision: { ok: true } | { ok: false; reason: NotStoredReason },
    then: (admitted: CachedResponse | NotStoredReason) => T | Promise<T>,
  ): T | Promise<T> {
    const admitted = decision.ok ? this.#admit(entry) : decision.reason;
    return admitted instanceof Promise ? admitted.then(then) : then(admitted);
  }

  /** The write gate, then the versions of the entry's tags: `entry` as it is stored, or why it is not. */
  #admit(entry: CachedResponse): CachedResponse | NotStoredReason | Promise<CachedResponse | NotStoredReason> {
    const versioned = (refused: NotStoredReason | undefined) =>
      refused !== undefined ? refused : entry.tags.length === 0 ? entry : this.#backend.versioned(entry);
    const refused = this.#backend.admit(entry);
    return refused instanceof Promise ? refused.then(versioned) : versioned(refused);
  }

  #notStored(plan: RequestPlan, url: string, reason: NotStoredReason): void {
    this.#backend.emit('not-stored', () => ({ key: plan.key, url, method: plan.method, reason }));
    this.#log(`not stored: ${reason}`, plan, { reason });
  }

  /**
   * A normalised URL (no user info) as it is stored and as events, logs and the diagnostics
   * channel show it: `ignoredParams` values redacted.
   */
  #shown(url: string): string {
    const ignored = this.#backend.settings.ignoredParams;
    return ignored.length === 0 ? url : redactUrl(url, ignored);
  }

  #log(message: string, plan: RequestPlan, details?: Record<string, unknown>): void {
    const debug = this.#backend.settings.debug;
    if (debug === undefined) return;
    try {
      debug(message, { method: plan.method, url: this.#shown(plan.url), key: plan.key, ...details });
    } catch {
      // a faulty logger must not fail a request
    }
  }
}

/** What a flight's fetch made of its reply: `refused` is why `entry` was not stored, if it was not. */
function fetched(
  entry: CachedResponse,
  refused: NotStoredReason | undefined,
  revalidated: boolean,
  reply: OriginReply,
  written?: Promise<void>,
): Fetched {
  return {
    entry,
    shareable: refused === undefined || SHAREABLE_REASONS.has(refused),
    revalidated,
    fromStore: false,
    native: reply.native,
    written,
  };
}

/** `tags`, and `urlTag` after them when there is one (it is not one of the request's tags: no limit applies). */
function withUrlTag(tags: readonly string[], urlTag: string | undefined): readonly string[] {
  return urlTag === undefined || tags.includes(urlTag) ? tags : [...tags, urlTag];
}

function facts(reply: OriginReply, headers: readonly HeaderPair[] = reply.headers): ResponseFacts {
  return {
    status: reply.status,
    headers,
    requestTime: reply.requestTime,
    responseTime: reply.responseTime,
  };
}
