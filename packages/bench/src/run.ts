/**
 * `pnpm bench`: runs every case in its own process and writes docs/benchmarks.md and
 * docs/benchmarks.svg from the figures.
 *
 *   pnpm bench                           every case; rewrites the docs
 *   pnpm bench -- --quick                short rounds (or BENCH_QUICK=1); writes to a temp dir
 *   pnpm bench -- --only=memory-hit,herd some cases
 *   pnpm bench -- --out=/some/dir        where to write the two files
 *
 * The Redis cases get `REDIS_URL`; when it is not set, a redis-server is started on a free
 * loopback port for the run and stopped after.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer, type RedisServer } from '../../../scripts/redis-servers.mjs';
import { CASE_NAMES } from './child.js';
import type { CaseResult } from './harness.js';
import { markdown, svg, type CaseOutcome, type RunInfo } from './report.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ROOT = here('../../../');
const BENCH_DIR = here('../');
const CASE_TIMEOUT_MS = 10 * 60_000;

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .filter(Boolean);
const outArg = args.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const unknown = args.filter((a) => a !== '--quick' && !a.startsWith('--only=') && !a.startsWith('--out='));
if (unknown.length) fail(`unknown argument(s): ${unknown.join(' ')}`);
const cases = only ?? CASE_NAMES;
for (const name of cases) if (!CASE_NAMES.includes(name)) fail(`unknown case ${name}; cases: ${CASE_NAMES.join(', ')}`);
const outDir = outArg ?? (quick ? mkdtempSync(join(os.tmpdir(), 'acc-bench-')) : join(ROOT, 'docs'));

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function version(pkg: string): string {
  for (const base of [join(BENCH_DIR, 'node_modules'), join(ROOT, 'node_modules')]) {
    const file = join(base, pkg, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'not installed';
}

function git(...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The commit measured; says so when the sources changed under the run or were not committed. */
function commitLabel(headBefore: string): string {
  const head = git('rev-parse', '--short', 'HEAD');
  const moved = head === headBefore ? '' : ` (HEAD moved from ${headBefore} during the run)`;
  const dirty = git(
    'status',
    '--porcelain',
    '--',
    'packages/core/src',
    'packages/memory/src',
    'packages/redis/src',
    'packages/signed/src',
  );
  return `${head}${moved}${dirty ? ', with uncommitted changes in package sources' : ''}`;
}

/** Runs one case in a child process; resolves with its outcome, never rejects. */
function runCase(name: string, env: NodeJS.ProcessEnv): Promise<CaseOutcome> {
  const loadBefore = os.loadavg();
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, 'src/child.ts'), name], {
      cwd: BENCH_DIR,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: CaseResult | undefined;
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = `timed out after ${CASE_TIMEOUT_MS / 1000} s`;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.on('message', (m: { result?: CaseResult | Record<string, number>; error?: string }) => {
      if (m.error !== undefined) error = m.error;
      else if (m.result !== undefined) result = toCaseResult(name, m.result);
    });
    child.once('error', (e) => {
      error = e.message;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!result && !error) error = `exited with ${signal ?? code} and no result`;
      resolve({ name, loadBefore, seconds: (Date.now() - started) / 1000, ...(result ? { result } : { error }) });
    });
  });
}

const EXTERNAL_TITLES: Record<string, string> = {
  'redis-hit': 'Redis hit (packages/bench/src/redis-hit.ts)',
  signed: 'Signed and encrypted entries (packages/bench/src/signed.ts)',
  'memory-scale': 'Memory store scale (packages/bench/src/memory-scale.ts)',
};

/** Another owner's flat figures, as a case result. */
function toCaseResult(name: string, raw: CaseResult | Record<string, number>): CaseResult {
  if ('rows' in raw && Array.isArray(raw.rows)) return raw as CaseResult;
  const figures = raw as Record<string, number>;
  return {
    title: EXTERNAL_TITLES[name] ?? name,
    method: `Figures from \`run()\` of \`packages/bench/src/${name}.ts\` (its owner's bench; see the file for how each is measured), run in its own process.`,
    rows: [],
    goals: goalsOf(name, figures),
    notes: [],
    figures,
  };
}

/**
 * Goals for the other owners' cases: the issue's where it sets one, else the target written in
 * the owner's bench file (named as such), else the figure is reported without a verdict.
 */
