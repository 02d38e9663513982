import { AsyncLocalStorage } from 'node:async_hooks';
import type { BaseCache } from './base-cache.js';
import { CacheActions, type RequestInfo } from './cache-actions.js';
import { createKey, KeyMaker, matchTarget, type KeyRequestParts } from './cache-key.js';
import { CachedResponse } from './cached-response.js';
import { DictCache } from './dict-cache.js';
import { CacheSerializationError, CacheVersionError } from './errors.js';
import { CacheEvents, type CacheEventListener, type CacheEventName } from './events.js';
import { retainUntil, usability } from './freshness.js';
import type { MissLock } from './miss-lock.js';
import { resolveSettings, type CacheBackendOptions, type CacheSettings } from './options.js';

const BACKEND_BRAND = Symbol.for('axios-client-cache.backend');

/** Shortest and longest time a stale response with validators is kept for revalidation. */
const STALE_VALIDATOR_MIN_MS = 60_000;
const STALE_VALIDATOR_MAX_MS = 86_400_000;

/** Counters kept by a backend; see {@link CacheBackend.stats}. */
export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  revalidated: number;
  stored: number;
  storeErrors: number;
  signatureInvalid: number;
  evicted: number;
  /** hits / (hits + misses), 0 when there were none. */
  hitRatio: number;
}

/** Options of {@link CacheBackend.deleteUrl} and {@link CacheBackend.hasUrl}. */
export interface UrlRequestOptions extends Omit<KeyRequestParts, 'method' | 'url'> {
  /** @defaultValue 'GET' */
  method?: string;
}

/**
 * Higher-level cache operations over two stores: responses, and redirect aliases. Makes
 * keys, applies the expiry settings, and keeps redirect history; the axios side lives in
 * attach.ts, HTTP freshness in freshness.ts.
 */
export class CacheBackend {
  /** Resolved settings. */
  readonly settings: CacheSettings;
  /** Stored responses by key. */
  readonly responses: BaseCache<CachedResponse>;
  /** Redirect aliases: alias key → response key. */
  readonly redirects: BaseCache<string>;
  /** Cross-process single-flight, when the store offers one. */
  readonly lock: MissLock | undefined;
  /** Events: hit, miss, stale, revalidated, stored, store-error, signature-invalid, evicted. */
  readonly events = new CacheEvents();
  /** @internal the hot-path key maker (memoised). */
  readonly keyMaker: KeyMaker;
  /** Clock for freshness. */
  readonly clock: () => number;
  /** @internal responses written but maybe not yet acknowledged by the store. */
  readonly pending = new Map<string, CachedResponse>();
  /** @internal origin requests in flight, by key: entries leave when they settle. */
  readonly inflight = new Map<string, Promise<unknown>>();
  readonly #disabled = new AsyncLocalStorage<boolean>();
  readonly #counts = { hits: 0, misses: 0, stale: 0, revalidated: 0, stored: 0, storeErrors: 0, signatureInvalid: 0, evicted: 0 };
  #closed = false;

