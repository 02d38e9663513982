/**
 * The axios side: a request interceptor routes every request through a caching adapter
 * that wraps the request's own adapter. The cache looks up, revalidates and stores at that
 * seam, so keys see every header any interceptor added, and axios's transformResponse,
 * validateStatus and response interceptors run on a cached response as on a network one.
 */
import { Readable } from 'node:stream';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { CacheBackend } from './backend.js';
import { chooseExpiry } from './cache-actions.js';
import { normalizeUrl, redactHeaders, redactUrl, type KeyRequestParts } from './cache-key.js';
import { CachedResponse, kHeaders, type RedirectHop } from './cached-response.js';
import { CacheConfigError } from './errors.js';
import { parseExpireAfter, type ExpireAfter, type ResolvedExpiry } from './expiry.js';
import {
  canServeStaleOnError, currentAge, decideStorage, mergeHeaders, requestDirectives, usability,
  type RequestDirectives,
} from './freshness.js';
import { flatToObject, storableHeaders, toHeaderPairs, type HeaderPair } from './headers.js';
import type { LeaseOutcome } from './miss-lock.js';
import { staleWindow, type CacheBackendOptions } from './options.js';

/** Per-request switches, under `clientCache` in the axios config. */
export interface RequestCacheOptions {
  /**
   * `false` turns the cache off for this request.
   * @defaultValue true
   */
  enabled?: boolean;
  /**
   * Serve a stale response if the origin fails, within this window (`true`: any age).
   * @defaultValue the backend's `staleIfError`
   */
  staleIfError?: boolean | ExpireAfter;
  /**
   * Answer only from the cache: a 504 when nothing usable is stored.
   * @defaultValue false
   */
  onlyIfCached?: boolean;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Expiry of this request's response; beats urlsExpireAfter and the instance setting. */
    expireAfter?: ExpireAfter;
    /** Revalidate with the origin before using a stored response. */
    refresh?: boolean;
    /** Per-request cache switches; `false` turns the cache off for this request. */
    clientCache?: RequestCacheOptions | false;
  }
  interface AxiosResponse {
    /** True when the response came from the cache (including a 304-revalidated one). */
    fromCache?: boolean;
    /** When the response was stored. */
    createdAt?: Date;
    /** When it stops being fresh; `null` = never. */
    expires?: Date | null;
    /** True when served past its freshness (stale-while-revalidate, stale-if-error, max-stale). */
    isExpired?: boolean;
    /** The request's cache key. */
    cacheKey?: string;
  }
}

/** An axios instance with a cache attached. */
export type CachedAxiosInstance<T extends AxiosInstance = AxiosInstance> = T & { cache: CacheBackend };

/** Options of {@link attachCache}: a backend, or backend options plus an optional backend. */
export type AttachCacheOptions = CacheBackend | (CacheBackendOptions & { backend?: CacheBackend });

const kState = Symbol.for('axios-client-cache.attached');
const kInner = Symbol('axios-client-cache.inner-adapter');
const kData = Symbol('axios-client-cache.json-data');

/** A transformRequest step that remembers a JSON body (plain object or array) before it is serialised. */
function captureData(this: Config, data: unknown): unknown {
  if (Array.isArray(data) || (typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype)) this[kData] = data;
  return data;
}

interface AttachedState {
  backend: CacheBackend;
  interceptor: number;
  adapter: AxiosAdapter;
}

type Config = InternalAxiosRequestConfig & { [kInner]?: unknown; [kData]?: unknown };

