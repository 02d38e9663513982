#!/usr/bin/env node
// Installs the packages as a new user would, and uses them. Packs every public package
// (`pnpm pack`, so `workspace:` ranges become versions), checks each tarball holds what it
// must, installs the tarballs into two fresh applications in a temp dir outside the workspace
// — an npm one with ioredis 6 and the latest TypeScript, a pnpm one with ioredis 5, set up as
// docs/install.md says — and in each runs:
//
//   esm      the app compiled by tsc (node16 resolution, strict, exactOptionalPropertyTypes), loaded with import
//   cjs      the same source as a .cts, compiled to require() calls
//   bundler  the same source type-checked with moduleResolution bundler
//   bundle-esm / bundle-cjs  esbuild bundles of that source, each run alone in an empty folder
//
// Each run makes a miss and a hit on a local origin through DictCache, MemoryBackend, a
// RedisBackend on the app's own ioredis client, and a signed RedisBackend (signed hit,
// entry bytes checked in Redis), and checks that an unset CACHE_KEY variable is refused.
// Needs Redis: REDIS_URL (scripts/with-redis.mjs sets it), else it starts a redis-server.
// Registry packages come through npm's and pnpm's own caches, so a second run is fast.
import { execFile as execFileCb } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedisServer } from './redis-servers.mjs';

const execFile = promisify(execFileCb);
const root = new URL('..', import.meta.url).pathname;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const log = (line) => console.log(`check-packages: ${line}`);

/** Runs a command; resolves to its stdout, rejects with its output on failure. */
async function run(cmd, args, options = {}) {
  try {
    const { stdout } = await execFile(cmd, args, {
      maxBuffer: 64 * 1024 * 1024,
      ...options,
      env: { ...process.env, ...options.env },
    });
    return stdout;
  } catch (error) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${options.cwd ?? '.'}) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
  }
}

