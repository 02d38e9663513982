/**
 * One case in its own process: `node --expose-gc --import tsx src/child.ts <case>`.
 * Sends the case's result to the runner over IPC (or prints it when run by hand).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CaseResult } from './harness.js';

type Runner = () => Promise<CaseResult | Record<string, number>>;

/** Cases of this package, and the figures files of other owners (each exports `run()`). */
const CASES: Record<string, () => Promise<{ run: Runner }>> = {
  'memory-hit': () => import('./cases/memory-hit.js'),
  'diagnostics-channel': () => import('./cases/diagnostics-channel.js'),
  miss: () => import('./cases/miss.js'),
  herd: () => import('./cases/herd.js'),
  'key-generation': () => import('./cases/key-generation.js'),
  'stale-while-revalidate': () => import('./cases/stale-while-revalidate.js'),
  'redis-hit': () => external('redis-hit'),
  'near-cache': () => import('./near-cache.js'),
  'shared-redis': () => import('./cases/shared-redis.js'),
  signed: () => external('signed'),
  'memory-scale': () => external('memory-scale'),
};

/** Another owner's bench file, loaded by path so a file not written yet is reported, not a type error. */
async function external(name: string): Promise<{ run: Runner }> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) throw new Error(`src/${name}.ts does not exist yet`);
  return (await import(pathToFileURL(file).href)) as { run: Runner };
}

/** Every case name, in report order. */
export const CASE_NAMES = Object.keys(CASES);

async function main(name: string): Promise<void> {
  const load = CASES[name];
  if (!load) throw new Error(`unknown case ${name}; cases: ${CASE_NAMES.join(', ')}`);
  const result = await (await load()).run();
  if (process.send)
    await new Promise<void>((resolve, reject) =>
      process.send!({ result }, (e: Error | null) => (e ? reject(e) : resolve())),
    );
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] ?? '').then(
    // Timers of libraries under test (cleanup intervals) must not keep a finished case alive.
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (process.send) process.send({ error: message }, () => process.exit(1));
      else {
        process.stderr.write(`${message}\n`);
        process.exit(1);
      }
    },
  );
}