/** What a request in flight resolves to, for itself and for identical requests waiting on it. */
interface Outcome {
  entry: CachedResponse;
  fromCache: boolean;
  request: unknown;
  /** The background store write (or delete) this outcome started, if any. */
  written?: Promise<void> | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Request headers whose answer is for that request alone (a 304, a 206). */
const PRIVATE_ANSWER_HEADERS = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'] as const;

/**
 * Adds a cache to an axios instance and returns the same instance, with `.cache`.
 * With no options, an in-memory DictCache: no server needed.
 */
export function attachCache<T extends AxiosInstance>(instance: T, options?: AttachCacheOptions): CachedAxiosInstance<T> {
  if ((instance as unknown as Record<symbol, unknown>)[kState]) {
    throw new CacheConfigError('Invalid instance: a cache is already attached (call detachCache first)');
  }
  const backend = options instanceof CacheBackend ? options : options?.backend ?? new CacheBackend(options);
  const adapter = createCachingAdapter(backend);
  const interceptor = instance.interceptors.request.use(
    (config: Config) => {
      if (config.adapter !== adapter) {
        config[kInner] = config.adapter;
        config.adapter = adapter;
      }
      const data: unknown = config.data;
      if (typeof data === 'object' && data !== null) {
        // transformRequest turns a JSON body into a string before the adapter runs; key it
        // by value instead. The capture runs first among the transforms, after every interceptor.
        const transforms = config.transformRequest;
        const list = Array.isArray(transforms) ? transforms : transforms ? [transforms] : [];
        if (list[0] !== captureData) config.transformRequest = [captureData, ...list];
      }
      return config;
    },
    undefined,
    { synchronous: true },
  );
  const state: AttachedState = { backend, interceptor, adapter };
  Object.defineProperty(instance, kState, { value: state, configurable: true });
  Object.defineProperty(instance, 'cache', { value: backend, configurable: true, enumerable: false });
  return instance as CachedAxiosInstance<T>;
}

/** Removes the cache from an instance (closing its stores when `autoclose` is set). */
export async function detachCache<T extends AxiosInstance>(instance: T | CachedAxiosInstance<T>): Promise<T> {
  const state = (instance as unknown as Record<symbol, AttachedState | undefined>)[kState];
  if (!state) return instance as T;
  instance.interceptors.request.eject(state.interceptor);
  delete (instance as unknown as Record<symbol, unknown>)[kState];
  delete (instance as unknown as Record<string, unknown>)['cache'];
  await state.backend.closeIfEnabled();
  return instance as T;
}

/** Most distinct requests whose URL-rule expiry is remembered (a URL rule costs a URL parse). */
const RULE_MEMO_SIZE = 4096;

/** Builds the adapter that serves `backend`'s cache in front of each request's own adapter. */
function createCachingAdapter(backend: CacheBackend): AxiosAdapter {
  const settings = backend.settings;
  const inflight = backend.inflight as Map<string, Promise<Outcome>>;
  const ruleMemo = new Map<string, ResolvedExpiry>();
  const keyedByAuthorization = settings.includeHeaders === true
    || (Array.isArray(settings.includeHeaders) && settings.includeHeaders.includes('authorization'));

  /** The settings' expiry (per request, then urlsExpireAfter, then instance) for `key`. */
  function settingsExpiry(key: string, config: Config, perRequest: ResolvedExpiry | undefined): ResolvedExpiry {
    if (perRequest !== undefined) return perRequest;
    if (settings.urlRules.size === 0) return settings.expireAfter;
    let byRule = ruleMemo.get(key);
    if (byRule === undefined) {
      byRule = chooseExpiry(settings, undefined, () => backend.matchTarget(normalizeUrl(config as KeyRequestParts)));
      if (ruleMemo.size >= RULE_MEMO_SIZE) ruleMemo.clear();
      ruleMemo.set(key, byRule);
    }
    return byRule;
  }

  const adapter: AxiosAdapter = async (config: Config) => {
    // The inner adapter is resolved only when the origin is needed: a hit never pays for it.
    const inner: AxiosAdapter = (c) => innerAdapter(config)(c);
    const perRequest = config.clientCache;
    if (perRequest === false || perRequest?.enabled === false || !backend.enabled) return passThrough(inner, config);
    const method = upperMethod(config.method);
    if (!settings.allowedMethods.has(method)) {
      const response = await passThrough(inner, config);
      if (!SAFE_METHODS.has(method) && response.status < 400) await invalidate(backend, config, response);
      return response;
    }

    const perRequestExpiry = config.expireAfter === undefined ? undefined : parseExpireAfter(config.expireAfter, 'expireAfter');
    // Validated here, not only when the origin fails: a bad value is an error at once.
    const requestSetsStale = perRequest !== undefined && perRequest.staleIfError !== undefined;
    const requestStaleWindow = requestSetsStale ? staleWindow(perRequest.staleIfError, 'clientCache.staleIfError') : undefined;
    // An explicit `expireAfter: 0` on the request turns the cache off for it.
    if (perRequestExpiry?.kind === 'skip') return passThrough(inner, config);
    let key: string;
    try {
      const json = config[kData];
      key = backend.keyMaker.keyFor((json === undefined ? config : { ...config, data: json }) as KeyRequestParts);
    } catch (error) {
      // A body we cannot key (a stream, FormData) or a URL we cannot parse: no cache.
      if (error instanceof CacheConfigError) return passThrough(inner, config);
      throw error;
    }
    const expiry = settingsExpiry(key, config, perRequestExpiry);
    // Without HTTP rules, DO_NOT_CACHE means neither read nor written. With them, response
    // headers beat the settings (SPEC §4), so a stored response may still be read.
    if (expiry.kind === 'skip' && !settings.cacheControl) return passThrough(inner, config);
    const directives = settings.cacheControl ? directivesOf(config) : undefined;
    if (directives?.noStore === true) return passThrough(inner, config);

    const [entry] = await backend.lookup(key);
    const now = backend.clock();
    let stale: CachedResponse | undefined;
    if (entry !== undefined && varyMatches(entry, config)) {
      const use = usability(entry, now, directives, config.refresh === true);
      if (use === 'fresh') {
        backend.emitEvent('hit', { key, url: entry.url });
        return respond(entry, config, key, true, undefined, now);
      }
      if (use === 'stale-ok' || use === 'stale-while-revalidate') {
        backend.emitEvent('stale', { key, url: entry.url, reason: use === 'stale-ok' ? 'max-stale' : 'stale-while-revalidate' });
        if (use === 'stale-while-revalidate' && !inflight.has(flightKey(key, config))) {
          fetchOnce(key, config, entry, inner, expiry, false, true).catch(() => undefined);
        }
        return respond(entry, config, key, true, undefined, now);
      }
      stale = entry;
    }
    if ((perRequest !== undefined && perRequest.onlyIfCached === true) || directives?.onlyIfCached) {
      return settle(config, { data: '', status: 504, statusText: 'Gateway Timeout', headers: new AxiosHeaders(), config, request: undefined });
    }
    backend.emitEvent('miss', { key, url: entry?.url ?? config.url ?? '' });

    /** The stale entry as the answer to an origin failure, when a stale-if-error window allows it. */
    const staleOnError = (): AxiosResponse | undefined => {
      const now = backend.clock();
      if (stale === undefined || !canServeStaleOnError(stale, now, requestSetsStale ? requestStaleWindow : settings.staleIfError)) return undefined;
      backend.emitEvent('stale', { key, url: stale.url, reason: 'stale-if-error' });
      return respond(stale, config, key, true, undefined, now);
    };
    let outcome: Outcome;
    try {
      const fk = flightKey(key, config);
      const running = inflight.get(fk);
      if (running === undefined) outcome = await fetchOnce(key, config, stale, inner, expiry);
      else {
        try {
          outcome = await waitFor(running, settings.lockTimeoutMs, () => fetchOnce(key, config, stale, inner, expiry, true));
        } catch (error) {
          // The leader was cancelled or timed out by its own settings: this request was not.
          if (!endsOnlyTheLeader(error) || ownRequestEnded(config)) throw asOwnError(error, config);
          outcome = await fetchOnce(key, config, stale, inner, expiry, true);
        }
      }
      // A waiter whose Vary-selected headers differ from the leader's cannot use its response.
      if (running !== undefined && !varyMatches(outcome.entry, config)) outcome = await fetchOnce(key, config, stale, inner, expiry, true);
    } catch (error) {
      const served = isOriginFailure(error) ? staleOnError() : undefined;
      if (served !== undefined) return served;
      throw error;
    }
    if (outcome.entry.status >= 500 && !outcome.fromCache) {
      const served = staleOnError();
      if (served !== undefined) return served;
    }
    return respond(outcome.entry, config, key, outcome.fromCache, outcome.request, backend.clock());
  };

  /**
   * Requests share an origin request only when its answer suits them all: conditional and
   * range requests only with identical ones (a 304 or a 206 answers that request alone),
   * and in a shared cache only the same credentials.
   */
  function flightKey(key: string, config: Config): string {
    let out = key;
    for (const name of PRIVATE_ANSWER_HEADERS) {
      const value = headerOf(config, name);
      if (value !== null) out += `\0${name}:${value}`;
    }
    if (settings.shared) {
      const auth = keyedByAuthorization ? null : headerOf(config, 'authorization');
      if (auth !== null) out += `\0authorization:${auth}`;
      const cookie = headerOf(config, 'cookie');
      if (cookie !== null) out += `\0cookie:${cookie}`;
    }
    return out;
  }

  /**
   * One origin request per key in this process (and, with a lock, across processes);
   * identical requests share its outcome.
   */
  function fetchOnce(
    key: string, config: Config, stale: CachedResponse | undefined, inner: AxiosAdapter,
    expiry: ResolvedExpiry, bypass = false, background = false,
  ): Promise<Outcome> {
    // A request that awaits its own fetch lends its config to the inner adapter; a background
    // refresh must not, since its caller's response (and config) is already on its way.
    const borrow = !background;
    const run = (async (): Promise<Outcome> => {
      const lock = backend.lock;
      if (lock === undefined) return fetchAndStore(key, config, stale, inner, expiry, borrow);
      const lease = await lock.acquire(key);
      if (lease === undefined) {
        const told = await lock.wait(key);
        if (told !== undefined && !told.ok) throw leaseError(told, config);
        const [entry] = await backend.lookup(key);
        const directives = settings.cacheControl ? directivesOf(config) : undefined;
        if (entry !== undefined && varyMatches(entry, config) && usability(entry, backend.clock(), directives, config.refresh === true) === 'fresh') {
          return { entry, fromCache: true, request: undefined };
        }
        return fetchAndStore(key, config, stale, inner, expiry, borrow);
      }
      let outcome: Outcome;
      try {
        outcome = await fetchAndStore(key, config, stale, inner, expiry, borrow);
      } catch (error) {
        // A cancelled or timed-out leader tells the others nothing: they go to the origin themselves.
        void lease.release(endsOnlyTheLeader(error) ? { ok: true } : describeFailure(error));
        throw error;
      }
      // Waiters in other processes read the store when woken: release once the write landed.
      void (outcome.written ?? Promise.resolve()).then(() => lease.release({ ok: true }));
      return outcome;
    })();
    if (!bypass) {
      const fk = flightKey(key, config);
      inflight.set(fk, run);
      const done = () => { if (inflight.get(fk) === run) inflight.delete(fk); };
      run.then(done, done);
    }
    return run;
  }

  async function fetchAndStore(
    key: string, config: Config, stale: CachedResponse | undefined, inner: AxiosAdapter, expiry: ResolvedExpiry,
    borrow: boolean,
  ): Promise<Outcome> {
    const method = upperMethod(config.method);
    const url = normalizeUrl(config as KeyRequestParts);
    const hops: RedirectHop[] = [];
    let hopUrl = url;
    let hopMethod = method;
    const userBeforeRedirect = config.beforeRedirect;
    const overrides: Partial<Config> = {
      responseType: 'arraybuffer',
      responseEncoding: undefined,
      validateStatus: null,
      beforeRedirect(options, responseDetails, requestDetails) {
        // Node's follow-redirects: `options` is the next hop; requestDetails (when given) the one redirected.
        hops.push({ method: requestDetails?.method ?? hopMethod, url: requestDetails?.url ?? hopUrl, status: responseDetails.statusCode });
        const next = options as { href?: unknown; method?: unknown };
        if (typeof next.href === 'string') hopUrl = next.href;
        if (typeof next.method === 'string') hopMethod = next.method.toUpperCase();
        userBeforeRedirect?.(options, responseDetails, requestDetails);
      },
    };
    const conditional = stale !== undefined && (stale.etag !== undefined || stale.lastModified !== undefined);
    if (conditional) {
      const headers = new AxiosHeaders(config.headers);
      if (stale.etag !== undefined) headers.set('If-None-Match', stale.etag);
      if (stale.lastModified !== undefined) headers.set('If-Modified-Since', stale.lastModified);
      overrides.headers = headers;
    }
    const requestTime = backend.clock();
    const raw = await sendWith(inner, config, overrides, borrow);
    const responseTime = backend.clock();
    const headerPairs = storableHeaders(toHeaderPairs(raw.headers));

    if (conditional && raw.status === 304) {
      // RFC 9111 §4.3.4: freshen the stored response with the 304's headers and store it again.
      const merged = mergeHeaders(stale.headers.pairs(), headerPairs);
      const decision = decide(config, stale.status, merged, requestTime, responseTime, expiry);
      const refreshed = stale.with({
        headers: merged, createdAt: responseTime, requestTime, responseTime,
        expires: decision !== undefined ? decision.expires : stale.expires,
        policy: decision !== undefined ? decision.policy : stale.policy,
      });
      const written = decision !== undefined ? backend.saveInBackground(refreshed, key) : undefined;
      backend.emitEvent('revalidated', { key, url });
      return { entry: refreshed, fromCache: true, request: raw.request, written };
    }

    const decision = decide(config, raw.status, headerPairs, requestTime, responseTime, expiry);
    const entry = new CachedResponse({
      method, url: redactUrl(url, settings.ignoredParams),
      finalUrl: redactUrl(finalUrlOf(raw, url), settings.ignoredParams),
      status: raw.status, statusText: raw.statusText ?? '', headers: headerPairs, body: toBytes(raw.data),
      createdAt: responseTime, expires: decision !== undefined ? decision.expires : responseTime, history: hops,
      requestHeaders: redactHeaders(config.headers, settings.ignoredParams),
      requestTime, responseTime, policy: decision?.policy,
      vary: decision === undefined ? undefined : decision.vary.map((name) => [name, headerOf(config, name)] as const),
    });
    let written: Promise<void> | undefined;
    if (decision !== undefined && (await backend.isCacheable(entry))) written = backend.saveInBackground(entry, key);
    else if (stale !== undefined && raw.status < 500 && raw.status !== 304) {
      // Replaced by something not storable: drop the old entry. A 5xx keeps it for
      // stale-if-error; a 304 to the caller's own conditional request says it is still valid.
      written = backend.delete(key).catch((error: unknown) => backend.emitEvent('store-error', { operation: 'delete', error, key }));
    }
    return { entry, fromCache: false, request: raw.request, written };
  }

  function decide(config: Config, status: number, headers: readonly HeaderPair[], requestTime: number, responseTime: number, expiry: ResolvedExpiry) {
    return decideStorage({
      status, headers, requestTime, responseTime, settingsExpiry: expiry,
      requestHeaders: { get: (name) => headerOf(config, name) ?? undefined },
      cacheControl: settings.cacheControl, shared: settings.shared, keyedByAuthorization,
    });
  }

  return adapter;
}

const UPPER: Readonly<Record<string, string>> = { get: 'GET', head: 'HEAD', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', options: 'OPTIONS' };
function upperMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  return UPPER[method] ?? method.toUpperCase();
}

/** The request's own adapter (a per-request `adapter` included), as axios would resolve it. */
function innerAdapter(config: Config): AxiosAdapter {
  return axios.getAdapter((config[kInner] ?? axios.defaults.adapter) as Parameters<typeof axios.getAdapter>[0], config);
}

/** The request sent around the cache; its response says so (`fromCache: false`). */
async function passThrough(inner: AxiosAdapter, config: Config): Promise<AxiosResponse> {
  const response = await inner(config);
  response.fromCache = false;
  return response;
}

/**
 * Calls the inner adapter with `overrides` on the request's config. Borrowing sets them on
 * the config itself and puts the old values back before anything else can see it — the
 * request is awaiting this very call — since copying axios's merged config (some thirty
 * fields) cost more than the rest of a miss's own work. Otherwise a copy is sent.
 */
async function sendWith(inner: AxiosAdapter, config: Config, overrides: Partial<Config>, borrow: boolean): Promise<AxiosResponse> {
  if (!borrow) {
    // A background refresh outlives its caller's request: not its signal, nor its headers object.
    return inner({ ...config, signal: undefined, cancelToken: undefined, headers: new AxiosHeaders(config.headers), ...overrides });
  }
  const target = config as unknown as Record<string, unknown>;
  const saved: Array<[string, boolean, unknown]> = [];
  for (const [name, value] of Object.entries(overrides)) {
    saved.push([name, Object.prototype.hasOwnProperty.call(target, name), target[name]]);
    target[name] = value;
  }
  try {
    return await inner(config);
  } finally {
    for (const [name, had, value] of saved) {
      if (had) target[name] = value;
      else delete target[name];
    }
  }
}

/** The axios response for `entry`, with the body in the form the request asks for. */
function respond(entry: CachedResponse, config: Config, key: string, fromCache: boolean, request: unknown, now: number): AxiosResponse {
  const headers = flatToObject(entry[kHeaders], entry.headerEnd);
  if (fromCache) headers['age'] = String(Math.floor(currentAge(entry, now) / 1000));
  const response: AxiosResponse = {
    data: bodyFor(entry, config),
    status: entry.status,
    statusText: entry.statusText,
    headers: headers as AxiosResponse['headers'],
    config,
    request,
  };
  response.fromCache = fromCache;
  response.createdAt = new Date(entry.createdAt);
  response.expires = entry.expires === null ? null : new Date(entry.expires);
  response.isExpired = entry.isExpiredAt(now);
  response.cacheKey = key;
  return settle(config, response);
}

/** axios's settle: resolve, or reject with the AxiosError validateStatus calls for. */
function settle(config: Config, response: AxiosResponse): AxiosResponse {
  const validate = config.validateStatus;
  if (!response.status || !validate || validate(response.status)) return response;
  throw new AxiosError(
    `Request failed with status code ${response.status}`,
    [AxiosError.ERR_BAD_REQUEST, AxiosError.ERR_BAD_RESPONSE][Math.floor(response.status / 100) - 4],
    config, response.request, response,
  );
}

/** The body as axios's Node adapter would have produced it: a string, a Buffer or a stream. */
function bodyFor(entry: CachedResponse, config: Config): unknown {
  const type = config.responseType;
  if (type === 'arraybuffer') return entry.bodyBuffer();
  if (type === 'stream') return Readable.from([entry.bodyBuffer()], { objectMode: false });
  const encoding = config.responseEncoding;
  if (encoding && encoding !== 'utf8') return entry.bodyBuffer().toString(encoding as BufferEncoding);
  // axios strips a UTF-8 BOM only for the default encoding.
  const text = entry.text();
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === 'string') return Buffer.from(data);
  if (data == null) return new Uint8Array(0);
  return Buffer.from(JSON.stringify(data));
}

