/**
 * The request plan: everything the cache decides about a request before it looks anything
 * up, made once from the request as it will leave (every interceptor's headers, the axios
 * `auth` option, user info in the URL, `Host`, the query as `paramsSerializer` writes it,
 * `decompress`, `maxRedirects: 0`), and used alike by the axios adapter and the seed API
 * (`backend.request()`, `createKey`).
 */
import { parseRange, requestDirectives, type ByteRange, type RequestDirectives } from './cache-control.js';
import {
  CREDENTIAL_HEADERS,
  KeyMaker,
  normalizeUrl,
  matchTarget,
  type KeyExtras,
  type KeyRequestParts,
} from './cache-key.js';
import { CacheConfigError, invalidOption } from './errors.js';
import { parseExpireAfter, type ExpireAfter, type ResolvedExpiry } from './expiry.js';
import { isPlainObject } from './guards.js';
import { headerFields, headerText, readHeader, toHeaderPairs } from './headers.js';
import { staleWindow, type CacheSettings } from './options.js';
import type { BypassReason } from './reasons.js';
import { checkTags } from './tags.js';

/** Per-request switches, under `clientCache` in the axios config (or the seed API's options). */
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
  /**
   * Tags of this request's response, for `backend.invalidateTags()`.
   * @defaultValue []
   */
  tags?: readonly string[];
}

/**
 * What a plan is made from: the fields of an axios request config that decide the cache's
 * answer (an axios config fits as it is), plus the per-request cache options.
 */
export interface PlanInput extends KeyRequestParts {
  /** The axios `auth` option (sent as `Authorization: Basic …`). */
  auth?: unknown;
  /** The axios `paramsSerializer`: the query is keyed as it writes it (see axios-uri.ts). */
  paramsSerializer?: unknown;
  /** The axios `proxy` option (its `auth` is sent as `Proxy-Authorization`). */
  proxy?: unknown;
  /** `false`: the body is stored as the origin encoded it. @defaultValue true */
  decompress?: boolean | undefined;
  /** @defaultValue axios's 21 */
  maxRedirects?: number | undefined;
  socketPath?: string | null | undefined;
  maxContentLength?: number | undefined;
  timeout?: number | undefined;
  responseType?: string | undefined;
  /** Expiry of this request's response; beats urlsExpireAfter and the instance setting. */
  expireAfter?: unknown;
  /** Revalidate with the origin before using a stored response. */
  refresh?: unknown;
  /** Per-request switches; `false` turns the cache off for this request. */
  clientCache?: unknown;
}

