/**
 * The backend: storage of responses and redirect aliases over two stores, their keys, the
 * write-behind, events and counts, and the seed's API (`request`, `getResponse`,
 * `saveResponse`, `deleteUrl`…). What to decide about a request is the plan's
 * (request-plan.ts), every HTTP rule the policy's (http-policy.ts), and the order of things
 * the flow's (flow.ts); the backend builds the three and hands the flow a private view of
 * its storage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { baseCacheOptionsOf, checkSecretKeyOption, DEFAULT_SALT, NOT_NOW, type BaseCache } from './base-cache.js';
import { withSerializedQuery } from './axios-uri.js';
import { CacheActions } from './cache-actions.js';
import {
  CachedResponse,
  CachedVariants,
  responsesIn,
  useClock,
  type RedirectHop,
  type StoredResponse,
} from './cached-response.js';
import { DictCache } from './dict-cache.js';
import { CacheSerializationError, CacheVersionError, invalidOption } from './errors.js';
import { CacheEvents, type CacheEventListener, type CacheEventName } from './events.js';
import { CacheFlow, type FlowStore } from './flow.js';
import { HttpPolicy } from './http-policy.js';
import type { MissLock } from './miss-lock.js';
import {
  BACKEND_OPTION_NAMES,
  checkOptionNames,
  resolveSettings,
  type CacheBackendOptions,
  type CacheSettings,
} from './options.js';
import type { NotStoredReason } from './reasons.js';
import { isThenable } from './guards.js';
import { Planner, type PlanInput, type RequestPlan } from './request-plan.js';
import { checkTags, invalidatedSince, isLive, LocalTags, type TagStore } from './tags.js';

const BACKEND_BRAND = Symbol.for('axios-client-cache.backend');
/** Where the axios glue finds a backend's engine (any copy of this package: a global symbol, not in the types). */
const ENGINE = Symbol.for('axios-client-cache.engine');

/** Counters kept by a backend; see {@link CacheBackend.stats}. */
export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  revalidated: number;
  stored: number;
  notStored: number;
  storeErrors: number;
  signatureInvalid: number;
  evicted: number;
  /** (hits + stale) / (hits + stale + misses), 0 when there were none. */
  hitRatio: number;
  /** Origin requests this process has in flight for the cache now (each shared by its identical requests). */
  inFlight: number;
  /** Responses stored, where the store knows (in-process stores), or with `stats({ scan: true })`. */
  entries?: number | undefined;
  /** Bytes they take, where the store counts them. */
  bytes?: number | undefined;
  /** False when a scan stopped at its limit (entries and bytes are then lower bounds). */
  complete?: boolean | undefined;
}

/** Options of {@link CacheBackend.stats} that walk the store. */
export interface StatsScanOptions {
  /** Walk the store to count what it holds (a Redis SCAN): costs a command per batch of keys. */
  scan: true;
  /**
   * Most keys counted.
   * @defaultValue 100000
   */
  limit?: number;
}

/** Options of {@link CacheBackend.deleteUrl} and {@link CacheBackend.hasUrl}: the request's other parts. */
export interface UrlRequestOptions
  extends Omit<PlanInput, 'method' | 'url' | 'expireAfter' | 'refresh' | 'clientCache'> {
  /** @defaultValue 'GET' */
  method?: string;
}

/** Per-request inputs of {@link CacheBackend.request}: the request's parts and its cache options. */
export interface RequestInfo extends Omit<PlanInput, 'method' | 'url'> {
  /** Expiry for this request only; beats urlsExpireAfter and the instance setting. */
  expireAfter?: PlanInput['expireAfter'];
  /** Revalidate with the origin before using a stored response. */
  refresh?: boolean;
}

/** What the axios glue needs of a backend. */
export interface Engine {
  readonly planner: Planner;
  readonly flow: CacheFlow;
  /** False inside `disabled()`. */
  readonly enabled: boolean;
}

/**
 * Higher-level cache operations over two stores: responses, and redirect aliases (the seed's
 * `CacheBackend`).
 */