function finalUrlOf(raw: AxiosResponse, url: string): string {
  const responseUrl = (raw.request as { res?: { responseUrl?: unknown } } | undefined)?.res?.responseUrl;
  if (typeof responseUrl !== 'string' || responseUrl === '') return url;
  try {
    return normalizeUrl({ url: responseUrl });
  } catch {
    return url;
  }
}

function headerOf(config: Config, name: string): string | null {
  const headers = config.headers as AxiosHeaders | undefined;
  const value = headers && typeof headers.get === 'function' ? headers.get(name) : (headers as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || value === null || value === false) return null;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function directivesOf(config: Config): RequestDirectives | undefined {
  const cc = headerOf(config, 'cache-control');
  const pragma = headerOf(config, 'pragma');
  if (cc === null && pragma === null) return undefined;
  return requestDirectives(cc ?? undefined, pragma ?? undefined);
}

function varyMatches(entry: CachedResponse, config: Config): boolean {
  const vary = entry.vary;
  for (let i = 0; i < vary.length; i++) {
    const [name, value] = vary[i] as readonly [string, string | null];
    if (headerOf(config, name) !== value) return false;
  }
  return true;
}

/** Waits for an identical request in flight, but never past `ms`: then goes on its own. */
async function waitFor(running: Promise<Outcome>, ms: number, fallback: () => Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, ms, 'timeout'); });
  try {
    const first = await Promise.race([running, timedOut]);
    return first === 'timeout' ? await fallback() : first;
  } finally {
    clearTimeout(timer);
  }
}

