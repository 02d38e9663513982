import axios, {
  AxiosHeaders,
  type AxiosAdapter,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from 'axios';
import { attachCache, CacheBackend, type CacheBackendOptions } from '@axios-client-cache/core';

/** What a fake origin answers. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** A request the fake origin saw. */
export interface FakeSeen {
  method: string;
  url: string;
  headers: AxiosHeaders;
}

/** An in-process origin (no I/O): an axios adapter that answers from `handler` and counts calls. */
export interface FakeOrigin {
  adapter: AxiosAdapter;
  seen: FakeSeen[];
  readonly count: number;
}

export function fakeOrigin(handler: (req: FakeSeen, n: number) => FakeReply | Promise<FakeReply>): FakeOrigin {
  const seen: FakeSeen[] = [];
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    const headers = AxiosHeaders.from(config.headers as AxiosHeaders);
    const req: FakeSeen = {
      method: (config.method ?? 'get').toUpperCase(),
      url: `${config.baseURL ?? ''}${config.url ?? ''}`,
      headers,
    };
    seen.push(req);
    const reply = await handler(req, seen.length);
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body ?? '');
    return {
      data: config.responseType === 'arraybuffer' ? body : body.toString('utf8'),
      status: reply.status ?? 200,
      statusText: 'X',
      headers: new AxiosHeaders(reply.headers ?? {}),
      config,
      request: {},
    };
  };
  return {
    adapter,
    seen,
    get count() {
      return seen.length;
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)): {
  now: () => number;
  tick(ms: number): void;
  set(t: number): void;
} {
  let t = start;
  return {
    now: () => t,
    tick: (ms) => {
      t += ms;
    },
    set: (v) => {
      t = v;
    },
  };
}

export const httpDate = (ms: number) => new Date(ms).toUTCString();

/** The base URL of {@link cachedFake}'s instance. */
export const FAKE_BASE = 'https://api.example.com';

/**
 * What most in-process tests start from: a backend on a manual clock, and an axios instance
 * (base URL {@link FAKE_BASE}) whose requests go to a fake origin answering from `handler`.
 */
export function cachedFake(
  handler: (req: FakeSeen, n: number) => FakeReply | Promise<FakeReply>,
  options: CacheBackendOptions = {},
  config: CreateAxiosDefaults = {},
) {
  const clock = manualClock();
  const origin = fakeOrigin(handler);
  const backend = new CacheBackend({ clock: clock.now, ...options });
  const api = attachCache(axios.create({ baseURL: FAKE_BASE, adapter: origin.adapter, ...config }), backend);
  return { api, origin, clock, backend };
}