  constructor(options: CacheBackendOptions = {}) {
    const { secretKey, salt, serializer, clock = Date.now } = options;
    const storeOptions = { secretKey, salt, serializer, clock };
    this.settings = resolveSettings(options, options.shared ?? false);
    this.clock = clock;
    this.responses = options.responses ?? new DictCache<CachedResponse>(storeOptions);
    this.redirects = options.redirects ?? new DictCache<string>(storeOptions);
    this.lock = options.lock;
    this.keyMaker = new KeyMaker({ includeHeaders: this.settings.includeHeaders, ignoredParams: this.settings.ignoredParams });
    for (const store of new Set<BaseCache<unknown>>([this.responses, this.redirects])) {
      store.on('evicted', (e) => this.#emit('evicted', e));
      store.on('store-error', (e) => this.#emit('store-error', e));
    }
  }

  /**
   * True for a backend made by any copy of this package (an ESM and a CJS one side by side),
   * so attachCache accepts it whichever copy made it. Subclasses keep ordinary instanceof.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== CacheBackend) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BACKEND_BRAND]?: unknown })[BACKEND_BRAND] === true;
  }

  /** The namespace of this cache. */
  get cacheName(): string {
    return this.settings.cacheName;
  }

  /** Listens to an event; returns a function that removes the listener. */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** Counts since creation, and the hit ratio. */
  stats(): CacheStats {
    const c = this.#counts;
    const seen = c.hits + c.misses;
    return { ...c, hitRatio: seen === 0 ? 0 : c.hits / seen };
  }

  /** @internal counts and raises an event. */
  emitEvent<E extends CacheEventName>(event: E, payload: Parameters<CacheEventListener<E>>[0]): void {
    this.#emit(event, payload);
  }

  #emit<E extends CacheEventName>(event: E, payload: Parameters<CacheEventListener<E>>[0]): void {
    const c = this.#counts;
    switch (event) {
      case 'hit': c.hits++; break;
      case 'miss': c.misses++; break;
      case 'stale': c.stale++; c.hits++; break;
      case 'revalidated': c.revalidated++; break;
      case 'stored': c.stored++; break;
      case 'store-error': c.storeErrors++; break;
      case 'signature-invalid': c.signatureInvalid++; break;
      case 'evicted': c.evicted++; break;
    }
    if (this.events.has(event)) this.events.emit(event, payload);
  }

  /** True unless the cache is turned off for the current async context by {@link disabled}. */
  get enabled(): boolean {
    return this.#disabled.getStore() !== true;
  }

  /** Runs `fn` with the cache off for its async context only. */
  disabled<T>(fn: () => T): T {
    return this.#disabled.run(true, fn);
  }

  /** The cache key of a request (SPEC §3): sha256 over its canonical encoding. */
  createKey(method: string, url: string, request: Omit<KeyRequestParts, 'method' | 'url'> = {}): string {
    return createKey(method, url, request, { includeHeaders: this.settings.includeHeaders, ignoredParams: this.settings.ignoredParams });
  }

  /**
   * The seed's `request()`: the stored response for a request (if usable), and the actions
   * decided for it. A stale or unreadable entry is not returned.
   */
  async request(method: string, url: string, options: RequestInfo = {}): Promise<[CachedResponse | undefined, CacheActions]> {
    const actions = CacheActions.fromRequest(this, method, url, options);
    if (actions.skipRead || actions.revalidate) return [undefined, actions];
    const response = await this.getResponse(actions.key);
    // Kept for revalidation or stale-if-error is not the same as usable now.
    if (response === undefined || usability(response, this.clock(), actions.directives, false) !== 'fresh') return [undefined, actions];
    return [response, actions];
  }

  /**
   * The response under `key`, or under the alias `redirects[key]`. An unreadable entry is
   * deleted and a miss; so is one that is no longer cacheable (expired, filtered, status or
   * method no longer allowed).
   */
  async getResponse(key: string): Promise<CachedResponse | undefined> {
    const [found, storedKey] = await this.lookup(key);
    if (found === undefined) return undefined;
    if (!(await this.isCacheable(found))) {
      await this.delete(storedKey).catch((error: unknown) => this.#emit('store-error', { operation: 'delete', error, key }));
      return undefined;
    }
    return found;
  }

  /**
   * @internal The entry under `key` or its alias, stale or not, with the key it is stored
   * under. Fails open: a store error is an event and a miss; an unreadable entry (or one that
   * is not a response at all) is deleted, raises `signature-invalid`, and is a miss.
   */
  lookup(key: string): Promise<[CachedResponse | undefined, string]> {
    const pending = this.pending.get(key);
    if (pending !== undefined) return Promise.resolve([pending, key]);
    let read: Promise<CachedResponse | undefined>;
    try {
      // Promise.resolve returns a native promise as it is: no extra step for a proper store.
      read = Promise.resolve(this.responses.read(key));
    } catch (error) {
      read = Promise.reject(error);
    }
    // One step on the hit path; everything else (errors, corrupt items, aliases) off it.
    return read.then(
      (item) => (item instanceof CachedResponse ? [item, key] : this.#lookupSlow(key, item)),
      (error: unknown) => this.#readFailed(this.responses, key, error).then(() => this.#lookupAlias(key)),
    );
  }

  #lookupSlow(key: string, item: unknown): Promise<[CachedResponse | undefined, string]> {
    if (item !== undefined) {
      return this.#unreadable(this.responses, key, new CacheSerializationError(`Stored entry ${key} is not a response`)).then(() => this.#lookupAlias(key));
    }
    return this.#lookupAlias(key);
  }

  #lookupAlias(key: string): Promise<[CachedResponse | undefined, string]> {
    return this.#read(this.redirects, key).then((alias) => {
      if (typeof alias !== 'string') return [undefined, key];
      return this.#readResponse(alias).then((aliased): [CachedResponse | undefined, string] => [aliased, alias]);
    });
  }

  #readResponse(key: string): Promise<CachedResponse | undefined> {
    return this.#read(this.responses, key).then((item) => {
      if (item === undefined || item instanceof CachedResponse) return item;
      return this.#unreadable(this.responses, key, new CacheSerializationError(`Stored entry ${key} is not a response`));
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
   * Writes `response` under `cacheKey` (default: its method and URL) and one alias per
   * redirect hop. `expires` (a Date or epoch ms) overrides the response's own.
   */
  async saveResponse(response: CachedResponse, cacheKey?: string, expires?: Date | number | null): Promise<void> {
    const key = cacheKey ?? this.createKey(response.method, response.url);
    const entry = expires === undefined ? response : response.with({ expires: expires instanceof Date ? expires.getTime() : expires });
    const retain = this.retainUntil(entry);
    await this.responses.write(key, entry, { expiresAt: retain });
    const aliases = [...this.#aliasKeys(entry)].filter((k) => k !== key);
    await Promise.all(aliases.map((alias) => this.redirects.write(alias, key, { expiresAt: retain })));
    this.#emit('stored', { key, url: entry.url, expires: entry.expires });
  }

  /**
   * @internal Saves in the background: readers in this process see the entry at once; the
   * caller never waits for the store, and a failure is a `store-error` event.
   */
  saveInBackground(entry: CachedResponse, key: string): Promise<void> {
    this.pending.set(key, entry);
    return this.saveResponse(entry, key).then(
      () => { if (this.pending.get(key) === entry) this.pending.delete(key); },
      (error: unknown) => {
        if (this.pending.get(key) === entry) this.pending.delete(key);
        this.#emit('store-error', { operation: 'write', error, key });
      },
    );
  }

  /**
   * Epoch ms until which a stored response is kept (what the store's TTL is derived from):
   * past its freshness by the longest of its stale-while-revalidate and stale-if-error
   * windows, the backend's `staleIfError` window, and, when it has validators (ETag,
   * Last-Modified), as long again as it was fresh (at least 1 minute, at most 1 day) so a
   * conditional request can still revalidate it. `null`: kept until deleted or evicted.
   */
  retainUntil(response: CachedResponse): number | null {
    const expires = response.expires;
    if (expires === null) return null;
    let window = retainUntil(expires, response.policy) as number - expires;
    const backendWindow = this.settings.staleIfError;
    if (backendWindow !== undefined && !response.policy.mustRevalidate) {
      if (!Number.isFinite(backendWindow)) return null;
      window = Math.max(window, backendWindow);
    }
    if (response.etag !== undefined || response.lastModified !== undefined) {
      window = Math.max(window, Math.min(Math.max(expires - response.createdAt, STALE_VALIDATOR_MIN_MS), STALE_VALIDATOR_MAX_MS));
    }
    return expires + window;
  }

  /**
   * False when the cache is disabled, the method or status is not allowed, `filterFn`
   * rejects it, the actions skip writing, or it is expired.
   */
  async isCacheable(response: CachedResponse, actions?: CacheActions): Promise<boolean> {
    if (!this.enabled || this.#closed) return false;
    if (!this.settings.allowedMethods.has(response.method.toUpperCase())) return false;
    if (!this.settings.allowedCodes.has(response.status)) return false;
    if (actions?.skipWrite) return false;
    const retain = this.retainUntil(response);
    if (retain !== null && retain <= this.clock()) return false;
    if (this.settings.filterFn !== undefined) {
      try {
        if (!(await this.settings.filterFn(response))) return false;
      } catch (error) {
        // A throwing filter keeps the response out of the cache; the request goes on.
        this.emitEvent('store-error', { operation: 'filterFn', error });
        return false;
      }
    }
    return true;
  }

  /** Deletes a response, the alias `key`, and every alias of the response's redirect history. */
  async delete(key: string): Promise<void> {
    this.pending.delete(key);
    let responseKey = key;
    const alias = await this.#read(this.redirects, key);
    if (typeof alias === 'string') responseKey = alias;
    const response = await this.#readResponse(responseKey);
    const aliases = new Set([key, ...(response === undefined ? [] : this.#aliasKeys(response))]);
    aliases.delete(responseKey);
    this.pending.delete(responseKey);
    await this.responses.delete(responseKey);
    await this.redirects.bulkDelete(aliases);
  }

  /**
   * The alias keys of a response's redirect hops: one per GET or HEAD hop (a hop of another
   * method, or whose URL cannot be keyed, has none). With `includeHeaders` there are none:
   * the stored request headers are redacted, so a key that would match only the same
   * request's headers cannot be rebuilt, and one without them would hand this response to
   * anybody (another user's redirect target, say).
   */
  #aliasKeys(response: CachedResponse): Set<string> {
    const keys = new Set<string>();
    if (this.settings.includeHeaders !== false) return keys;
    for (const hop of response.history) {
      const method = hop.method.toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') continue;
      try {
        keys.add(this.createKey(method, hop.url));
      } catch {
        // not an absolute URL: nothing can be looked up under it
      }
    }
    return keys;
  }

  /** Deletes several keys (and their aliases); missing keys are no error. */
  async bulkDelete(keys: Iterable<string>): Promise<void> {
    for (const key of keys) await this.delete(key);
  }

  /** Deletes every response and alias of this cache. */
  async clear(): Promise<void> {
    this.pending.clear();
    await this.responses.clear();
    if (this.redirects !== (this.responses as unknown)) await this.redirects.clear();
  }

  /** Closes the stores. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.responses.close();
    if (this.redirects !== (this.responses as unknown)) await this.redirects.close();
  }

  /** Closes the stores if `autoclose` is set. */
  async closeIfEnabled(): Promise<void> {
    if (this.settings.autoclose) await this.close();
  }

  /** Deletes the response stored for a request to `url`. */
  async deleteUrl(url: string, options: UrlRequestOptions = {}): Promise<void> {
    const { method = 'GET', ...request } = options;
    await this.delete(this.createKey(method, url, request));
  }

  /** True when a response is stored for a request to `url`. */
  async hasUrl(url: string, options: UrlRequestOptions = {}): Promise<boolean> {
    const { method = 'GET', ...request } = options;
    const [found] = await this.lookup(this.createKey(method, url, request));
    return found !== undefined;
  }

  /** The final URLs of the stored responses. */
  async *getUrls(): AsyncIterable<string> {
    for await (const response of this.responses.values()) if (response instanceof CachedResponse) yield response.finalUrl;
  }

  /**
   * Deletes expired responses (past freshness and any stale window), those `filterFn`
   * rejects (awaiting an async one), unreadable ones, and aliases left pointing nowhere.
   */
  async deleteExpiredResponses(): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.responses.keys()) keys.push(key);
    for (const key of keys) {
      const response = await this.#readResponse(key);
      if (response === undefined || !(await this.isCacheable(response))) await this.delete(key);
    }
    const aliases: string[] = [];
    for await (const key of this.redirects.keys()) aliases.push(key);
    for (const alias of aliases) {
      const target = await this.#read(this.redirects, alias);
      if (typeof target !== 'string' || !(await this.responses.contains(target))) await this.redirects.delete(alias);
    }
  }

  /** @internal `host/path?query` of a normalised URL, for urlsExpireAfter. */
  matchTarget(url: string): string {
    return matchTarget(url);
  }
}

Object.defineProperty(CacheBackend.prototype, BACKEND_BRAND, { value: true });