export class CacheBackend {
  /** Resolved settings. */
  readonly settings: CacheSettings;
  /** Stored responses by key. */
  readonly responses: BaseCache<StoredResponse>;
  /** Redirect aliases: alias key → response key. */
  readonly redirects: BaseCache<string>;
  /** Cross-process single-flight, when the store offers one. */
  readonly lock: MissLock | undefined;
  /** Tag versions (see {@link invalidateTags}): in process memory unless a shared store supplies them. */
  readonly tags: TagStore;
  /** Clock for freshness. */
  readonly clock: () => number;
  readonly #events = new CacheEvents();
  readonly #planner: Planner;
  readonly #policy: HttpPolicy;
  readonly #flow: CacheFlow;
  /** Responses written but maybe not yet acknowledged by the store. */
  readonly #pending = new Map<string, StoredResponse>();
  /** Background writes in flight: `close()` lets them land first. */
  readonly #writing = new Set<Promise<void>>();
  readonly #disabled = new AsyncLocalStorage<boolean>();
  readonly #counts = {
    hits: 0,
    misses: 0,
    stale: 0,
    revalidated: 0,
    stored: 0,
    notStored: 0,
    storeErrors: 0,
    signatureInvalid: 0,
    evicted: 0,
  };
  #closed = false;

  constructor(options: CacheBackendOptions = {}) {
    // A subclass (a store package's backend) checks the names of its own options.
    if (new.target === CacheBackend && typeof options === 'object' && options !== null)
      checkOptionNames(options, BACKEND_OPTION_NAMES, 'CacheBackend');
    this.settings = resolveSettings(options, options?.shared ?? false);
    // A secretKey that is present must be a secret: an unset environment variable is an error, not "unsigned".
    const secretKey = checkSecretKeyOption(options);
    const { salt, clock = Date.now } = options;
    const storeOptions = baseCacheOptionsOf(options);
    this.clock = clock;
    this.responses = options.responses ?? new DictCache<StoredResponse>(storeOptions);
    this.redirects = options.redirects ?? new DictCache<string>(storeOptions);
    this.lock = options.lock;
    this.tags = options.tags ?? new LocalTags(clock);
    // Credentials enter keys and stored Vary values as an HMAC: keyed by the secret when there is one.
    const secret = credentialSecret(secretKey, salt);
    const protect = (value: string) => createHmac('sha256', secret).update(value).digest('hex');
    this.#planner = new Planner(this.settings, protect);
    this.#policy = new HttpPolicy(this.settings, protect);
    this.#flow = new CacheFlow(this.#flowStore(), this.#policy);
    for (const store of new Set<BaseCache<unknown>>([this.responses, this.redirects])) {
      store.on('evicted', (e) => this.#emit('evicted', e));
      store.on('store-error', (e) => this.#emit('store-error', e));
    }
    const backend = this;
    const engine: Engine = {
      planner: this.#planner,
      flow: this.#flow,
      get enabled() {
        return backend.enabled;
      },
    };
    Object.defineProperty(this, ENGINE, { value: engine });
  }

  /**
   * True for a backend made by any copy of this package (an ESM and a CJS one side by side),
   * so attachCache accepts it whichever copy made it. Subclasses keep ordinary instanceof.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== CacheBackend) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === 'object' && value !== null && (value as { [BACKEND_BRAND]?: unknown })[BACKEND_BRAND] === true
    );
  }

  /** The namespace of this cache. */
  get cacheName(): string {
    return this.settings.cacheName;
  }

  /** Listens to an event; returns a function that removes the listener. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Counts since creation, the hit ratio, the origin requests in flight and, where the store
   * knows without looking (in-process stores), the entries and bytes it holds. With
   * `{ scan: true }` the store is walked for them (bounded by `limit`).
   */
  stats(): CacheStats;
  stats(options: StatsScanOptions): Promise<CacheStats>;
  stats(options?: StatsScanOptions): CacheStats | Promise<CacheStats> {
    const c = this.#counts;
    const seen = c.hits + c.stale + c.misses;
    const counts = { ...c, hitRatio: seen === 0 ? 0 : (c.hits + c.stale) / seen, inFlight: this.#flow.inFlight };
    if (options?.scan === true) {
      const limit = options.limit ?? 100_000;
      if (!Number.isSafeInteger(limit) || limit <= 0) invalidOption('stats limit', limit, 'a positive integer');
      return this.responses.measure(limit).then((usage) => ({ ...counts, ...usage }));
    }
    const usage = this.responses.usage();
    return usage === undefined ? counts : { ...counts, ...usage };
  }

  /** Counts `event` and raises it, building its payload only when somebody listens. */
  #emit<E extends CacheEventName>(
    event: E,
    payload: Parameters<CacheEventListener<E>>[0] | (() => Parameters<CacheEventListener<E>>[0]),
  ): void {
    const c = this.#counts;
    switch (event) {
      case 'hit':
        c.hits++;
        break;
      case 'miss':
        c.misses++;
        break;
      case 'stale':
        c.stale++;
        break;
      case 'revalidated':
        c.revalidated++;
        break;
      case 'stored':
        c.stored++;
        break;
      case 'not-stored':
        c.notStored++;
        break;
      case 'store-error':
        c.storeErrors++;
        break;
      case 'signature-invalid':
        c.signatureInvalid++;
        break;
      case 'evicted':
        c.evicted++;
        break;
    }
    if (this.#events.has(event)) this.#events.emit(event, typeof payload === 'function' ? payload() : payload);
  }

  /** True unless the cache is turned off for the current async context by {@link disabled}. */
  get enabled(): boolean {
    return this.#disabled.getStore() !== true;
  }

  /** Runs `fn` with the cache off for its async context only. */
  disabled<T>(fn: () => T): T {
    return this.#disabled.run(true, fn);
  }

  /**
   * The cache key of a request: sha256 over its canonical encoding, with its credentials
   * (under `credentials: 'isolate'`) as an HMAC. The same key the cache uses for that request.
   */
  createKey(method: string, url: string, request: Omit<PlanInput, 'method' | 'url'> = {}): string {
    return this.#planner.keyOf(withSerializedQuery({ ...request, method, url }));
  }

  /**
   * The seed's `request()`: the stored response for a request, if it may be served now without
   * asking the origin, and the actions decided for it (made by the same plan and policy as an
   * axios request's).
   */
  async request(
    method: string,
    url: string,
    options: RequestInfo = {},
  ): Promise<[CachedResponse | undefined, CacheActions]> {
    const plan = this.#planner.plan(withSerializedQuery({ ...options, method, url }), !this.enabled);
    const actions = new CacheActions(plan);
    if (plan.bypass !== undefined) return [undefined, actions];
    const found = this.#policy.choose(await this.#live(await this.#lookup(plan.key)), plan);
    if (found === undefined) return [undefined, actions];
    // As the axios path answers without the origin: fresh, or stale as the request allows (max-stale).
    const use = this.#policy.use(found, plan, this.clock());
    return use === 'fresh' || use === 'stale-ok' ? [found, actions] : [undefined, actions];
  }

  /**
   * The response under `key`, or under the alias `redirects[key]` (of a URL's variants, the
   * newest). An unreadable entry is deleted and a miss; so is one that is no longer cacheable
   * (expired, filtered, status or method no longer allowed).
   */
  async getResponse(key: string): Promise<CachedResponse | undefined> {
    const [read, storedKey] = await this.#lookupWithKey(key);
    const stored = await this.#live(read);
    if (stored === undefined) return undefined;
    const found = stored instanceof CachedVariants ? stored.newest : stored;
    if (!(await this.isCacheable(found))) {
      await this.#deleteQuietly(storedKey);
      return undefined;
    }
    return found;
  }

  /** The entry under `key` or its alias, stale or not; see {@link #lookupWithKey}. */
  #lookup(key: string): Promise<StoredResponse | undefined> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return Promise.resolve(pending);
    let read: Promise<StoredResponse | undefined>;
    try {
      // Promise.resolve returns a native promise as it is: no extra step for a proper store.
      read = Promise.resolve(this.responses.read(key));
    } catch (error) {
      read = Promise.reject(error);
    }
    // One step on the hit path; everything else (errors, corrupt items, aliases) off it.
    return read.then(
      (item) => (isStored(item) ? this.#handOut(item) : this.#lookupSlow(key, item).then(([entry]) => entry)),
      (error: unknown) =>
        this.#readFailed(this.responses, key, error)
          .then(() => this.#lookupAlias(key))
          .then(([entry]) => entry),
    );
  }

  /**
   * The entry under `key` (or its alias) at once, when the stores can tell without waiting
   * (in-process stores); {@link NOT_NOW} otherwise, and for anything unusual (an error, an item
   * that is not a response), which the asynchronous lookup then handles.
   */
  #peek(key: string): StoredResponse | undefined | typeof NOT_NOW {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    try {
      const item: unknown = this.responses.peek(key);
      if (isStored(item)) return this.#handOut(item);
      if (item !== undefined) return NOT_NOW;
      const alias: unknown = this.redirects.peek(key);
      if (alias === undefined) return undefined;
      if (typeof alias !== 'string') return NOT_NOW;
      const aliased: unknown = this.responses.peek(alias);
      return isStored(aliased) ? this.#handOut(aliased) : NOT_NOW;
    } catch {
      return NOT_NOW;
    }
  }

  /**
   * `stored` without the responses a tag invalidation has made misses: at once when the tag
   * store can tell without waiting, else a promise. A tag store that fails makes them misses.
   */
  #live(stored: StoredResponse | undefined): StoredResponse | undefined | Promise<StoredResponse | undefined> {
    const now = this.#liveNow(stored);
    if (now !== NOT_NOW) return now;
    const tags = tagsIn(stored as StoredResponse);
    return this.tags.read(tags).then(
      (versions) => keepLive(stored as StoredResponse, tags, versions),
      (error: unknown) => {
        this.#emit('store-error', { operation: 'tags', error });
        return undefined;
      },
    );
  }

  /** {@link #live} when the tag store can tell at once; {@link NOT_NOW} when it cannot. */
  #liveNow(stored: StoredResponse | undefined): StoredResponse | undefined | typeof NOT_NOW {
    if (stored === undefined || !hasTags(stored)) return stored;
    const tags = tagsIn(stored);
    let versions: ReturnType<TagStore['peek']>;
    try {
      versions = this.tags.peek(tags);
    } catch {
      return NOT_NOW;
    }
    return versions === NOT_NOW ? NOT_NOW : keepLive(stored, tags, versions);
  }

  /** `entry` with the current versions of its tags, or why it is not stored (see tags.ts). */
  async #versioned(entry: CachedResponse): Promise<CachedResponse | NotStoredReason> {
    if (entry.tags.length === 0) return entry;
    let versions: readonly string[];
    try {
      versions = await this.tags.current(entry.tags, this.#policy.retainUntil(entry));
    } catch (error) {
      this.#emit('store-error', { operation: 'tags', error });
      return 'tag-store';
    }
    if (versions.length !== entry.tags.length) return 'tag-store';
    // Invalidated after the request left: the response may predate the change.
    if (invalidatedSince(versions, entry.requestTime)) return 'tag-invalidated';
    return entry.with({ tagVersions: versions });
  }

  /**
   * Makes every stored response with one of `tags` a miss, in every process that shares the
   * tag store (for RedisBackend: every process on the same Redis and `cacheName`): one write
   * per tag, whatever the number of entries; the entries themselves go when they expire.
   * Rejects when the tag store fails (the invalidation may not have happened).
   * @throws CacheConfigError for tags that are not non-empty strings.
   */
  async invalidateTags(tags: string | readonly string[]): Promise<void> {
    const list = checkTags('tags', typeof tags === 'string' ? [tags] : tags);
    if (list.length === 0) return;
    await this.tags.invalidate([...new Set(list)]);
    try {
      this.settings.debug?.('tags invalidated', { cacheName: this.cacheName, tags: list });
    } catch {
      // a faulty logger must not fail the invalidation
    }
  }

  #handOut<S extends StoredResponse>(stored: S): S {
    if (this.clock !== Date.now) {
      if (stored instanceof CachedResponse) useClock(stored, this.clock);
      else for (const variant of stored.variants) useClock(variant, this.clock);
    }
    return stored;
  }

  /**
   * The entry under `key` or its alias, stale or not, with the key it is stored under. Fails
   * open: a store error is an event and a miss; an unreadable entry (or one that is not a
   * response at all) is deleted, raises `signature-invalid`, and is a miss.
   */
  async #lookupWithKey(key: string): Promise<[StoredResponse | undefined, string]> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return [pending, key];
    let item: unknown;
    try {
      item = await this.responses.read(key);
    } catch (error) {
      await this.#readFailed(this.responses, key, error);
      return this.#lookupAlias(key);
    }
    if (isStored(item)) return [this.#handOut(item), key];
    return this.#lookupSlow(key, item);
  }

  #lookupSlow(key: string, item: unknown): Promise<[StoredResponse | undefined, string]> {
    if (item !== undefined) {
      return this.#unreadable(
        this.responses,
        key,
        new CacheSerializationError(`Stored entry ${key} is not a response`),
      ).then(() => this.#lookupAlias(key));
    }
    return this.#lookupAlias(key);
  }

  #lookupAlias(key: string): Promise<[StoredResponse | undefined, string]> {
    return this.#read(this.redirects, key).then((alias) => {
      if (typeof alias !== 'string') return [undefined, key];
      return this.#readResponse(alias).then((aliased): [StoredResponse | undefined, string] => [
        aliased === undefined ? undefined : this.#handOut(aliased),
        alias,
      ]);
    });
  }

  #readResponse(key: string): Promise<StoredResponse | undefined> {
    return this.#read(this.responses, key).then((item) => {
      if (item === undefined || isStored(item)) return item;
      return this.#unreadable(
        this.responses,
        key,
        new CacheSerializationError(`Stored entry ${key} is not a response`),
      );
    });
  }

  #read<T>(store: BaseCache<T>, key: string): Promise<T | undefined> {
    let read: Promise<T | undefined>;
    try {
      read = Promise.resolve(store.read(key));
    } catch (error) {
      read = Promise.reject(error);
    }
    return read.then(undefined, (error: unknown) => this.#readFailed(store, key, error));
  }

  #readFailed(store: BaseCache<unknown>, key: string, error: unknown): Promise<undefined> {
    if (error instanceof CacheVersionError) return Promise.resolve(undefined);
    if (error instanceof CacheSerializationError) return this.#unreadable(store, key, error);
    this.#emit('store-error', { operation: 'read', error, key });
    return Promise.resolve(undefined);
  }

  async #unreadable(store: BaseCache<unknown>, key: string, error: unknown): Promise<undefined> {
    this.#emit('signature-invalid', { key, error });
    await store.delete(key).catch((e: unknown) => this.#emit('store-error', { operation: 'delete', error: e, key }));
    return undefined;
  }

  /**
   * Writes `response` under `cacheKey` (default: its method and URL) and its redirect aliases
   * (those it lists, or one per GET/HEAD hop of its history). `expires` (a Date or epoch ms)
   * overrides the response's own. A response with tags gets their current versions (and is not
   * stored, a `not-stored` event, when one was invalidated after its `requestTime`).
   */
  async saveResponse(response: CachedResponse, cacheKey?: string, expires?: Date | number | null): Promise<void> {
    const key = cacheKey ?? this.createKey(response.method, response.url);
    let entry =
      expires === undefined
        ? response
        : response.with({ expires: expires instanceof Date ? expires.getTime() : expires });
    if (entry.aliases.length === 0 && entry.history.length > 0)
      entry = entry.with({ aliases: this.#hopKeys(undefined, entry.history) });
    if (entry.tags.length > 0) {
      const versioned = await this.#versioned(entry);
      if (typeof versioned === 'string') {
        this.#emit('not-stored', { key, url: entry.url, method: entry.method, reason: versioned });
        return;
      }
      entry = versioned;
    }
    await this.#write(key, entry);
    this.#emit('stored', { key, url: entry.url, method: entry.method, expires: entry.expires });
  }

  /** Writes `stored` under `key`, with the aliases of every response in it, kept as long as the longest-kept one. */
  async #write(key: string, stored: StoredResponse): Promise<void> {
    const responses = responsesIn(stored);
    let retain: number | null = -Infinity;
    for (const response of responses) {
      const until = this.#policy.retainUntil(response);
      retain = retain === null || until === null ? null : Math.max(retain, until);
    }
    await this.responses.write(key, stored, { expiresAt: retain });
    if (responses.every((r) => r.aliases.length === 0)) return;
    const aliases = new Set(responses.flatMap((r) => r.aliases));
    aliases.delete(key);
    await Promise.all([...aliases].map((alias) => this.redirects.write(alias, key, { expiresAt: retain })));
  }

  /**
   * Saves in the background: readers in this process see the entry at once; a failure is an
   * event. A response with `Vary` joins the variants stored for its URL (replacing the one for
   * the same selecting headers; past `maxVariants`, the oldest goes).
   */
  #save(entry: CachedResponse, key: string): Promise<void> {
    if (entry.vary.length === 0) return this.#saveItem(key, entry, entry);
    return this.#current(key).then((stored) => this.#saveItem(key, this.#withVariant(stored, entry), entry));
  }

  /**
   * Saves a part (a 206) with the other parts of its representation under `key`, or the whole
   * they make once they hold every byte. Where a whole response is stored, a part adds nothing.
   */
  #savePart(part: CachedResponse, key: string): Promise<void> {
    return this.#current(key).then((stored) => {
      const all = responsesIn(stored);
      if (all.some((r) => r.status !== 206)) return undefined;
      const made = this.#policy.withPart(stored, part, this.settings.maxVariants);
      const item = made instanceof CachedResponse ? made : made.length === 1 ? made[0]! : new CachedVariants(made);
      return this.#saveItem(key, item, item instanceof CachedResponse ? item : part);
    });
  }

  /** What is stored under `key` now: this process's pending write, else the store's. */
  #current(key: string): Promise<StoredResponse | undefined> {
    const pending = this.#pending.get(key);
    return pending !== undefined ? Promise.resolve(pending) : this.#readResponse(key);
  }

  /** Writes `stored` in the background (`entry` is the response it was made for, for the event). */
  #saveItem(key: string, stored: StoredResponse, entry: CachedResponse): Promise<void> {
    this.#pending.set(key, stored);
    const written = this.#write(key, stored).then(
      () => {
        if (this.#pending.get(key) === stored) this.#pending.delete(key);
        this.#emit('stored', () => ({ key, url: entry.url, method: entry.method, expires: entry.expires }));
      },
      (error: unknown) => {
        if (this.#pending.get(key) === stored) this.#pending.delete(key);
        this.#emit('store-error', { operation: 'write', error, key });
      },
    );
    this.#writing.add(written);
    void written.finally(() => this.#writing.delete(written));
    return written;
  }

  /** `stored` with `entry` as its newest variant. */
  #withVariant(stored: StoredResponse | undefined, entry: CachedResponse): StoredResponse {
    const others = responsesIn(stored).filter((v) => v.vary.length > 0 && !sameSelection(v, entry));
    const kept = others.slice(Math.max(0, others.length - (this.settings.maxVariants - 1)));
    const max = this.responses.maxEntryBytes;
    // A bounded store takes what fits: older variants go first.
    while (kept.length > 0 && max !== undefined && kept.reduce((n, v) => n + v.byteSize, entry.byteSize) > max)
      kept.shift();
    return kept.length === 0 ? entry : new CachedVariants([...kept, entry]);
  }

  /**
   * Epoch ms until which the store keeps `response`: its freshness plus every stale window
   * (and a validator's revalidation window); `null` until deleted or evicted.
   */
  retainUntil(response: CachedResponse): number | null {
    return this.#policy.retainUntil(response);
  }

  /**
   * False when the response is expired (past its freshness: the seed's contract, although the
   * store keeps it longer for revalidation and stale answers), the cache is disabled, the method
   * or status is not allowed, `filterFn` rejects it, or the actions skip the cache.
   */
  async isCacheable(response: CachedResponse, actions?: CacheActions): Promise<boolean> {
    if (response.isExpiredAt(this.clock())) return false;
    if (!this.settings.allowedMethods.has(response.method.toUpperCase())) return false;
    if (!this.#policy.statusAllowed(response.status, response.headers.pairs())) return false;
    if (actions?.skip === true) return false;
    return (await this.#admit(response)) === undefined;
  }

  /**
   * The write gate every response passes, a new one or one freshened by a 304: why it is not
   * written, or undefined. At once, unless a `filterFn` answers with a promise.
   */
  #admit(response: CachedResponse): NotStoredReason | undefined | Promise<NotStoredReason | undefined> {
    if (!this.enabled || this.#closed) return 'closed';
    const max = this.responses.maxEntryBytes;
    if (max !== undefined && response.byteSize > max) return 'too-large';
    const retain = this.#policy.retainUntil(response);
    if (retain !== null && retain <= this.clock()) return 'stale';
    const filterFn = this.settings.filterFn;
    if (filterFn === undefined) return undefined;
    // A throwing filter keeps the response out of the cache; the request goes on.
    const refuse = (error: unknown): NotStoredReason => {
      this.#emit('store-error', { operation: 'filterFn', error });
      return 'filter';
    };
    try {
      const verdict: unknown = filterFn(response);
      if (!isThenable(verdict)) return verdict ? undefined : 'filter';
      return Promise.resolve(verdict).then((ok) => (ok ? undefined : 'filter'), refuse);
    } catch (error) {
      return refuse(error);
    }
  }

  /** Deletes a response (every variant of its URL), the alias `key`, and every alias written with them. */
  async delete(key: string): Promise<void> {
    this.#pending.delete(key);
    let responseKey = key;
    const alias = await this.#read(this.redirects, key);
    if (typeof alias === 'string') responseKey = alias;
    const stored = await this.#readResponse(responseKey);
    const responses = responsesIn(stored);
    const aliases = new Set([key, ...responses.flatMap((r) => r.aliases)]);
    aliases.delete(responseKey);
    this.#pending.delete(responseKey);
    await this.responses.delete(responseKey);
    await this.redirects.bulkDelete(aliases);
  }

  #deleteQuietly(key: string): Promise<void> {
    return this.delete(key).catch((error: unknown) => this.#emit('store-error', { operation: 'delete', error, key }));
  }

  /**
   * Alias keys of a response's redirect hops: one per GET or HEAD hop, keyed like the request
   * (its credentials and wire options). None with `includeHeaders` (the request's headers
   * could not be carried over) or a `Host`/`socketPath` (a hop may go elsewhere).
   */
  #hopKeys(plan: RequestPlan | undefined, history: readonly RedirectHop[]): string[] {
    if (history.length === 0 || this.settings.includeHeaders !== false) return [];
    if (plan?.extras?.host !== undefined || plan?.extras?.socketPath !== undefined) return [];
    const keys = new Set<string>();
    for (const hop of history) {
      const method = hop.method.toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') continue;
      try {
        keys.add(plan === undefined ? this.createKey(method, hop.url) : this.#planner.keyLike(plan, method, hop.url));
      } catch {
        // not an absolute URL: nothing can be looked up under it
      }
    }
    if (plan !== undefined) keys.delete(plan.key);
    return [...keys];
  }

  /** Deletes several keys (and their aliases); missing keys are no error. */
  async bulkDelete(keys: Iterable<string>): Promise<void> {
    for (const key of keys) await this.delete(key);
  }

  /** Deletes every response and alias of this cache. */
  async clear(): Promise<void> {
    this.#pending.clear();
    await this.responses.clear();
    if (this.redirects !== (this.responses as unknown)) await this.redirects.clear();
  }

  /** Closes the stores. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Writes already started land first (each bounded by its store's deadline), so a process
    // that closes right after a miss keeps the response it fetched for the others.
    await Promise.allSettled([...this.#writing]);
    await this.responses.close();
    if (this.redirects !== (this.responses as unknown)) await this.redirects.close();
  }

  /** Closes the stores if `autoclose` is set. */
  async closeIfEnabled(): Promise<void> {
    if (this.settings.autoclose) await this.close();
  }

  /** Deletes the response stored for a request to `url` (its credentials, if any, as the request sends them). */
  async deleteUrl(url: string, options: UrlRequestOptions = {}): Promise<void> {
    const { method = 'GET', ...request } = options;
    await this.delete(this.createKey(method, url, request));
  }

  /** True when a response is stored for a request to `url`. */
  async hasUrl(url: string, options: UrlRequestOptions = {}): Promise<boolean> {
    const { method = 'GET', ...request } = options;
    const [found] = await this.#lookupWithKey(this.createKey(method, url, request));
    return found !== undefined;
  }

  /** The final URLs of the stored responses (of a URL's variants, each different one). */
  async *getUrls(): AsyncIterable<string> {
    for await (const stored of this.responses.values()) {
      if (stored instanceof CachedResponse) yield stored.finalUrl;
      else if (stored instanceof CachedVariants) yield* new Set(stored.variants.map((v) => v.finalUrl));
    }
  }

  /**
   * Deletes expired responses (past their freshness, also those the store still keeps for
   * revalidation or stale answers), those `filterFn` rejects (awaiting an async one), unreadable
   * ones, and aliases left pointing nowhere.
   */
  async deleteExpiredResponses(): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.responses.keys()) keys.push(key);
    for (const key of keys) {
      const stored = await this.#readResponse(key);
      if (stored === undefined) {
        await this.delete(key);
        continue;
      }
      const responses = responsesIn(stored);
      const kept: CachedResponse[] = [];
      for (const response of responses) if (await this.isCacheable(response)) kept.push(response);
      if (kept.length === 0) await this.delete(key);
      else if (kept.length < responses.length)
        await this.#write(key, kept.length === 1 ? kept[0]! : new CachedVariants(kept));
    }
    const aliases: string[] = [];
    for await (const key of this.redirects.keys()) aliases.push(key);
    for (const alias of aliases) {
      const target = await this.#read(this.redirects, alias);
      if (typeof target !== 'string' || !(await this.responses.contains(target))) await this.redirects.delete(alias);
    }
  }

  /**
   * RFC 9111 §4.4: deletes the GET and HEAD responses stored for `urls`, as requested without
   * credentials and with `plan`'s, and gives each URL's tag a new version, so that what was
   * stored for other credentials, headers or wire options (whose keys cannot be made here) is a
   * miss too, in every process sharing the tag store. Awaited, so a GET sent after the unsafe
   * request resolved never sees the old entry; a store failure is an event only.
   */
  async #invalidateUrls(urls: readonly string[], plan: RequestPlan): Promise<void> {
    const keys = new Set<string>();
    const tags = new Set<string>();
    for (const url of urls) {
      try {
        tags.add(this.#planner.urlTag(plan, url));
        for (const method of ['GET', 'HEAD']) {
          keys.add(this.createKey(method, url));
          keys.add(this.#planner.keyLike(plan, method, url));
        }
      } catch {
        // a URL that cannot be keyed has nothing stored
      }
    }
    await Promise.all([
      this.bulkDelete(keys).catch((error: unknown) => this.#emit('store-error', { operation: 'delete', error })),
      tags.size === 0
        ? undefined
        : this.tags
            .invalidate([...tags])
            .catch((error: unknown) => this.#emit('store-error', { operation: 'tags', error })),
    ]);
  }

  /** The flow's private view of this backend. */
  #flowStore(): FlowStore {
    return {
      settings: this.settings,
      cacheName: this.settings.cacheName,
      lock: this.lock,
      clock: this.clock,
      lookup: (key) => this.#lookup(key).then((stored) => this.#live(stored)),
      peek: (key) => {
        const stored = this.#peek(key);
        return stored === NOT_NOW ? NOT_NOW : this.#live(stored);
      },
      admit: (entry) => this.#admit(entry),
      versioned: (entry) => this.#versioned(entry),
      save: (entry, key) => this.#save(entry, key),
      savePart: (part, key) => this.#savePart(part, key),
      deleteQuietly: (key) => this.#deleteQuietly(key),
      invalidateUrls: (urls, plan) => this.#invalidateUrls(urls, plan),
      aliasKeys: (plan, history) => this.#hopKeys(plan, history),
      keyOf: (plan, method, url) => this.#planner.keyLike(plan, method, url),
      urlTagOf: (plan) => this.#planner.urlTagOf(plan),
      emit: (event, payload) => this.#emit(event, payload),
    };
  }
}

/** A response store's item: one response, or a URL's variants. */
function isStored(item: unknown): item is StoredResponse {
  return item instanceof CachedResponse || item instanceof CachedVariants;
}

/** True when a response in `stored` has tags. */
function hasTags(stored: StoredResponse): boolean {
  if (stored instanceof CachedResponse) return stored.tags.length > 0;
  return stored.variants.some((v) => v.tags.length > 0);
}

/** The tags of the responses in `stored`, each once. */
function tagsIn(stored: StoredResponse): readonly string[] {
  if (stored instanceof CachedResponse) return stored.tags;
  return [...new Set(stored.variants.flatMap((v) => v.tags))];
}

/** `stored` without its responses whose tags changed version (`versions`: of `tags`, in order). */
function keepLive(
  stored: StoredResponse,
  tags: readonly string[],
  versions: ReadonlyArray<string | undefined>,
): StoredResponse | undefined {
  if (stored instanceof CachedResponse) return isLive(stored, versions) ? stored : undefined;
  const byTag = new Map(tags.map((tag, i) => [tag, versions[i]]));
  const kept = stored.variants.filter(
    (v) =>
      v.tags.length === 0 ||
      isLive(
        v,
        v.tags.map((tag) => byTag.get(tag)),
      ),
  );
  if (kept.length === stored.variants.length) return stored;
  return kept.length === 0 ? undefined : new CachedVariants(kept);
}

/** True when two responses were stored for the same selecting request headers. */
function sameSelection(a: CachedResponse, b: CachedResponse): boolean {
  if (a.vary.length !== b.vary.length) return false;
  return a.vary.every(([name, value], i) => b.vary[i]?.[0] === name && b.vary[i]?.[1] === value);
}

/** The engine of a backend made by any copy of this package. */
export function engineOf(backend: CacheBackend): Engine {
  return (backend as unknown as { [ENGINE]: Engine })[ENGINE];
}

/** The secret credentials are keyed with: the signing secret (the last of a list), else the salt. */
function credentialSecret(
  secretKey: CacheBackendOptions['secretKey'],
  salt: CacheBackendOptions['salt'],
): string | Uint8Array {
  const last = Array.isArray(secretKey) ? secretKey[secretKey.length - 1] : secretKey;
  if (typeof last === 'string' || last instanceof Uint8Array) {
    if (last.length > 0) return last;
  }
  return salt ?? DEFAULT_SALT;
}

Object.defineProperty(CacheBackend.prototype, BACKEND_BRAND, { value: true });
