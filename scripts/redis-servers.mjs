// Starts and stops real Redis servers for tests: a standalone redis-server on a free
// loopback port, and a Redis Cluster (3 masters, no replicas unless asked). Used by with-redis.mjs and by
// integration tests that need a server of their own to kill, freeze or fill.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const HOST = '127.0.0.1';

/** Path of redis-server: $REDIS_SERVER_BIN, else the first one on PATH or in /usr/bin. */
export function findRedisServer() {
  const candidates = [
    process.env.REDIS_SERVER_BIN,
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'redis-server')),
    '/usr/bin/redis-server',
  ];
  return candidates.find((p) => p && existsSync(p));
}

/** Path of redis-cli next to redis-server, else on PATH. */
export function findRedisCli(serverBin = findRedisServer()) {
  const sibling = serverBin ? join(serverBin, '..', 'redis-cli') : undefined;
  const candidates = [
    sibling,
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'redis-cli')),
    '/usr/bin/redis-cli',
  ];
  return candidates.find((p) => p && existsSync(p));
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if ((await canListen(port)) && (await canListen(port + 10000))) return port;
  }
  throw new Error('No free loopback port found for redis-server');
}

/** Sends one inline command over a raw socket and returns the reply text ('' on failure). */
export function rawCommand(port, command, timeoutMs = 1000) {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect({ port, host: HOST });
    const done = (value) => {
      socket.destroy();
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => done(''), timeoutMs);
    socket.on('error', () => done(''));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (data.startsWith('$')) {
        const n = Number(data.slice(1, data.indexOf('\r\n')));
        if (n < 0 || data.length >= data.indexOf('\r\n') + 2 + n) done(data);
      } else if (data.endsWith('\r\n')) done(data);
    });
  });
}

async function waitFor(what, check, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/**
 * Starts redis-server on a loopback port (free unless given) with no persistence.
 * Resolves once it answers PING. `extraArgs` are more `--name value` arguments.
 * @returns {Promise<RedisServer>}
 */
export async function startRedisServer({ port, dir, extraArgs = [], bin = findRedisServer() } = {}) {
  if (!bin) throw new Error('redis-server not found: install the redis-server package or set REDIS_SERVER_BIN');
  port ??= await freePort();
  const ownDir = dir === undefined;
  dir ??= mkdtempSync(join(tmpdir(), 'acc-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    join(dir, `redis-${port}.log`),
    '--daemonize',
    'no',
    ...extraArgs,
  ];
  const server = new RedisServer({ bin, args, port, dir, ownDir });
  await server.start();
  return server;
}

export class RedisServer {
  constructor({ bin, args, port, dir, ownDir }) {
    this.bin = bin;
    this.args = args;
    this.port = port;
    this.dir = dir;
    this.ownDir = ownDir;
    this.url = `redis://${HOST}:${port}`;
    this.process = undefined;
  }

  get pid() {
    return this.process?.pid;
  }

  /** Starts (or restarts, after a kill) the server and waits until it answers PING. */
  async start() {
    const child = spawn(this.bin, this.args, { stdio: 'ignore', detached: false });
    this.process = child;
    child.exited = new Promise((resolve) => child.once('exit', resolve));
    child.once('error', () => {});
    await waitFor(`redis-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (see ${this.dir})`);
      return (await rawCommand(this.port, 'PING', 500)).startsWith('+PONG');
    });
  }

  /** Sends a signal to the server process. */
  signal(name) {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) this.process.kill(name);
  }

  /** SIGKILL and wait for the process to be gone. */
  async kill() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await child.exited;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and removes its temp dir if it made it. */
  async stop() {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await child.exited;
      clearTimeout(timer);
    }
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts a Redis Cluster of `masters` nodes, each with `replicas` replicas (none by default),
 * on free loopback ports and waits for `cluster_state:ok` on every node and, with replicas,
 * for every replica's link to its master to be up.
 */
export async function startRedisCluster({ masters = 3, replicas = 0, bin = findRedisServer() } = {}) {
  const cli = findRedisCli(bin);
  if (!cli) throw new Error('redis-cli not found: install the redis-tools (or redis-server) package');
  const dir = mkdtempSync(join(tmpdir(), 'acc-redis-cluster-'));
  const servers = [];
  const cluster = new RedisCluster(servers, dir);
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      servers.push(
        await startRedisServer({
          port,
          dir,
          bin,
          // A replica's first sync starts at once (Redis waits 5 s for more replicas by default).
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
            '--repl-diskless-sync-delay',
            '0',
          ],
        }),
      );
    }
    const addresses = servers.map((s) => `${HOST}:${s.port}`);
    const created = spawnSync(
      cli,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    await waitFor(
      'cluster_state:ok',
      async () => {
        for (const s of servers) {
          if (!(await rawCommand(s.port, 'CLUSTER INFO', 500)).includes('cluster_state:ok')) return false;
          if (replicas > 0) {
            const info = await rawCommand(s.port, 'INFO replication', 500);
            if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
          }
        }
        return true;
      },
      20_000,
    );
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

export class RedisCluster {
  constructor(servers, dir) {
    this.servers = servers;
    this.dir = dir;
  }

  /** `host:port` of every node (masters first when created), comma separated (the REDIS_CLUSTER_NODES format). */
  get nodes() {
    return this.servers.map((s) => `${HOST}:${s.port}`).join(',');
  }

  async stop() {
    await Promise.all(this.servers.map((s) => s.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
