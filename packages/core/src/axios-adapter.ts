/**
 * The axios glue: the caching adapter that wraps a request's own adapter. It turns axios's
 * merged config into the plan's input, runs the flow, and turns the flow's answer into the
 * axios response the caller gets (the body in the form its `responseType` asks for, then
 * axios's `settle`). Its {@link AxiosOrigin} sends requests through the instance's own adapter
 * and checks that bodies arrive whole.
 */
import { PassThrough, pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { withSerializedQuery } from './axios-uri.js';
import { engineOf, type CacheBackend } from './backend.js';
import { normalizeUrl } from './cache-key.js';
import { kHeaders, type CachedResponse, type RedirectHop } from './cached-response.js';
import type { Answer, Origin, OriginReply } from './flow.js';
import { flattenHeaders, flatToObject, toHeaderPairs, type HeaderPair } from './headers.js';
import { NOT_COPIED, ParsedBodies } from './parsed-bodies.js';
import type { PlanInput, RequestPlan } from './request-plan.js';
import type { Cancellation } from './single-flight.js';

/** An axios config as the caching adapter sees it. */
export type Config = InternalAxiosRequestConfig;

/**
 * What the interceptor learnt of a request, kept beside its config rather than on it: a
 * property added to axios's merged config changes its shape, and every later read of the
 * config (axios makes dozens) pays for it — measured at ~2.5 µs per request.
 */
export const requestAdapters = new WeakMap<object, unknown>();
/** JSON bodies by config, before transformRequest serialises them. */
export const jsonBodies = new WeakMap<object, unknown>();

/** Largest streamed body copied for the store when the store states no limit of its own. */
const STREAM_COPY_MAX = 16 * 1024 * 1024;
/** Room above `maxContentLength` for the encoded body: an encoding can grow incompressible data a little. */
const ENCODING_SLACK = 64 * 1024;

/**
 * Builds the adapter that serves `backend`'s cache in front of each request's own adapter:
 * a per-request `adapter` (remembered by the interceptor), else `instanceAdapter`, the one the
 * instance had when the cache was attached.
 */
export function createCachingAdapter(backend: CacheBackend, instanceAdapter: unknown): AxiosAdapter {
  const engine = engineOf(backend);
  const inner = (config: Config): AxiosAdapter => innerAdapter(config, instanceAdapter);
  const parsed = new ParsedBodies();
  return (config: Config) => {
    let plan: RequestPlan;
    try {
      plan = engine.planner.plan(planInput(config), !engine.enabled);
    } catch (error) {
      return Promise.reject(error);
    }
    const answer = engine.flow.run(plan, new AxiosOrigin(config, backend, inner), cancellationOf(config));
    if (!(answer instanceof Promise)) {
      // A hit decided without waiting: presented at once, one resolved promise for axios.
      try {
        return Promise.resolve(present(answer, config, plan, parsed));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return answer.then(
      (a) => present(a, config, plan, parsed),
      (error: unknown) => {
        throw asOwnError(error, config);
      },
    );
  };
}

/**
 * The request as the plan needs it: axios's merged config as it is, but a JSON body by value
 * (transformRequest has serialised it by now) and, with a `paramsSerializer`, the URL with the
 * query exactly as that serializer writes it.
 */
function planInput(config: Config): PlanInput {
  const json = jsonBodies.get(config);
  const input = withSerializedQuery<PlanInput>(config);
  if (json === undefined) return input;
  return { ...input, data: json };
}

/** The request's own adapter (a per-request `adapter` included), as axios would resolve it. */
function innerAdapter(config: Config, instanceAdapter: unknown): AxiosAdapter {
  const own = requestAdapters.get(config) ?? instanceAdapter ?? axios.defaults.adapter;
  return axios.getAdapter(own as Parameters<typeof axios.getAdapter>[0], config);
}

/** The caller's own cancellation, if its config has one. */
function cancellationOf(config: Config): Cancellation | undefined {
  const signal = config.signal as (AbortSignal & { addEventListener?: unknown }) | undefined;
  const token = config.cancelToken as
    | { reason?: unknown; subscribe?(fn: () => void): void; unsubscribe?(fn: () => void): void }
    | undefined;
  if (!signal && !token) return undefined;
  return {
    get aborted() {
      return signal?.aborted === true || token?.reason !== undefined;
    },
    onAbort(listener) {
      if (typeof signal?.addEventListener === 'function') signal.addEventListener('abort', listener, { once: true });
      token?.subscribe?.(listener);
      return () => {
        if (typeof signal?.removeEventListener === 'function') signal.removeEventListener('abort', listener);
        token?.unsubscribe?.(listener);
      };
    },
    error() {
      return token?.reason ?? new axios.CanceledError(undefined, config);
    },
  };
}

/** The answer as the axios response the caller gets (`parsed`: hot entries' JSON bodies). */
function present(
  answer: Answer<AxiosResponse>,
  config: Config,
  plan: RequestPlan,
  parsed: ParsedBodies,
): AxiosResponse {
  switch (answer.kind) {
    case 'pass':
      answer.response.fromCache = false;
      return answer.response;
    case 'only-if-cached':
      return settle(config, {
        data: '',
        status: 504,
        statusText: 'Gateway Timeout',
        headers: new AxiosHeaders(),
        config,
        request: undefined,
      });
    case 'not-modified': {
      const flat = flattenHeaders(answer.headers);
      const response: AxiosResponse = {
        data:
          config.responseType === 'arraybuffer'
            ? Buffer.alloc(0)
            : config.responseType === 'stream'
              ? Readable.from([])
              : '',
        status: 304,
        statusText: 'Not Modified',
        headers: axiosHeaders(flat, flat.length, answer.age),
        config,
        request: undefined,
      };
      return settle(config, withEntryFields(response, answer.entry, answer.now, true, plan));
    }
    case 'stream': {
      const { reply } = answer;
      const response: AxiosResponse = {
        data: (reply.native as StreamNative).stream,
        status: reply.status,
        statusText: reply.statusText,
        headers: flatToObject(flattenHeaders(reply.headers)) as AxiosResponse['headers'],
        config,
        request: (reply.native as StreamNative).request,
      };
      response.fromCache = false;
      response.cacheKey = plan.key;
      return settle(config, response);
    }
    case 'entry': {
      const { entry, now } = answer;
      const response: AxiosResponse = {
        data: bodyFor(entry, config, answer.fromCache ? parsed : undefined),
        status: entry.status,
        statusText: entry.statusText,
        headers: axiosHeaders(entry[kHeaders], entry.headerEnd, answer.age),
        config,
        request: answer.native,
      };
      return settle(config, withEntryFields(response, entry, now, answer.fromCache, plan));
    }
  }
}

/** The cache's own fields of a response made from a stored entry. */
function withEntryFields(
  response: AxiosResponse,
  entry: CachedResponse,
  now: number,
  fromCache: boolean,
  plan: RequestPlan,
): AxiosResponse {
  response.fromCache = fromCache;
  response.createdAt = new Date(entry.createdAt);
  response.expires = entry.expires === null ? null : new Date(entry.expires);
  response.isExpired = entry.isExpiredAt(now);
  response.cacheKey = plan.key;
  return response;
}

/** axios's settle: resolve, or reject with the AxiosError validateStatus calls for. */
function settle(config: Config, response: AxiosResponse): AxiosResponse {
  const validate = config.validateStatus;
  if (!response.status || !validate || validate(response.status)) return response;
  throw new AxiosError(
    `Request failed with status code ${response.status}`,
    [AxiosError.ERR_BAD_REQUEST, AxiosError.ERR_BAD_RESPONSE][Math.floor(response.status / 100) - 4],
    config,
    response.request,
    response,
  );
}

/**
 * The body as axios's Node adapter would have produced it: a string, a Buffer or a stream —
 * or, from `parsed` (a hit's), a copy of what axios's default transform would parse the
 * string into, which that transform then hands on as it is.
 */
function bodyFor(entry: CachedResponse, config: Config, parsed: ParsedBodies | undefined): unknown {
  const type = config.responseType;
  if (type === 'arraybuffer') return entry.bodyBuffer();
  if (type === 'stream') return Readable.from([entry.bodyBuffer()], { objectMode: false });
  const encoding = config.responseEncoding;
  if (encoding && encoding !== 'utf8') return entry.bodyBuffer().toString(encoding as BufferEncoding);
  // axios strips a UTF-8 BOM only for the default encoding.
  const raw = entry.text();
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (parsed !== undefined && text !== '' && parsesAsDefault(config)) {
    const copy = parsed.copyOf(entry, text);
    if (copy !== NOT_COPIED) return copy;
  }
  return text;
}

/** axios's own default response transform (it parses JSON), of the axios this package imports. */
const DEFAULT_TRANSFORM: unknown = (axios.defaults.transformResponse as readonly unknown[] | undefined)?.[0];

/**
 * True when axios would do nothing with `config`'s body text but `JSON.parse(text)`: its only
 * response transform is axios's default one, with no `parseReviver`, and the transform parses
 * for this `responseType` (read as that transform reads it: own properties of the config).
 */
function parsesAsDefault(config: Config): boolean {
  const transforms = config.transformResponse;
  if (!Array.isArray(transforms) || transforms.length !== 1 || transforms[0] !== DEFAULT_TRANSFORM) return false;
  if (ownField(config, 'parseReviver') !== undefined) return false;
  const type = ownField(config, 'responseType');
  if (type === 'json') return true;
  if (type) return false;
  const transitional = (ownField(config, 'transitional') || axios.defaults.transitional) as
    | { forcedJSONParsing?: unknown }
    | undefined;
  return Boolean(transitional?.forcedJSONParsing);
}

function ownField(config: Config, name: string): unknown {
  return Object.hasOwn(config, name) ? (config as unknown as Record<string, unknown>)[name] : undefined;
}

/**
 * The stored fields as the `AxiosHeaders` axios would have made of them, built directly:
 * axios keeps an instance it is given as it is, and the fields are already what its `set`
 * would make of them (lower-case names, values checked when the entry was made or read).
 * `__proto__` goes through `set`, which gives it a slot of its own.
 */
function axiosHeaders(flat: readonly string[], end: number, age: number | undefined): AxiosResponse['headers'] {
  const headers = new AxiosHeaders();
  const slots = headers as unknown as Record<string, string | string[]>;
  for (let i = 0; i < end; i += 2) {
    const name = flat[i] as string;
    const value = flat[i + 1] as string;
    if (name === '__proto__') headers.set(name, value);
    else if (!Object.hasOwn(slots, name)) slots[name] = name === 'set-cookie' ? [value] : value;
    else {
      const prev = slots[name] as string | string[];
      slots[name] = Array.isArray(prev) ? [...prev, value] : `${prev}, ${value}`;
    }
  }
  if (age !== undefined) slots.age = String(age);
  return headers as AxiosResponse['headers'];
}

/** The leader's error as this request's own (its config), so retry logic sees the right request. */
function asOwnError(error: unknown, config: Config): unknown {
  if (!(error instanceof AxiosError) || error.config === config) return error;
  return AxiosError.from(error, error.code, config, error.request, error.response);
}

/** What a streamed reply carries for {@link present}. */
interface StreamNative {
  readonly stream: Readable;
  readonly request: unknown;
}

/** Codes of errors that are the caller's own doing, not the origin failing. */
const CALLER_ERRORS: ReadonlySet<string | undefined> = new Set([
  AxiosError.ERR_CANCELED,
  AxiosError.ERR_BAD_OPTION,
  AxiosError.ERR_BAD_OPTION_VALUE,
  AxiosError.ERR_INVALID_URL,
  AxiosError.ERR_NOT_SUPPORT,
  AxiosError.ERR_FR_TOO_MANY_REDIRECTS,
]);
const kLimit = Symbol('axios-client-cache.max-content-length');
/** Codes of Node's system errors (ECONNRESET, EAI_AGAIN…) and of undici's (UND_ERR_SOCKET…). */
const NETWORK_CODE = /^(?:E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/;

/** Sends a request's planned origin requests through its own adapter. */
class AxiosOrigin implements Origin<AxiosResponse> {
  readonly #config: Config;
  readonly #backend: CacheBackend;
  readonly #inner: (config: Config) => AxiosAdapter;

  constructor(config: Config, backend: CacheBackend, inner: (config: Config) => AxiosAdapter) {
    this.#config = config;
    this.#backend = backend;
    this.#inner = inner;
  }

  async pass(plan: RequestPlan): ReturnType<Origin<AxiosResponse>['pass']> {
    // The headers only matter to a request that can invalidate (their Location, Content-Location).
    const headersOf = (response: AxiosResponse) => (plan.invalidates ? toHeaderPairs(response.headers) : []);
    try {
      const response = await this.#inner(this.#config)(this.#config);
      return { response, status: response.status, headers: headersOf(response) };
    } catch (error) {
      // A status the caller's validateStatus refuses can still be a success that invalidates.
      const response = (error as AxiosError).response;
      if (error instanceof AxiosError && response !== undefined && response.status < 400) {
        return { refused: error, status: response.status, headers: headersOf(response) };
      }
      throw error;
    }
  }

  failed(error: unknown): boolean {
    if (!(error instanceof AxiosError)) {
      // A custom adapter's own error: an origin failure when it carries a network error's code
      // (ECONNRESET, ETIMEDOUT, undici's UND_ERR_…), as Node's and undici's errors do.
      const code = (error as { code?: unknown } | null)?.code;
      return error instanceof Error && typeof code === 'string' && NETWORK_CODE.test(code);
    }
    return !CALLER_ERRORS.has(error.code) && (error as { [kLimit]?: boolean })[kLimit] !== true;
  }

  async send(
    plan: RequestPlan,
    options: { headers?: readonly HeaderPair[] | undefined; signal?: AbortSignal | undefined; background: boolean },
  ): Promise<OriginReply> {
    const config = this.#config;
    const method = plan.method;
    const hops: RedirectHop[] = [];
    let hopUrl = plan.url;
    let hopMethod = method;
    const userBeforeRedirect = config.beforeRedirect;
    const limit = typeof config.maxContentLength === 'number' ? config.maxContentLength : -1;
    const overrides: Partial<Config> = {
      // (axios reads responseEncoding for neither type: the caller's is left alone.)
      responseType: plan.stream ? 'stream' : 'arraybuffer',
      validateStatus: null,
      // Decoded here, strictly, so a truncated gzip or brotli body is an error and not a short body.
      decompress: false,
      maxContentLength: limit === -1 ? -1 : limit + ENCODING_SLACK,
      beforeRedirect(next, responseDetails, requestDetails) {
        // Node's follow-redirects: `next` is the next hop; requestDetails (when given) the one redirected.
        hops.push({
          method: requestDetails?.method ?? hopMethod,
          url: requestDetails?.url ?? hopUrl,
          status: responseDetails.statusCode,
        });
        const hop = next as { href?: unknown; method?: unknown };
        if (typeof hop.href === 'string') hopUrl = hop.href;
        if (typeof hop.method === 'string') hopMethod = hop.method.toUpperCase();
        userBeforeRedirect?.(next, responseDetails, requestDetails);
      },
    };
    if (options.signal !== undefined) {
      overrides.signal = options.signal;
      overrides.cancelToken = undefined;
    }
    // A copy, always: axios's http adapter adds its defaults (User-Agent, Accept-Encoding) to the
    // headers object it is given, and the request's own must stay as planned — its Vary values
    // are read from it when the response is stored, and must equal a later lookup's.
    const sent = new AxiosHeaders(config.headers);
    if (options.headers !== undefined) for (const [name, value] of options.headers) sent.set(name, value);
    overrides.headers = sent;
    const clock = this.#backend.clock;
    const requestTime = clock();
    // A caller that can leave early (its own signal) or is not waiting (a refresh) must not lend its config.
    const borrow = !options.background && !config.signal && !config.cancelToken;
    // Without a shared request's signal, a request a caller waits for is that caller's own to cancel.
    const own = options.signal === undefined && !options.background;
    const raw = await sendWith(this.#inner(config), config, overrides, borrow, own);
    const responseTime = clock();
    const decompress = config.decompress !== false;
    const headers = toHeaderPairs(raw.headers);
    const encoding = decompress ? contentEncoding(headers, method, raw.status) : undefined;
    // As axios does: a decoded body, or one that cannot have a coding, loses Content-Encoding.
    const kept =
      decompress && (encoding !== undefined || method === 'HEAD' || raw.status === 204)
        ? headers.filter(([name]) => name !== 'content-encoding')
        : headers;
    // Without a redirect the final URL is the request's own (follow-redirects reports every hop).
    const finalUrl = hops.length === 0 ? undefined : finalUrlOf(raw);
    let body: OriginReply['body'];
    let native: unknown;
    if (plan.stream) {
      const copyMax = Math.min(storeLimit(this.#backend), limit === -1 ? Infinity : limit);
      const tapped = tee(raw, encoding, limit, copyMax, config);
      body = tapped.body;
      native = { stream: tapped.stream, request: raw.request } satisfies StreamNative;
    } else {
      body = decode(toBytes(raw.data), encoding, limit, config, raw);
      native = raw.request;
    }
    // One literal, not a spread of a partial reply: a spread copy was most of this function's own time.
    return {
      status: raw.status,
      statusText: raw.statusText ?? '',
      headers: kept,
      finalUrl,
      history: hops,
      requestTime,
      responseTime,
      body,
      native,
    };
  }
}

/**
 * Calls the inner adapter with `overrides` (its headers object among them) on the request's config. Borrowing sets them on
 * the config itself and puts the old values back before anything else can see it — the
 * request is awaiting this very call — since copying axios's merged config (some thirty
 * fields) cost more than the rest of a miss's own work. Otherwise a copy is sent, with the
 * caller's `signal` and `cancelToken` only when the request is the caller's `own`.
 */
function sendWith(
  inner: AxiosAdapter,
  config: Config,
  overrides: Partial<Config>,
  borrow: boolean,
  own: boolean,
): Promise<AxiosResponse> {
  if (!borrow) {
    // Not its signal when shared (the caller may be gone before this ends); `overrides` has its own headers object.
    return call(inner, {
      ...config,
      signal: own ? config.signal : undefined,
      cancelToken: own ? config.cancelToken : undefined,
      ...overrides,
    });
  }
  const target = config as unknown as Record<string, unknown>;
  const saved: Array<[string, boolean, unknown]> = [];
  for (const name of Object.keys(overrides)) {
    saved.push([name, Object.hasOwn(target, name), target[name]]);
    target[name] = (overrides as Record<string, unknown>)[name];
  }
  const restore = () => {
    // Last in, first out: deleting the property added last gives the config its old shape back
    // (deleting in any other order would leave it a slow dictionary-mode object).
    for (let i = saved.length - 1; i >= 0; i--) {
      const [name, had, value] = saved[i]!;
      if (had) target[name] = value;
      else delete target[name];
    }
  };
  return call(inner, config).then(
    (response) => {
      restore();
      return response;
    },
    (error: unknown) => {
      restore();
      throw error;
    },
  );
}

/** `adapter(config)` as a promise, also when the adapter throws or answers without one. */
function call(adapter: AxiosAdapter, config: Config): Promise<AxiosResponse> {
  try {
    return Promise.resolve(adapter(config));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The content coding axios would decode (a single known one), or undefined. */
function contentEncoding(headers: readonly HeaderPair[], method: string, status: number): string | undefined {
  if (method === 'HEAD' || status === 204) return undefined;
  let value: string | undefined;
  for (const [name, v] of headers) if (name === 'content-encoding') value = value === undefined ? v : `${value}, ${v}`;
  const coding = value?.trim().toLowerCase();
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
    case 'deflate':
    case 'br':
      return coding;
    case 'zstd':
      return typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function' ? coding : undefined;
    default:
      return undefined;
  }
}

/** The decoded body; a truncated or corrupt encoding, or one past `maxContentLength`, is an error. */
function decode(
  bytes: Uint8Array,
  encoding: string | undefined,
  limit: number,
  config: Config,
  raw: AxiosResponse,
): Uint8Array {
  let out = bytes;
  if (encoding !== undefined && bytes.byteLength > 0) {
    const options = limit === -1 ? {} : { maxOutputLength: limit + 1 };
    try {
      out = decodeSync(bytes, encoding, options);
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit, config, raw.request);
      throw new AxiosError(
        `Response body could not be decoded (${encoding}): ${(cause as Error).message}`,
        AxiosError.ERR_BAD_RESPONSE,
        config,
        raw.request,
      );
    }
  }
  if (limit !== -1 && out.byteLength > limit) throw tooLarge(limit, config, raw.request);
  return out;
}

function decodeSync(bytes: Uint8Array, encoding: string, options: zlib.ZlibOptions & zlib.BrotliOptions): Uint8Array {
  switch (encoding) {
    case 'br':
      return zlib.brotliDecompressSync(bytes, options);
    case 'deflate':
      // Servers send zlib-wrapped or raw deflate under this name; axios accepts both.
      try {
        return zlib.inflateSync(bytes, options);
      } catch {
        return zlib.inflateRawSync(bytes, options);
      }
    case 'zstd':
      return (zlib as unknown as { zstdDecompressSync(b: Uint8Array, o: object): Uint8Array }).zstdDecompressSync(
        bytes,
        options,
      );
    default:
      return zlib.unzipSync(bytes, options);
  }
}

function tooLarge(limit: number, config: Config, request: unknown): AxiosError {
  const error = new AxiosError(
    `maxContentLength size of ${limit} exceeded`,
    AxiosError.ERR_BAD_RESPONSE,
    config,
    request,
  );
  (error as { [kLimit]?: boolean })[kLimit] = true;
  return error;
}

function decoderFor(encoding: string): Transform {
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding) {
    case 'br':
      return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH });
    case 'deflate':
      return zlib.createUnzip(flush);
    case 'zstd':
      return (zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress();
    default:
      return zlib.createUnzip(flush);
  }
}

/**
 * The caller's stream (decoded as it arrives) and a copy of it for the store: the copy's
 * bytes once the body ended complete (every byte the origin framed arrived, the encoding
 * ended properly) and within `copyMax`, else `undefined`.
 */
function tee(
  raw: AxiosResponse,
  encoding: string | undefined,
  limit: number,
  copyMax: number,
  config: Config,
): { stream: Readable; body: Promise<Uint8Array | 'incomplete' | 'too-large'> } {
  const source = raw.data as Readable;
  const chunks: Buffer[] = [];
  let size = 0;
  let keep = copyMax > 0;
  let settled = false;
  let resolveBody!: (bytes: Uint8Array | 'incomplete' | 'too-large') => void;
  const body = new Promise<Uint8Array | 'incomplete' | 'too-large'>((resolve) => {
    resolveBody = resolve;
  });
  const finish = (bytes: Uint8Array | 'incomplete' | 'too-large') => {
    if (settled) return;
    settled = true;
    resolveBody(bytes);
  };
  const copy = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      size += chunk.length;
      if (limit !== -1 && size > limit) {
        finish('incomplete');
        done(tooLarge(limit, config, raw.request));
        return;
      }
      if (keep) {
        if (size > copyMax) {
          keep = false;
          chunks.length = 0;
        } else chunks.push(chunk);
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      const res = (raw.request as { res?: { complete?: boolean } } | undefined)?.res;
      finish(!keep ? 'too-large' : res?.complete === false ? 'incomplete' : Buffer.concat(chunks));
      done();
    },
  });
  copy.on('close', () => finish('incomplete'));
  copy.on('error', () => finish('incomplete'));
  const stages: Array<Readable | Transform> = [source];
  if (encoding !== undefined) stages.push(decoderFor(encoding));
  stages.push(copy);
  const out = new PassThrough();
  // An origin that resets, or an encoding that ends early, errors the caller's stream: the copy is not kept.
  const streams = stages.concat(out) as unknown as [Readable, ...Transform[], PassThrough];
  pipeline(streams, () => finish('incomplete'));
  return { stream: out, body };
}

/** The largest streamed body copied for the store: what the store takes, when it says. */
function storeLimit(backend: CacheBackend): number {
  const max = backend.responses.maxEntryBytes;
  return typeof max === 'number' && max > 0 ? max : STREAM_COPY_MAX;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === 'string') return Buffer.from(data);
  if (data == null) return new Uint8Array(0);
  return Buffer.from(JSON.stringify(data));
}

function finalUrlOf(raw: AxiosResponse): string | undefined {
  const responseUrl = (raw.request as { res?: { responseUrl?: unknown } } | undefined)?.res?.responseUrl;
  if (typeof responseUrl !== 'string' || responseUrl === '') return undefined;
  try {
    return normalizeUrl({ url: responseUrl });
  } catch {
    return undefined;
  }
}
