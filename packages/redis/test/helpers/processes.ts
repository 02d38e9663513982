import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** A worker process (helpers/worker.ts, or another script of this folder) sharing the cache `cacheName`. */
export class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;

  constructor(env: Record<string, string>, script = 'worker.ts') {
    this.child = fork(join(__dirname, script), [], {
      cwd: ROOT, // tsx maps @axios-client-cache/* to the sources through the root tsconfig's paths
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = this.#next().then(() => undefined);
  }

  /** Sends a message and resolves with the reply. */
  ask<T>(message: unknown): Promise<T> {
    const reply = this.#next() as Promise<T>;
    this.child.send(message as object);
    return reply;
  }

  #next(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`worker exited with code ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (m) => {
        this.child.off('exit', onExit);
        resolve(m);
      });
    });
  }

  /** Asks the worker to close its cache and exit; kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * An HTTP origin on 127.0.0.1 that answers after `latencyMs`; `/boom…` paths drop the
 * connection; `?tag=…` and `?cc=…` set the Cache-Tag and Cache-Control of the answer, and
 * `?cc2=…` the Cache-Control of every answer to the path after its first.
 */
export async function startOrigin(
  latencyMs: number,
): Promise<{ url: string; count: (path?: string) => number; close: () => Promise<void> }> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    setTimeout(() => {
      if (path.startsWith('/boom')) {
        req.socket.destroy();
        return;
      }
      const query = new URL(path, 'http://origin').searchParams;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (query.has('tag')) headers['cache-tag'] = query.get('tag')!;
      const cc = counts.get(path)! > 1 && query.has('cc2') ? query.get('cc2') : query.get('cc');
      if (cc !== null) headers['cache-control'] = cc;
      res.writeHead(200, headers);
      res.end(JSON.stringify({ path, served: counts.get(path) }));
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (path) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
