/**
 * The workload every contender gets: one ~1 KiB JSON body, an adapter that answers with it
 * at once (the floor), and a real origin in another process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AxiosHeaders, type AxiosAdapter } from 'axios';

/** A typical small JSON API response, ~1 KiB. */
export const BODY = {
  id: 4711,
  name: 'Rotating bench widget',
  status: 'active',
  owner: { id: 17, login: 'ada', email: 'ada@example.com' },
  createdAt: '2025-11-25T10:00:00.000Z',
  tags: ['cache', 'axios', 'bench', 'json', 'http'],
  price: { amount: 1999, currency: 'EUR' },
  items: Array.from({ length: 11 }, (_, i) => ({
    sku: `SKU-${1000 + i}`,
    qty: i + 1,
    note: 'lorem ipsum dolor sit amet',
  })),
  description: 'A medium-sized JSON document, as a typical REST API returns for one resource.',
};
export const BODY_JSON = JSON.stringify(BODY);

/**
 * An adapter that answers every request at once with {@link BODY_JSON} (a string, as axios's
 * http adapter gives `transformResponse` for `responseType: 'json'`), or its bytes when asked.
 */
export function instantAdapter(cacheControl = 'max-age=3600'): AxiosAdapter {
  const bytes = Buffer.from(BODY_JSON);
  return async (config) => ({
    data: config.responseType === 'arraybuffer' ? bytes : BODY_JSON,
    status: 200,
    statusText: 'OK',
    headers: new AxiosHeaders({ 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControl }),
    config,
    request: {},
  });
}

/** A running origin process (see origin.ts). */
export interface Origin {
  baseURL: string;
  /** Requests the origin has seen since the previous call. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the origin in its own process. */
export async function startOrigin(options: { latencyMs?: number; cacheControl?: string } = {}): Promise<Origin> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./origin.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ORIGIN_LATENCY_MS: String(options.latencyMs ?? 0),
      ORIGIN_CACHE_CONTROL: options.cacheControl ?? 'max-age=3600',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(field: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m !== null && typeof m === 'object' && field in m) {
          child.off('exit', onExit);
          child.off('message', onMessage);
          resolve((m as Record<string, T>)[field]!);
        }
      };
      const onExit = (code: number | null) => reject(new Error(`origin exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const port = await next<number>('port');
  return {
    baseURL: `http://127.0.0.1:${port}`,
    count: async () => {
      const answer = next<number>('count');
      child.send('count');
      return answer;
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
