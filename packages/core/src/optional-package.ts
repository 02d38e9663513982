import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CacheConfigError } from './errors.js';

declare const module: { require?: NodeJS.Require } | undefined;

/**
 * Loads an optional companion package synchronously (constructors are sync). It is looked
 * up from this package first (CommonJS and Jest hand us `module.require`; the ESM build
 * makes a require for this file; a bare `require` would be replaced by the bundler's shim,
 * which refuses to load), then from the application — the main module's folder and the
 * working directory — since a strict installer (pnpm) lets only the application see it:
 * core does not depend on its companions, so no dependency cycle is declared.
 */
export function loadOptionalPackage<T>(name: string, purpose: string): T {
  const own = typeof module === 'object' && module !== null && typeof module.require === 'function'
    ? (id: string) => module!.require!(id)
    : createRequire(__filename);
  const places = [own];
  const main = (process as { mainModule?: { filename?: string } }).mainModule?.filename ?? process.argv[1];
  if (main) places.push(createRequire(main));
  places.push(createRequire(join(process.cwd(), 'package.json')));
  let missing: unknown;
  for (const req of places) {
    try {
      return req(name) as T;
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw cause;
      missing ??= cause;
    }
  }
  throw new CacheConfigError(`${purpose} needs the package ${name}: install it (pnpm add ${name})`, { cause: missing });
}