const work = mkdtempSync(join(tmpdir(), 'axios-client-cache-packages-'));
let redis;
let failed = false;
try {
  // 1. pack
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packages = readdirSync(join(root, 'packages'))
    .map((dir) => ({
      dir: join(root, 'packages', dir),
      pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private);
  await Promise.all(packages.map(({ dir }) => run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir })));
  const files = Object.fromEntries(
    packages.map(({ pkg }) => {
      const file = readdirSync(tarballs).find((f) => f === `${pkg.name.slice(1).replace('/', '-')}-${pkg.version}.tgz`);
      if (!file) throw new Error(`no tarball for ${pkg.name}`);
      return [pkg.name, join(tarballs, file)];
    }),
  );
  for (const [name, file] of Object.entries(files)) {
    const entries = (await run('tar', ['-tzf', file])).split('\n');
    const missing = [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
    ].filter((f) => !entries.includes(`package/${f}`));
    const manifest = JSON.parse(await run('tar', ['-xzOf', file, 'package/package.json']));
    const ranges = JSON.stringify([manifest.dependencies, manifest.peerDependencies]);
    if (missing.length > 0 || ranges.includes('workspace:') || !manifest.engines?.node || !manifest.repository) {
      throw new Error(`${name}: tarball lacks ${missing.join(', ') || 'resolved ranges, engines or repository'}`);
    }
  }
  log(`packed ${packages.length} packages (LICENSE, README, dist, engines, repository in each) — ${elapsed()}`);

  // 2. two fresh applications
  const ours = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, `file:${file}`]));
  const apps = [
    {
      name: 'npm',
      ioredis: '^6.0.0',
      typescript: 'latest',
      install: ['npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']],
    },
    {
      name: 'pnpm',
      ioredis: '^5.0.0',
      typescript: null,
      install: ['pnpm', ['install', '--prefer-offline', '--reporter=silent']],
    },
  ];
  await Promise.all(
    apps.map(async (app) => {
      app.dir = join(work, `${app.name}-app`);
      mkdirSync(app.dir);
      writeFileSync(
        join(app.dir, 'package.json'),
        JSON.stringify(
          {
            name: `${app.name}-app`,
            version: '1.0.0',
            private: true,
            type: 'module',
            dependencies: { ...ours, axios: '^1.7.0', ioredis: app.ioredis },
            devDependencies: { '@types/node': '^20.19.0', ...(app.typescript ? { typescript: app.typescript } : {}) },
            // Our packages depend on each other by version (the CLI on core, redis, signed): the
            // tarballs stand in for the registry, which has none of them yet.
            ...(app.name === 'npm'
              ? { overrides: Object.fromEntries(Object.keys(ours).map((name) => [name, `$${name}`])) }
              : {}),
          },
          null,
          2,
        ),
      );
      // what docs/install.md tells pnpm users: pnpm 12 refuses to install while a dependency's
      // build script is neither allowed nor denied (msgpackr-extract ships prebuilt binaries)
      // (build scripts), and `hoist: false`, the strictest layout: a package sees only what it declares
      if (app.name === 'pnpm') {
        const overrides = Object.entries(ours)
          .map(([name, spec]) => `  '${name}': '${spec}'\n`)
          .join('');
        writeFileSync(
          join(app.dir, 'pnpm-workspace.yaml'),
          `allowBuilds:\n  msgpackr-extract: false\nhoist: false\noverrides:\n${overrides}`,
        );
      }
      const t = performance.now();
      await run(...app.install, { cwd: app.dir });
      const manifest = (name) => JSON.parse(readFileSync(join(app.dir, 'node_modules', name, 'package.json'), 'utf8'));
      app.ioredisVersion = manifest('ioredis').version;
      app.tsc = app.typescript
        ? join(app.dir, 'node_modules', '.bin', 'tsc')
        : join(root, 'node_modules', '.bin', 'tsc');
      app.tsVersion = app.typescript
        ? manifest('typescript').version
        : JSON.parse(readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
      log(
        `${app.name} app installed (ioredis ${app.ioredisVersion}, TypeScript ${app.tsVersion}) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      writeSources(app.dir);
    }),
  );

  // 3. Redis for the RedisBackend runs
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redis = await startRedisServer();
    redisUrl = redis.url;
  }

  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  // The apps in parallel, and within an app the compilers in parallel: tsc 5 is CPU-bound.
  await Promise.all(
    apps.map(async (app) => {
      const t = performance.now();
      const env = { REDIS_URL: redisUrl, CACHE_KEY: 'k'.repeat(32), IOREDIS_VERSION: app.ioredisVersion };
      // run from the temp folder, not the app's: nothing may depend on the working directory
      const node = (file, scenario, cwd = work) =>
        run(process.execPath, [file], { cwd, timeout: 60_000, env: { ...env, SCENARIO: `${app.name}/${scenario}` } });
      const bundles = ['esm', 'cjs'].map((format) => {
        const alone = join(work, `${app.name}-bundle-${format}`);
        mkdirSync(alone);
        return { format, alone, file: join(alone, `app.${format === 'esm' ? 'mjs' : 'cjs'}`) };
      });
      await Promise.all([
        run(app.tsc, ['-p', 'tsconfig.node16.json'], { cwd: app.dir }),
        run(app.tsc, ['-p', 'tsconfig.bundler.json'], { cwd: app.dir }),
        ...bundles.map(({ format, file }) =>
          run(
            esbuild,
            [
              'app.bundle.ts',
              '--bundle',
              '--platform=node',
              `--format=${format}`,
              `--outfile=${file}`,
              '--log-level=error',
              // the usual banner of an ESM bundle with CommonJS dependencies (ioredis requires 'net')
              ...(format === 'esm'
                ? [
                    '--banner:js=import { createRequire as topLevelCreateRequire } from "node:module"; const require = topLevelCreateRequire(import.meta.url);',
                  ]
                : []),
            ],
            { cwd: app.dir },
          ),
        ),
      ]);
      const outputs = [
        await node(join(app.dir, 'out', 'app.mjs'), 'esm'),
        await node(join(app.dir, 'out', 'app.cjs'), 'cjs'),
      ];
      for (const { format, alone, file } of bundles)
        outputs.push(await node(file, `bundle-${format} (run alone)`, alone));
      // the installed command, as a user runs it
      const bin = join(app.dir, 'node_modules', '.bin', 'axios-client-cache');
      // exit 0, or 1 ("nothing matched": this cache is empty); the JSON is printed either way
      const stats = JSON.parse(
        await execFile(bin, ['stats', '--url', redisUrl, '--cache-name', `check-packages-${app.name}`, '--json'], {
          cwd: work,
          timeout: 60_000,
        }).then(
          ({ stdout }) => stdout,
          (error) => {
            if (error.code === 1) return error.stdout;
            throw new Error(`${app.name} app: axios-client-cache stats failed: ${error.stderr ?? error}`);
          },
        ),
      );
      if (stats.cacheName !== `check-packages-${app.name}`)
        throw new Error(`${app.name} app: axios-client-cache stats printed ${JSON.stringify(stats)}`);
      outputs.push(`${app.name}/cli: axios-client-cache stats --json answered for cache ${stats.cacheName}`);
      log(
        `${app.name} app: tsc node16 and bundler (strict, exactOptionalPropertyTypes) clean, esbuild ESM and CJS bundles built; ` +
          `4 runs passed in ${((performance.now() - t) / 1000).toFixed(1)} s:\n${outputs.map((line) => `  ${line.trim()}`).join('\n')}`,
      );
    }),
  );
} catch (error) {
  failed = true;
  console.error(`check-packages: FAILED: ${error instanceof Error ? error.message : error}`);
} finally {
  await redis?.stop();
  rmSync(work, { recursive: true, force: true, maxRetries: 5 }); // the other app may still be writing after a failure
}
log(failed ? `failed after ${elapsed()}` : `passed in ${elapsed()}`);
// 2 apps × 5 scenarios (esm, cjs, the bundler type-check, two bundles)
console.log(`packages: ${failed ? 0 : 10} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);

/** The application: one TypeScript body, as an ES module, a CommonJS module and a bundle entry. */
function writeSources(dir) {
  const body = readFileSync(join(root, 'scripts', 'check-packages-app.ts'), 'utf8');
  // The signed backend's last option, on a line of its own so a formatter cannot move it.
  if (!/^ {6}\/\* SIGNED \*\/\n/m.test(body))
    throw new Error('check-packages-app.ts: the /* SIGNED */ line is missing');
  // Installed, core loads the signed package for secretKey by itself; a bundle passes the serializer.
  const installed = body.replace('/* SIGNED */', 'secretKey: process.env.CACHE_KEY');
  writeFileSync(join(dir, 'app.mts'), installed);
  writeFileSync(join(dir, 'app.cts'), installed);
  writeFileSync(
    join(dir, 'app.bundle.ts'),
    body.replace(
      '/* SIGNED */',
      "serializer: new SignedSerializer({ secretKey: process.env.CACHE_KEY, salt: 'axios-client-cache' })",
    ),
  );
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    skipLibCheck: false,
    types: ['node'],
    target: 'ES2022',
    lib: ['ES2023'],
  };
  writeFileSync(
    join(dir, 'tsconfig.node16.json'),
    JSON.stringify(
      {
        compilerOptions: {
          ...strict,
          module: 'node16',
          moduleResolution: 'node16',
          outDir: 'out',
          esModuleInterop: true,
        },
        files: ['app.mts', 'app.cts'],
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'tsconfig.bundler.json'),
    JSON.stringify(
      {
        compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', noEmit: true },
        files: ['app.bundle.ts'],
      },
      null,
      2,
    ),
  );
}