/** A cancellation or a timeout: it ends the request whose settings caused it, not others. */
function endsOnlyTheLeader(error: unknown): boolean {
  if (!(error instanceof AxiosError)) return false;
  return error.code === AxiosError.ERR_CANCELED || error.code === AxiosError.ECONNABORTED || error.code === AxiosError.ETIMEDOUT;
}

function ownRequestEnded(config: Config): boolean {
  return config.signal?.aborted === true || (config.cancelToken as { reason?: unknown } | undefined)?.reason !== undefined;
}

/** The leader's error as this request's own (its config), so retry logic sees the right request. */
function asOwnError(error: unknown, config: Config): unknown {
  if (!(error instanceof AxiosError)) return error;
  return AxiosError.from(error, error.code, config, error.request, error.response);
}

function isOriginFailure(error: unknown): boolean {
  if (!(error instanceof AxiosError)) return false;
  if (error.code === AxiosError.ERR_CANCELED) return false;
  return error.response === undefined || error.response.status >= 500;
}

function describeFailure(error: unknown): LeaseOutcome {
  const e = error as { message?: unknown; code?: unknown; response?: { status?: unknown } };
  return {
    ok: false,
    message: typeof e?.message === 'string' ? e.message : 'origin request failed',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.response?.status === 'number' ? { status: e.response.status } : {}),
  };
}

