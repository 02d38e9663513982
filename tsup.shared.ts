import { defineConfig, type Options } from 'tsup';

/**
 * The build of every published package: ESM and CommonJS with types. No shims: tsup's
 * `import.meta.url` / `__filename` shims run at the top of the file, and an application
 * bundled to CommonJS from our ESM build (esbuild `--format=cjs`) has an empty
 * `import.meta`, so the shim threw as soon as the package loaded. Instead the one place that
 * needs its own location (core's optional-package.ts) reads it when called, and each format
 * compiles the other format's branch away: `module` is undefined in ESM, `import.meta.url`
 * in CommonJS.
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    shims: false,
    tsconfig: 'tsconfig.build.json',
    esbuildOptions(options, { format }) {
      options.define = {
        ...options.define,
        ...(format === 'esm' ? { module: 'undefined' } : { 'import.meta.url': 'undefined' }),
      };
    },
    ...overrides,
  });
}
