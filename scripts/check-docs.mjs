#!/usr/bin/env node
// Type-checks every ```ts block of docs/ and of the READMEs against the built packages, as a
// reader would paste it: each block is its own ES module (top-level await allowed), compiled
// with strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess. A block that is
// deliberately partial opts out with `<!-- docs-check: partial -->` on the line before it.
// The only names a block may use without declaring them are the reader's own logger and
// metrics client (`log`, `metrics`), declared in the prelude below.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.tmp', 'docs-check');
const SKIP = '<!-- docs-check: partial -->';

function markdownFiles() {
  const files = [join(root, 'README.md')];
  for (const dir of readdirSync(join(root, 'packages'))) files.push(join(root, 'packages', dir, 'README.md'));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'api') walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  return files.filter((file) => {
    try {
      readFileSync(file);
      return true;
    } catch {
      return false;
    }
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const blocks = [];
let skipped = 0;
for (const file of markdownFiles()) {
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    if (lines[i - 1]?.trim() === SKIP) skipped++;
    else {
      const name = `${relative(root, file).replace(/[^a-z0-9]+/gi, '-')}-${start + 1}.mts`;
      // `export {}` keeps a block without imports a module
      writeFileSync(join(out, name), `${lines.slice(start, end).join('\n')}\nexport {};\n`);
      blocks.push({ name, file: relative(root, file), line: start + 1 });
    }
    i = end;
  }
}
writeFileSync(
  join(out, 'prelude.d.ts'),
  `// The reader's own logger and metrics client, which examples log to.
declare const log: { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
declare const metrics: { increment(name: string): void };
`,
);
const paths = {};
for (const dir of readdirSync(join(root, 'packages')))
  paths[`@axios-client-cache/${dir}`] = [join(root, 'packages', dir, 'dist', 'index.d.ts')];
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        noEmit: true,
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        types: ['node', 'jest'],
        typeRoots: [join(root, 'node_modules', '@types')],
        paths,
      },
      include: ['*.mts', 'prelude.d.ts'],
    },
    null,
    2,
  ),
);

const tsc = join(root, 'node_modules', '.bin', 'tsc');
execFile(tsc, ['-p', join(out, 'tsconfig.json')], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
  const byName = new Map(blocks.map((b) => [b.name, b]));
  // point each error at the markdown file and line
  const report = stdout.replace(
    /^(?:\.tmp\/docs-check\/)?([^\s(]+\.mts)\((\d+),(\d+)\)/gm,
    (whole, name, line, col) => {
      const block = byName.get(name.split('/').pop());
      return block ? `${block.file}:${block.line + Number(line) - 1}:${col}` : whole;
    },
  );
  if (error) {
    console.error(report || error.message);
    console.error(`check-docs: ${blocks.length} ts blocks; type errors above`);
    process.exit(1);
  }
  console.log(
    `check-docs: ${blocks.length} ts blocks of ${new Set(blocks.map((b) => b.file)).size} files type-check (${skipped} marked partial)`,
  );
  rmSync(out, { recursive: true, force: true });
});
