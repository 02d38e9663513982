import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { run } from '@axios-client-cache/cli';
import { attachCache, type CachedAxiosInstance, type CacheBackend } from '@axios-client-cache/core';
import { startOrigin, type Origin } from '../../../core/test/helpers/origin.js';

/** The built command (`pnpm build`, which `pnpm test` runs first): what users run. */
export const BIN = join(__dirname, '..', '..', 'dist', 'bin.js');

/** What one run of the command gave. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything every run printed, for the "never a credential" checks. */
export const printed: string[] = [];

// The command must not pick these up unless a test gives them.
const { REDIS_URL: _url, CACHE_KEY: _key, REDIS_CLUSTER_NODES: _nodes, ...quietEnv } = process.env;

/** Runs the built command as a child process, its stderr a pipe (not a TTY). */
export function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...quietEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the command in this process (the sources, through `run()`), with `env` as its whole
 * environment: for the variations of a command whose child-process run is tested already
 * (each process start costs ~0.5 s of CPU, mostly loading axios through core).
 */
export async function inProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  isTTY = false,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
      },
    },
    env,
    isTTY,
  });
  printed.push(stdout, stderr);
  return { code, stdout, stderr };
}

/** Runs the command (`how`: {@link cli} or {@link inProcess}) with `--json` and parses its stdout. */
// biome-ignore lint/suspicious/noExplicitAny: the callers read the JSON of each command by its own shape
export async function asJson<T = any>(
  how: (args: readonly string[], env?: Record<string, string>) => Promise<Run>,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<Run & { json: T }> {
  const result = await how([...args, '--json'], env);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return { ...result, json };
}

/** The origin every cache of these tests is populated from: JSON users, a two-hop redirect, a static file. */
export function startTestOrigin(): Promise<Origin> {
  return startOrigin((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hop1') {
      res.writeHead(302, { location: '/hop2' }).end();
    } else if (url.pathname === '/hop2') {
      res.writeHead(302, { location: '/final' }).end();
    } else if (url.pathname === '/final') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('the final page');
    } else if (url.pathname.startsWith('/static/')) {
      res.writeHead(200, { 'content-type': 'image/svg+xml', etag: '"logo-1"' }).end('<svg/>');
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'abc123' });
      res.end(JSON.stringify({ path: url.pathname, page: url.searchParams.get('page'), users: ['ada', 'grace'] }));
    }
  });
}

/** An axios instance caching in `backend`; `get` resolves once the response is stored in Redis. */
export function cachedClient(
  origin: Origin,
  backend: CacheBackend,
): {
  api: CachedAxiosInstance<AxiosInstance>;
  get: (path: string, config?: Parameters<AxiosInstance['get']>[1]) => Promise<void>;
} {
  const api = attachCache(axios.create({ baseURL: origin.url }), backend);
  return {
    api,
    async get(path, config) {
      const stored = new Promise<void>((resolve) => {
        const off = backend.on('stored', () => {
          off();
          resolve();
        });
      });
      const res = await api.get(path, config);
      if (res.fromCache) throw new Error(`${path} was already cached`);
      await stored;
    },
  };
}

/** A line that is no stack trace: what every error of the command must be. */
export function expectOneLine(stderr: string): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}
