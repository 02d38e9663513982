/**
 * Compile-time checks of the per-request typing (module augmentation of axios). Never run:
 * `pnpm typecheck` (tsc over packages/*\/test) fails if a line here stops compiling, or if a
 * `@ts-expect-error` line starts compiling.
 */
import axios from 'axios';
import { attachCache, type CacheBackend, type CachedAxiosInstance } from '@axios-client-cache/core';

declare const api: CachedAxiosInstance;

export async function typeChecks(): Promise<void> {
  const attached = attachCache(axios.create({ baseURL: 'https://api.example.com' }), { expireAfter: '10m' });
  const backend: CacheBackend = attached.cache;
  void backend;

  await api.get('/users', { expireAfter: '5m' });
  await api.get('/users', { expireAfter: 60 });
  await api.get('/users', { expireAfter: new Date() });
  await api.get('/users', { expireAfter: { minutes: 5 } });
  await api.get('/users', { refresh: true });
  await api.post('/search', { q: 1 }, { expireAfter: -1, clientCache: { staleIfError: '1h', onlyIfCached: false } });
  await api.get('/users', { clientCache: false });
  await api.request({ url: '/users', clientCache: { enabled: false, staleIfError: true } });

  // @ts-expect-error a boolean is not an ExpireAfter
  await api.get('/users', { expireAfter: {} as unknown as boolean });
  // @ts-expect-error refresh is a boolean
  await api.get('/users', { refresh: 'yes' });
  // @ts-expect-error clientCache is an options object or false
  await api.get('/users', { clientCache: true });
  // @ts-expect-error unknown per-request switch
  await api.get('/users', { clientCache: { nope: 1 } });

  const res = await api.get<{ id: number }>('/users');
  const fromCache: boolean | undefined = res.fromCache;
  const createdAt: Date | undefined = res.createdAt;
  const expires: Date | null | undefined = res.expires;
  const isExpired: boolean | undefined = res.isExpired;
  const cacheKey: string | undefined = res.cacheKey;
  const id: number = res.data.id;
  void [fromCache, createdAt, expires, isExpired, cacheKey, id];
  // @ts-expect-error fromCache is a boolean
  const wrong: string | undefined = res.fromCache;
  void wrong;
}