/** One request, as the cache sees it. */
export interface RequestPlan {
  /** Upper case. */
  readonly method: string;
  /** The normalised absolute URL, without user info (`''` when it cannot be resolved). */
  readonly url: string;
  /** Why the request goes around the cache, if it does. */
  readonly bypass: BypassReason | undefined;
  /** A non-cached unsafe method: its success invalidates what is stored for its URL. */
  readonly invalidates: boolean;
  /** The cache key (`''` when bypassed). */
  readonly key: string;
  /** Identical requests share one origin request under this key; `undefined`: this one never shares. */
  readonly flightKey: string | undefined;
  /** What entered the key besides method, URL, body and headers (for alias keys). */
  readonly extras: KeyExtras | undefined;
  /** Expiry from the settings: per request, then urlsExpireAfter, then the instance. */
  readonly expiry: ResolvedExpiry;
  /** True when `expiry` was set by the user (per request, a URL rule, or the instance option). */
  readonly expirySet: boolean;
  /** Request `Cache-Control` / `Pragma`, with `cacheControl` on. */
  readonly directives: RequestDirectives | undefined;
  readonly refresh: boolean;
  readonly onlyIfCached: boolean;
  /** Stale-if-error window in ms (request, else backend), or undefined. */
  readonly staleIfError: number | undefined;
  /** The request carries credentials. */
  readonly credentialed: boolean;
  /** The request carries `Authorization` (header, `auth`, or URL user info): RFC 9111 §3.5. */
  readonly authorized: boolean;
  /** The caller's own conditional or range headers: its answer (a 304, a 206) is its alone. */
  readonly conditional: boolean;
  /** The body is handed over as a stream. */
  readonly stream: boolean;
  /** The one byte range a `Range` request asks for (a request with another `Range` goes around the cache). */
  readonly range: ByteRange | undefined;
  readonly tags: readonly string[];
  /** The request headers as sent. */
  readonly headers: unknown;
  /** The request has a body (which then enters its key). */
  readonly hasBody: boolean;
  /** A request header as sent (lower-case name); credentials from `auth` and user info included. */
  header(name: string): string | undefined;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const UPPER: Readonly<Record<string, string>> = {
  get: 'GET',
  head: 'HEAD',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  options: 'OPTIONS',
};
const CLIENT_CACHE_KEYS: ReadonlySet<string> = new Set(['enabled', 'staleIfError', 'onlyIfCached', 'tags']);
const NO_TAGS: readonly string[] = Object.freeze([]);
/**
 * Prefix of the tag every response stored for a URL under a key invalidation cannot compute
 * (other credentials, headers, wire options) carries: invalidating the URL gives it a new version.
 */
const URL_TAG_PREFIX = 'acc:url:';
/** axios's default `maxRedirects`. */
const AXIOS_MAX_REDIRECTS = 21;
/** Most distinct keys whose URL-rule expiry is remembered (a URL rule costs a URL parse). */
const RULE_MEMO_SIZE = 4096;

/** The upper-case method of a request (`'GET'` when absent). */
function upperMethod(method: unknown): string {
  if (method === undefined || method === null) return 'GET';
  const m = String(method);
  return UPPER[m] ?? m.toUpperCase();
}

/**
 * The request headers the cache reads, found in one pass over the headers (a request's
 * headers are few; one lowercasing pass beats a lookup per name).
 */
interface HeaderFacts {
  authorization?: string | undefined;
  proxyAuthorization?: string | undefined;
  cookie?: string | undefined;
  /** Other credential-like headers (API keys), joined. */
  otherCredentials?: string | undefined;
  host?: string | undefined;
  range?: string | undefined;
  conditional: boolean;
  cacheControl?: string | undefined;
  pragma?: string | undefined;
}

function scanHeaders(headers: unknown): HeaderFacts {
  const facts: HeaderFacts = { conditional: false };
  const fields = headerFields(headers);
  if (fields === undefined) return facts;
  for (const field in fields) {
    if (!Object.hasOwn(fields, field)) continue;
    const value = headerText(fields[field]);
    if (value === undefined) continue;
    const name = field.toLowerCase();
    switch (name) {
      case 'authorization':
        facts.authorization = join(facts.authorization, value);
        break;
      case 'proxy-authorization':
        facts.proxyAuthorization = join(facts.proxyAuthorization, value);
        break;
      case 'cookie':
        facts.cookie = join(facts.cookie, value);
        break;
      case 'host':
        facts.host = join(facts.host, value);
        break;
      case 'range':
        facts.range = join(facts.range, value);
        break;
      case 'cache-control':
        facts.cacheControl = join(facts.cacheControl, value);
        break;
      case 'pragma':
        facts.pragma = join(facts.pragma, value);
        break;
      case 'if-none-match':
      case 'if-modified-since':
      case 'if-match':
      case 'if-unmodified-since':
      case 'if-range':
        facts.conditional = true;
        break;
      default:
        if (CREDENTIAL_HEADERS.has(name)) facts.otherCredentials = join(facts.otherCredentials, `${name}:${value}`);
    }
  }
  return facts;
}

function join(a: string | undefined, b: string): string {
  return a === undefined ? b : `${a}, ${b}`;
}

/**
 * `prop` of `obj` as axios reads a credential field: an own property of `obj` or of a prototype
 * below `Object.prototype` (a polluted `Object.prototype` is not read).
 */
function safeProp(obj: unknown, prop: string): unknown {
  let at: unknown = obj;
  for (let depth = 0; at !== null && at !== undefined && at !== Object.prototype && depth < 32; depth++) {
    if (Object.hasOwn(at as object, prop)) return (obj as Record<string, unknown>)[prop];
    at = Object.getPrototypeOf(at);
  }
  return undefined;
}

/** A credential field as axios's string concatenation makes it (`1234` is `"1234"`; a missing or empty one `""`). */
function credentialText(value: unknown): string {
  if (!value) return '';
  return typeof value === 'symbol' ? value.toString() : `${value as string}`;
}

function basicOf(userPass: string): string {
  return `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
}

/**
 * `Authorization: Basic …` from the axios `auth` option, as axios's http adapter makes it: any
 * truthy `auth` (even `{ username: '', password: '' }`), its fields as they are.
 */
function basic(auth: unknown): string | undefined {
  if (!auth) return undefined;
  return basicOf(`${credentialText(safeProp(auth, 'username'))}:${credentialText(safeProp(auth, 'password'))}`);
}

/**
 * `Proxy-Authorization: Basic …` from the axios `proxy` option, in every form axios accepts:
 * `proxy.username` / `proxy.password` (a plain object or a `URL`, whose fields axios takes as
 * they are), and `proxy.auth` as an object or a `'user:pass'` string.
 */
function proxyBasic(proxy: unknown): string | undefined {
  if (!proxy || typeof proxy !== 'object') return undefined;
  const own = (obj: object, key: string): unknown =>
    obj instanceof URL || Object.hasOwn(obj, key) ? (obj as unknown as Record<string, unknown>)[key] : undefined;
  let auth = own(proxy, 'auth');
  const username = own(proxy, 'username');
  if (username) auth = `${credentialText(username)}:${credentialText(own(proxy, 'password'))}`;
  if (!auth) return undefined;
  if (typeof auth === 'object') {
    const user = own(auth, 'username');
    const password = own(auth, 'password');
    // axios refuses an auth object without either (ERR_BAD_OPTION): nothing is sent.
    if (!user && !password) return undefined;
    return basicOf(`${credentialText(user)}:${credentialText(password)}`);
  }
  return basicOf(credentialText(auth));
}

/** `Authorization: Basic …` from user info in a URL, as axios's http adapter sends it. */
function userInfoAuthorization(url: string | undefined, baseURL: string | undefined): string | undefined {
  if (!(typeof url === 'string' && url.includes('@')) && !(typeof baseURL === 'string' && baseURL.includes('@')))
    return undefined;
  const full = url !== undefined && /^[a-z][a-z\d+\-.]*:\/\//i.test(url) ? url : baseURL;
  if (full === undefined || !full.includes('@')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(full);
  } catch {
    return undefined;
  }
  if (parsed.username === '' && parsed.password === '') return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return basicOf(`${decode(parsed.username)}:${decode(parsed.password)}`);
}

/** Validated per-request cache options. */
interface RequestOptions {
  readonly enabled: boolean;
  readonly staleIfError: number | undefined;
  readonly staleIfErrorSet: boolean;
  readonly onlyIfCached: boolean;
  readonly tags: readonly string[];
}

const DEFAULT_REQUEST_OPTIONS: RequestOptions = Object.freeze({
  enabled: true,
  staleIfError: undefined,
  staleIfErrorSet: false,
  onlyIfCached: false,
  tags: NO_TAGS,
});
const DISABLED_REQUEST_OPTIONS: RequestOptions = Object.freeze({ ...DEFAULT_REQUEST_OPTIONS, enabled: false });

function requestOptions(value: unknown): RequestOptions {
  if (value === undefined) return DEFAULT_REQUEST_OPTIONS;
  if (value === false) return DISABLED_REQUEST_OPTIONS;
  if (!isPlainObject(value))
    invalidOption('clientCache', value, 'false or an object { enabled?, staleIfError?, onlyIfCached?, tags? }');
  for (const name of Object.keys(value)) {
    if (!CLIENT_CACHE_KEYS.has(name))
      invalidOption(`clientCache.${name}`, value[name], 'no such option (enabled, staleIfError, onlyIfCached, tags)');
  }
  const { enabled = true, staleIfError, onlyIfCached = false, tags = NO_TAGS } = value as RequestCacheOptions;
  if (typeof enabled !== 'boolean') invalidOption('clientCache.enabled', enabled, 'a boolean');
  if (typeof onlyIfCached !== 'boolean') invalidOption('clientCache.onlyIfCached', onlyIfCached, 'a boolean');
  checkTags('clientCache.tags', tags);
  const staleIfErrorSet = staleIfError !== undefined;
  return {
    enabled,
    onlyIfCached,
    staleIfErrorSet,
    tags: tags.length === 0 ? NO_TAGS : Object.freeze([...new Set(tags as readonly string[])]),
    staleIfError: staleIfErrorSet ? staleWindow(staleIfError, 'clientCache.staleIfError') : undefined,
  };
}

/**
 * Makes the plans of one backend: holds its key maker (memoised keys, credentials in them
 * through the backend's HMAC) and the memo of URL-rule expiries.
 */
export class Planner {
  readonly #settings: CacheSettings;
  readonly #keys: KeyMaker;
  readonly #ruleMemo = new Map<string, ResolvedExpiry>();

  /** `protect`: turns a request's credentials into what its key holds (the backend's HMAC). */
  constructor(settings: CacheSettings, protect: (credentials: string) => string) {
    this.#settings = settings;
    this.#keys = new KeyMaker({
      includeHeaders: settings.includeHeaders,
      ignoredParams: settings.ignoredParams,
      protect,
    });
  }

  /**
   * The plan of a request. Per-request values of the wrong type or form are a
   * CacheConfigError naming the option; `enabled: false` for a whole async context (the
   * backend's `disabled()`) is `contextDisabled`.
   */
  plan(input: PlanInput, contextDisabled = false): RequestPlan {
    const settings = this.#settings;
    const method = upperMethod(input.method);
    const options = requestOptions(input.clientCache);
    const refresh = input.refresh;
    if (refresh !== undefined && typeof refresh !== 'boolean') invalidOption('refresh', refresh, 'a boolean');
    const perRequest = input.expireAfter === undefined ? undefined : parseExpireAfter(input.expireAfter, 'expireAfter');
    const facts = scanHeaders(input.headers);
    // As axios's http adapter: the auth option, else user info in the URL (either replaces the
    // Authorization header), else the header.
    const authorization = basic(input.auth) ?? userInfoAuthorization(input.url, input.baseURL) ?? facts.authorization;
    const proxyAuthorization = proxyBasic(input.proxy) ?? facts.proxyAuthorization;
    const credentialed =
      authorization !== undefined ||
      proxyAuthorization !== undefined ||
      facts.cookie !== undefined ||
      facts.otherCredentials !== undefined;
    const directives =
      settings.cacheControl && (facts.cacheControl !== undefined || facts.pragma !== undefined)
        ? requestDirectives(facts.cacheControl, facts.pragma)
        : undefined;

    let bypass: BypassReason | undefined;
    if (contextDisabled || !options.enabled) bypass = 'disabled';
    else if (!settings.allowedMethods.has(method)) bypass = 'method';
    else if (perRequest?.kind === 'skip') bypass = 'expire-after-0';
    else if (directives?.noStore === true) bypass = 'request-no-store';
    else if (credentialed && settings.credentials === 'skip') bypass = 'credentials';
    // One byte range of a GET is answered from what is stored; anything else is the origin's to decide.
    const range = facts.range === undefined ? undefined : method === 'GET' ? parseRange(facts.range) : undefined;
    if (bypass === undefined && facts.range !== undefined && range === undefined) bypass = 'range';

    let extras: KeyExtras | undefined;
    const raw = input.decompress === false;
    const noRedirects = input.maxRedirects === 0;
    const socketPath = typeof input.socketPath === 'string' ? input.socketPath : undefined;
    const keyedCredentials = credentialed && settings.credentials === 'isolate';
    if (keyedCredentials || facts.host !== undefined || raw || noRedirects || socketPath !== undefined) {
      extras = {
        credentials: keyedCredentials
          ? JSON.stringify([
              authorization ?? null,
              proxyAuthorization ?? null,
              facts.cookie ?? null,
              facts.otherCredentials ?? null,
            ])
          : undefined,
        host: facts.host?.toLowerCase(),
        raw,
        noRedirects,
        socketPath,
      };
    }

    let key = '';
    let url = '';
    if (bypass === undefined || bypass === 'method') {
      try {
        if (bypass === undefined) {
          key = this.#keys.keyFor(input, extras);
          url = this.#keys.lastUrl;
        } else url = normalizeUrl(input);
      } catch (error) {
        // A body we cannot key (a stream, FormData) or a URL we cannot parse: no cache.
        if (!(error instanceof CacheConfigError)) throw error;
        bypass = error.message.startsWith('Uncacheable request body') ? 'body' : 'url';
      }
    }
    let expiry = perRequest ?? settings.expireAfter;
    let expirySet = perRequest !== undefined || settings.expireAfterSet;
    if (bypass === undefined && perRequest === undefined && settings.urlRules.size > 0) {
      const byRule = this.#ruleExpiry(key, url, input);
      if (byRule !== undefined) {
        expiry = byRule;
        expirySet = true;
      }
    }
    // With HTTP rules a setting of 0 only fills in for responses whose headers say nothing
    // (the policy then does not store them); without them it turns the cache off.
    if (bypass === undefined && expiry.kind === 'skip' && !settings.cacheControl) bypass = 'expire-after-0';

    const stream = input.responseType === 'stream';
    // A range's answer (a 206) is this request's alone, as a 304 to its own validators is.
    const conditional = facts.conditional || range !== undefined;
    let flightKey: string | undefined;
    if (bypass === undefined && !conditional && !stream) {
      // The leader's own limits could make its answer or its error differ from a follower's.
      const limits =
        (input.maxContentLength ?? -1) !== -1 ||
        (input.maxRedirects ?? AXIOS_MAX_REDIRECTS) !== AXIOS_MAX_REDIRECTS ||
        (input.timeout ?? 0) !== 0;
      flightKey = limits
        ? `${key}\0${input.maxContentLength ?? -1}\0${input.maxRedirects ?? AXIOS_MAX_REDIRECTS}\0${input.timeout ?? 0}`
        : key;
    }
    return new Plan(
      input,
      {
        method,
        bypass,
        key,
        flightKey,
        extras,
        expiry,
        expirySet,
        directives,
        conditional,
        stream,
        range,
        credentialed,
        headers: input.headers,
        url,
        invalidates: bypass === 'method' && !SAFE_METHODS.has(method),
        refresh: refresh === true,
        onlyIfCached: options.onlyIfCached || directives?.onlyIfCached === true,
        staleIfError: options.staleIfErrorSet ? options.staleIfError : settings.staleIfError,
        authorized: authorization !== undefined,
        tags: options.tags,
      },
      authorization,
      proxyAuthorization,
    );
  }

  /** The key of a request, as {@link plan} makes it (the seed's `createKey`). */
  keyOf(input: PlanInput): string {
    const plan = this.plan({ ...input, expireAfter: undefined, clientCache: undefined, refresh: undefined });
    if (plan.key !== '') return plan.key;
    // Bypassed for a reason other than its key (a method not cached, say): key it anyway.
    return this.#keys.keyFor(input, plan.extras);
  }

  /**
   * The key of a bodiless request to `url` with the same credentials and wire options as
   * `plan` (a redirect hop, a URL to invalidate) and, with `includeHeaders`, its headers but
   * those describing its body.
   */
  keyLike(plan: RequestPlan, method: string, url: string): string {
    if (this.#settings.includeHeaders === false) return this.#keys.keyFor({ method, url }, plan.extras);
    const headers = Object.fromEntries(toHeaderPairs(plan.headers).filter(([name]) => !name.startsWith('content-')));
    return this.#keys.keyFor({ method, url, headers }, plan.extras);
  }

  /**
   * The tag that invalidating `url` gives a new version (see {@link urlTagOf}): one per URL,
   * host and socket, whatever the credentials, headers and other wire options of the request.
   */
  urlTag(plan: RequestPlan, url: string): string {
    const host = plan.extras?.host;
    const socketPath = plan.extras?.socketPath;
    const where = host === undefined && socketPath === undefined ? undefined : { host, socketPath };
    return URL_TAG_PREFIX + this.#keys.keyFor({ method: 'GET', url }, where);
  }

  /**
   * The URL tag of the response stored for `plan`, when invalidation cannot find that response
   * by its key: a GET or HEAD keyed with credentials, wire options, headers (`includeHeaders`)
   * or a body. Invalidating the URL then makes it a miss through the tag.
   */
  urlTagOf(plan: RequestPlan): string | undefined {
    if (plan.method !== 'GET' && plan.method !== 'HEAD') return undefined;
    const plain = plan.extras === undefined && this.#settings.includeHeaders === false && !plan.hasBody;
    if (plain) return undefined;
    const url = plan.url;
    return url === '' ? undefined : this.urlTag(plan, url);
  }

  /** `url`: the request's normalised URL when the plan has it already, else `''`. */
  #ruleExpiry(key: string, url: string, input: PlanInput): ResolvedExpiry | undefined {
    const memo = this.#ruleMemo;
    const known = memo.get(key);
    if (known !== undefined) return known === NO_RULE ? undefined : known;
    const byRule = this.#settings.urlRules.match(matchTarget(url !== '' ? url : normalizeUrl(input)));
    if (memo.size >= RULE_MEMO_SIZE) memo.clear();
    memo.set(key, byRule ?? NO_RULE);
    return byRule;
  }
}

/** Remembered "no URL rule matched" (a distinct object, so it never equals a rule's own `never`). */
const NO_RULE: ResolvedExpiry = Object.freeze({ kind: 'never' });

type PlanFields = Omit<RequestPlan, 'header' | 'hasBody'>;

class Plan implements RequestPlan {
  readonly method: string;
  readonly bypass: BypassReason | undefined;
  readonly invalidates: boolean;
  readonly key: string;
  readonly flightKey: string | undefined;
  readonly extras: KeyExtras | undefined;
  readonly expiry: ResolvedExpiry;
  readonly expirySet: boolean;
  readonly directives: RequestDirectives | undefined;
  readonly refresh: boolean;
  readonly onlyIfCached: boolean;
  readonly staleIfError: number | undefined;
  readonly credentialed: boolean;
  readonly authorized: boolean;
  readonly conditional: boolean;
  readonly stream: boolean;
  readonly range: ByteRange | undefined;
  readonly tags: readonly string[];
  readonly headers: unknown;
  readonly #input: PlanInput;
  readonly #authorization: string | undefined;
  readonly #proxyAuthorization: string | undefined;
  #url: string;

  constructor(
    input: PlanInput,
    fields: PlanFields,
    authorization: string | undefined,
    proxyAuthorization: string | undefined,
  ) {
    this.#input = input;
    this.method = fields.method;
    this.bypass = fields.bypass;
    this.invalidates = fields.invalidates;
    this.key = fields.key;
    this.flightKey = fields.flightKey;
    this.extras = fields.extras;
    this.expiry = fields.expiry;
    this.expirySet = fields.expirySet;
    this.directives = fields.directives;
    this.refresh = fields.refresh;
    this.onlyIfCached = fields.onlyIfCached;
    this.staleIfError = fields.staleIfError;
    this.credentialed = fields.credentialed;
    this.authorized = fields.authorized;
    this.conditional = fields.conditional;
    this.stream = fields.stream;
    this.range = fields.range;
    this.tags = fields.tags;
    this.headers = fields.headers;
    this.#url = fields.url;
    this.#authorization = authorization;
    this.#proxyAuthorization = proxyAuthorization;
  }

  /** Made only when asked (events, storing): a hit never pays for it. */
  get url(): string {
    if (this.#url === '' && this.bypass !== 'url') {
      try {
        this.#url = normalizeUrl(this.#input);
      } catch {
        // unresolvable: stays ''
      }
    }
    return this.#url;
  }

  get hasBody(): boolean {
    const data = this.#input.data;
    return data !== undefined && data !== null && data !== '';
  }

  header(name: string): string | undefined {
    if (name === 'authorization') return this.#authorization;
    if (name === 'proxy-authorization') return this.#proxyAuthorization;
    return readHeader(this.headers, name);
  }
}
