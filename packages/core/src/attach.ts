/**
 * attachCache / detachCache: every request goes through a caching adapter (axios-adapter.ts)
 * that wraps the request's own adapter — the instance's default adapter is replaced by it, and
 * a request interceptor routes a per-request `adapter` through it too. The cache looks up,
 * revalidates and stores at that seam, so keys see every header any interceptor added, and
 * axios's transformResponse, validateStatus and response interceptors run on a cached response
 * as on a network one.
 */
import type { AxiosInstance } from 'axios';
import { createCachingAdapter, jsonBodies, requestAdapters, type Config } from './axios-adapter.js';
import { CacheBackend } from './backend.js';
import { CacheConfigError, invalidOption } from './errors.js';
import type { ExpireAfter } from './expiry.js';
import type { CacheBackendOptions } from './options.js';
import type { RequestCacheOptions } from './request-plan.js';

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

interface AttachedState {
  readonly backend: CacheBackend;
  readonly interceptor: number;
  /** The caching adapter, and the default adapter the instance had before. */
  readonly adapter: unknown;
  readonly previous: unknown;
}

/** A transformRequest step that remembers a JSON body (plain object or array) before it is serialised. */
function captureData(this: Config, data: unknown): unknown {
  if (
    Array.isArray(data) ||
    (typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype)
  )
    jsonBodies.set(this, data);
  return data;
}

/** The backend `options` give or describe; options beside a `backend` would be ignored, so they are an error. */
function backendOf(options: AttachCacheOptions | undefined): CacheBackend {
  if (options instanceof CacheBackend) return options;
  if (options === undefined || options === null || typeof options !== 'object') return new CacheBackend(options);
  const { backend, ...rest } = options;
  if (backend === undefined) return new CacheBackend(rest);
  if (!(backend instanceof CacheBackend)) invalidOption('backend', backend, 'a CacheBackend');
  const extra = Object.keys(rest)[0];
  if (extra !== undefined)
    invalidOption(extra, (rest as Record<string, unknown>)[extra], 'nothing beside backend: give it to the backend');
  return backend;
}

/**
 * Adds a cache to an axios instance and returns the same instance, with `.cache`.
 * With no options, an in-memory DictCache: no server needed.
 */
export function attachCache<T extends AxiosInstance>(
  instance: T,
  options?: AttachCacheOptions,
): CachedAxiosInstance<T> {
  if ((instance as unknown as Record<symbol, unknown>)[kState]) {
    throw new CacheConfigError('Invalid instance: a cache is already attached (call detachCache first)');
  }
  const backend = backendOf(options);
  const previous = instance.defaults.adapter;
  const adapter = createCachingAdapter(backend, previous);
  instance.defaults.adapter = adapter;
  const interceptor = instance.interceptors.request.use(
    (config: Config) => {
      // A request with an adapter of its own (or an instance default set after attachCache).
      if (config.adapter !== adapter) {
        requestAdapters.set(config, config.adapter);
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
  const state: AttachedState = { backend, interceptor, adapter, previous };
  Object.defineProperty(instance, kState, { value: state, configurable: true });
  Object.defineProperty(instance, 'cache', { value: backend, configurable: true, enumerable: false });
  return instance as CachedAxiosInstance<T>;
}

/** Removes the cache from an instance (closing its stores when `autoclose` is set). */
export async function detachCache<T extends AxiosInstance>(instance: T | CachedAxiosInstance<T>): Promise<T> {
  const state = (instance as unknown as Record<symbol, AttachedState | undefined>)[kState];
  if (!state) return instance as T;
  instance.interceptors.request.eject(state.interceptor);
  if (instance.defaults.adapter === state.adapter)
    instance.defaults.adapter = state.previous as typeof instance.defaults.adapter;
  delete (instance as unknown as Record<symbol, unknown>)[kState];
  delete (instance as unknown as Record<string, unknown>).cache;
  await state.backend.closeIfEnabled();
  return instance as T;
}
