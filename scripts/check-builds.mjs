// Loads every built package both ways (import and require) and checks the named exports match.
import { createRequire } from 'node:module';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'packages', 'bench', 'package.json'));
let failed = false;
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgFile = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = require(pkgFile);
  if (pkg.private) continue;
  const base = join(root, 'packages', dir, 'dist');
  const esm = await import(join(base, 'index.js'));
  const cjs = require(join(base, 'index.cjs'));
  const a = Object.keys(esm).filter((k) => k !== 'default').sort();
  const b = Object.keys(cjs).filter((k) => k !== '__esModule').sort();
  const same = a.length > 0 && a.join() === b.join();
  console.log(`${same ? 'ok ' : 'BAD'} ${pkg.name}: ${a.length} exports (esm) / ${b.length} (cjs)`);
  if (!same) failed = true;
}
process.exit(failed ? 1 : 0);
