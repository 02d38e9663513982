#!/usr/bin/env node
// Runs a command with real Redis servers: a standalone redis-server and a 3-master Redis
// Cluster on free loopback ports, in a temp dir. Their addresses reach the command as
// REDIS_URL, REDIS_CLUSTER_NODES (host:port,…) and REDIS_SERVER_BIN. The servers are
// always stopped afterwards (also on SIGINT/SIGTERM or failure); exits with the command's code.
//
//   node scripts/with-redis.mjs jest [jest args…]   → pnpm exec jest [jest args…]
//   node scripts/with-redis.mjs <cmd> [args…]
import { spawn, spawnSync } from 'node:child_process';
import { findRedisServer, startRedisCluster, startRedisServer } from './redis-servers.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-redis.mjs jest [args…] | <command> [args…]');
  process.exit(2);
}

function ensureRedisServer() {
  let bin = findRedisServer();
  if (bin) return bin;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log('with-redis: redis-server not found, installing it with apt-get (redis-server package)…');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = findRedisServer();
    if (bin) return bin;
  }
  console.error(
    'with-redis: redis-server is not installed. Install the Debian package `redis-server` ' +
      '(apt-get install redis-server) or set REDIS_SERVER_BIN to its path.',
  );
  process.exit(1);
}

const started = [];
let stopping;
function stopAll() {
  stopping ??= Promise.allSettled(started.map((s) => s.stop()));
  return stopping;
}

let child;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill(signal);
    else void stopAll().then(() => process.exit(130));
  });
}

let code = 1;
try {
  const bin = ensureRedisServer();
  const standalone = await startRedisServer({ bin });
  started.push(standalone);
  const cluster = await startRedisCluster({ bin });
  started.push(cluster);
  const env = { ...process.env, REDIS_URL: standalone.url, REDIS_CLUSTER_NODES: cluster.nodes, REDIS_SERVER_BIN: bin };
  const [file, fileArgs] = cmd === 'jest' ? ['pnpm', ['exec', 'jest', ...args]] : [cmd, args];
  child = spawn(file, fileArgs, { stdio: 'inherit', env });
  code = await new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`with-redis: cannot run ${file}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
} catch (error) {
  console.error(`with-redis: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
