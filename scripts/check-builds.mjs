// Loads every built package both ways (import and require) and checks the named exports match;
// then bundles each ESM build into CommonJS, as an application bundled with esbuild
// `--format=cjs` does, and loads that too: nothing may read import.meta or __filename at load.
import { createRequire } from 'node:module';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'packages', 'bench', 'package.json'));
let failed = false;
const report = (ok, line) => {
  console.log(`${ok ? 'ok ' : 'BAD'} ${line}`);
  if (!ok) failed = true;
};

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgFile = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = require(pkgFile);
  if (pkg.private) continue;
  const base = join(root, 'packages', dir, 'dist');
  const esm = await import(join(base, 'index.js'));
  const cjs = require(join(base, 'index.cjs'));
  const a = Object.keys(esm)
    .filter((k) => k !== 'default')
    .sort();
  const b = Object.keys(cjs)
    .filter((k) => k !== '__esModule')
    .sort();
  report(a.length > 0 && a.join() === b.join(), `${pkg.name}: ${a.length} exports (esm) / ${b.length} (cjs)`);

  // The bundle sits in the package folder so its external imports resolve as the package's would.
  const bundle = join(base, `.bundle-check-${process.pid}.cjs`);
  try {
    await build({
      entryPoints: [join(base, 'index.js')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      outfile: bundle,
      logLevel: 'silent',
    });
    const bundled = Object.keys(require(bundle))
      .filter((k) => k !== '__esModule')
      .sort();
    report(
      bundled.join() === a.join(),
      `${pkg.name}: its ESM build bundled to CommonJS loads (${bundled.length} exports)`,
    );
  } catch (error) {
    report(
      false,
      `${pkg.name}: its ESM build bundled to CommonJS does not load: ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    rmSync(bundle, { force: true });
  }
}
process.exit(failed ? 1 : 0);
