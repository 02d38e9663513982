#!/usr/bin/env node
// Runs every example (examples/*: its `start` script) as a smoke test, two at a time, each
// against the built packages (an example's tsconfig maps nothing to the sources). An example
// exits non-zero when it did not see what it shows. Needs REDIS_URL and REDIS_CLUSTER_NODES
// for the Redis examples: run it under scripts/with-redis.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const examples = readdirSync(join(root, 'examples'))
  .filter((name) => existsSync(join(root, 'examples', name, 'package.json')))
  .filter((name) => JSON.parse(readFileSync(join(root, 'examples', name, 'package.json'), 'utf8')).scripts?.start);

function runOne(name) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('pnpm', ['run', '--silent', 'start'], { cwd: join(root, 'examples', name), env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ok = code === 0;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${ok ? 'ok ' : 'BAD'} example ${name} (${seconds} s${ok ? '' : `, exit ${code ?? signal}`})`);
      for (const line of output.trimEnd().split('\n')) console.log(`    ${line}`);
      resolve(ok);
    });
  });
}

const queue = [...examples];
const results = await Promise.all(
  [0, 1].map(async () => {
    const oks = [];
    while (queue.length > 0) oks.push(await runOne(queue.shift()));
    return oks;
  }),
);
const failed = results.flat().filter((ok) => !ok).length;
console.log(`examples: ${examples.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