function goalsOf(name: string, f: Record<string, number>): CaseResult['goals'] {
  const goals: CaseResult['goals'] = [];
  const has = (...keys: string[]) => keys.every((k) => f[k] !== undefined);
  const x = (v: number) => `${v.toFixed(3)}×`;
  if (name === 'redis-hit') {
    if (has('redis.hit.ours.commandsPerHit')) {
      const v = f['redis.hit.ours.commandsPerHit']!;
      goals.push({
        goal: 'Redis commands per hit: 1',
        measured: `${v} (limit ${f['redis.hit.limit.commandsPerHit'] ?? '?'}, axios-cache-interceptor ${f['redis.hit.aci.commandsPerHit'] ?? '?'})`,
        met: v === 1,
      });
    }
    for (const c of ['c1', 'c32']) {
      const k = `redis.hit.ours.vsLimit.${c}`;
      if (has(k))
        goals.push({
          goal: `hits/s vs the limit (bare ioredis GET) at concurrency ${c.slice(1)}: ≥ 0.95 (redis-hit.ts's target)`,
          measured: x(f[k]!),
          met: f[k]! >= 0.95,
        });
      if (has(`redis.hit.ours.${c}.rps`, `redis.hit.aci.${c}.rps`)) {
        const r = f[`redis.hit.ours.${c}.rps`]! / f[`redis.hit.aci.${c}.rps`]!;
        goals.push({
          goal: `hits/s vs axios-cache-interceptor's Redis recipe at concurrency ${c.slice(1)}`,
          measured: x(r),
          met: null,
        });
      }
    }
  }
  if (name === 'memory-scale') {
    for (const k of ['memory.hit.store.uniform.ratio', 'memory.hit.store.zipf.ratio', 'memory.hit.axios.ratio']) {
      if (has(k))
        goals.push({
          goal: `hit latency, 100k vs 1k entries (\`${k}\`): ≤ 1.1× (memory-scale.ts's target)`,
          measured: x(f[k]!),
          met: f[k]! <= 1.1,
        });
    }
    if (has('memory.heap.bytesPer1KiBEntry')) {
      const v = f['memory.heap.bytesPer1KiBEntry']!;
      goals.push({
        goal: "heap bytes per 1 KiB entry: ≤ 1.5 KiB (memory-scale.ts's target)",
        measured: `${v} B`,
        met: v <= 1536,
      });
    }
  }
  if (name === 'signed') {
    // Below zero when a signed hit is the cheaper one: the serializer keeps what it verified
    // (by the stored bytes), where unsigned msgpack decodes on every hit.
    const addedOver = (us: number) =>
      us >= 0
        ? `+${us.toFixed(1)} µs over unsigned msgpack`
        : `${Math.abs(us).toFixed(1)} µs less than unsigned msgpack (verified entries are kept decoded)`;
    for (const size of ['1KiB', '10KiB', '100KiB']) {
      const k = `signed.hit.${size}.signed.addedOverMsgpack.ns`;
      if (!has(k)) continue;
      const us = f[k]! / 1000;
      goals.push(
        size === '10KiB'
          ? {
              goal: "hit cost added by signing, 10 KiB: ≤ 10 µs (signed.ts's target)",
              measured: addedOver(us),
              met: us <= 10,
            }
          : {
              goal: `hit cost added by signing, ${size}`,
              measured: addedOver(us),
              met: null,
            },
      );
    }
    for (const size of ['1KiB', '10KiB', '100KiB']) {
      const k = `signed.size.${size}.signed.overhead.bytes`;
      const p = `signed.size.${size}.msgpack.bytes`;
      if (!has(k, p)) continue;
      const limit = f[p]! * 0.01 + 200;
      goals.push({
        goal: `stored size added by signing, ${size}: ≤ 1 % + 200 B (signed.ts's target)`,
        measured: `+${f[k]} B`,
        met: f[k]! <= limit,
      });
    }
  }
  return goals;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const headBefore = git('rev-parse', '--short', 'HEAD');
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_QUICK: quick ? '1' : '0' };
  let redis: RedisServer | undefined;
  let redisNote = env.REDIS_URL ? `REDIS_URL from the environment (${env.REDIS_URL})` : 'not used';
  const stop = async () => {
    await redis?.stop();
    redis = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stop().then(() => process.exit(130)));
  const outcomes: CaseOutcome[] = [];
  try {
    if ((cases.includes('redis-hit') || cases.includes('near-cache')) && !env.REDIS_URL) {
      redis = await startRedisServer();
      env.REDIS_URL = redis.url;
      redisNote =
        `redis-server ${execFileSync(redis.process?.spawnfile ?? 'redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? ''}` +
        ' started by the bench on a free loopback port, no persistence';
    }
    for (const name of cases) {
      process.stdout.write(`bench: ${name}…\n`);
      const outcome = await runCase(name, env);
      process.stdout.write(
        `bench: ${name} ${outcome.result ? 'done' : `FAILED: ${outcome.error?.split('\n')[0]}`} in ${outcome.seconds.toFixed(0)} s\n`,
      );
      outcomes.push(outcome);
    }
  } finally {
    await stop();
  }
  const cpus = os.cpus();
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `pnpm bench${quick ? ' -- --quick' : ''}${only ? ` -- --only=${only.join(',')}` : ''}`,
    quick,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: commitLabel(headBefore),
    versions: {
      axios: version('axios'),
      'axios-cache-interceptor': version('axios-cache-interceptor'),
      ioredis: version('ioredis'),
      undici: version('undici'),
      'undici-cache-redis': version('undici-cache-redis'),
      tsx: version('tsx'),
      ...Object.fromEntries(
        ['core', 'memory', 'redis', 'signed'].map((p) => [
          `@axios-client-cache/${p}`,
          `${version(`@axios-client-cache/${p}`)} (workspace)`,
        ]),
      ),
    },
    loadBefore,
    loadAfter: os.loadavg(),
    durationS: (Date.now() - started) / 1000,
    redis: redisNote,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'benchmarks.md'), markdown(info, outcomes));
  writeFileSync(join(outDir, 'benchmarks.svg'), svg(info, outcomes));
  process.stdout.write(`bench: wrote ${join(outDir, 'benchmarks.md')} and benchmarks.svg\n`);
  for (const o of outcomes)
    for (const g of o.result?.goals ?? [])
      process.stdout.write(
        `  ${g.met === null ? 'info' : g.met ? 'met ' : 'MISS'}  ${o.name}: ${g.goal}: ${g.measured}\n`,
      );
  if (outcomes.some((o) => !o.result)) process.exitCode = 1;
}

await main();
