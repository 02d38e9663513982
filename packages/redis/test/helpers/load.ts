import type { AxiosAdapter, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';

/** An origin answering every request after `latencyMs`, counting what it served. */
export function slowOrigin(latencyMs: number): { adapter: AxiosAdapter; requests: () => number } {
  let requests = 0;
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    requests++;
    await new Promise((r) => setTimeout(r, latencyMs));
    return {
      data: Buffer.from(JSON.stringify({ url: config.url, n: requests })),
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      config,
      request: {},
    };
  };
  return { adapter, requests: () => requests };
}

/** What a load run saw. */
export interface LoadResult {
  failures: unknown[];
  durations: number[];
  hits: number;
  maxMs: number;
}

/**
 * `total` GETs over `urls` distinct paths, `concurrency` at a time. `onRequest(i)` runs as
 * request i starts (to inject a fault mid-load).
 */
export async function runLoad(
  api: AxiosInstance,
  {
    total = 1000,
    concurrency = 50,
    urls = 25,
    pauseMs = 1,
    onRequest,
  }: { total?: number; concurrency?: number; urls?: number; pauseMs?: number; onRequest?: (i: number) => void } = {},
): Promise<LoadResult> {
  const result: LoadResult = { failures: [], durations: [], hits: 0, maxMs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      onRequest?.(i);
      const started = performance.now();
      try {
        const res = await api.get(`/item/${i % urls}`);
        if ((res as { fromCache?: boolean }).fromCache) result.hits++;
      } catch (error) {
        result.failures.push(error);
      }
      const ms = performance.now() - started;
      result.durations.push(ms);
      if (ms > result.maxMs) result.maxMs = ms;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** Resolves with the ms it took until a request is a hit again (rejects after `maxMs`). */
export async function timeToHit(api: AxiosInstance, maxMs = 10_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const res = await api.get('/item/recovery');
    if ((res as { fromCache?: boolean }).fromCache) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no hit within ${maxMs} ms after recovery`);
}