function leaseError(outcome: Extract<LeaseOutcome, { ok: false }>, config: Config): AxiosError {
  return new AxiosError(`${outcome.message} (in another process sharing the cache)`, outcome.code ?? AxiosError.ERR_NETWORK, config);
}

/**
 * RFC 9111 §4.4: a non-error response to an unsafe method invalidates what is stored for
 * its target URL and for same-origin Location / Content-Location. Awaited, so a GET sent
 * after the POST resolved never sees the old entry; a store failure is an event only.
 */
async function invalidate(backend: CacheBackend, config: Config, response: AxiosResponse): Promise<void> {
  let target: URL;
  try {
    target = new URL(normalizeUrl(config as KeyRequestParts));
  } catch {
    return;
  }
  const urls = [target.href];
  for (const [name, value] of toHeaderPairs(response.headers)) {
    if (name !== 'location' && name !== 'content-location') continue;
    try {
      const other = new URL(value, target);
      if (other.origin === target.origin) urls.push(other.href);
    } catch {
      // not a URL: nothing to invalidate
    }
  }
  // With includeHeaders the stored GETs were keyed by their headers; the unsafe request's own
  // differ at least by the body's content-* fields, which a GET does not send.
  const headers = Object.fromEntries(toHeaderPairs(config.headers).filter(([name]) => !name.startsWith('content-')));
  const keys = new Set<string>();
  for (const url of urls) {
    for (const method of ['GET', 'HEAD']) {
      try {
        keys.add(backend.createKey(method, url, { headers }));
      } catch {
        // a URL that cannot be keyed has nothing stored
      }
    }
  }
  await backend.bulkDelete(keys).catch((error: unknown) => backend.emitEvent('store-error', { operation: 'delete', error }));
}
