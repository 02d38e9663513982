import { createRequire } from 'node:module';
import { CacheConfigError } from './errors.js';

/** This module's own CommonJS `module` (CommonJS build, Jest); the ESM build compiles it to `undefined`. */
declare const module: { require?: NodeJS.Require } | undefined;

/**
 * Loads an optional companion package synchronously (constructors are sync), resolved from
 * this package's own location — as a declared optional peer dependency it sits where this
 * package can see it under every installer (npm, pnpm with or without hoisting, Yarn).
 * Nothing here runs at import time: a bundle that never needs the companion loads fine, and
 * one that does is told to pass the companion's object itself.
 *
 * @param name the package, e.g. `@axios-client-cache/signed`
 * @param purpose what needs it, e.g. `secretKey (signed cache entries)`
 * @param instead what to pass to avoid the lookup (a bundle has no node_modules to look in)
 */
export function loadOptionalPackage<T>(name: string, purpose: string, instead: string): T {
  const hint = `install it next to @axios-client-cache/core (npm install ${name}); in a bundled application, pass ${instead}`;
  let load: (id: string) => unknown;
  if (typeof module === 'object' && module !== null && typeof module.require === 'function') {
    const own = module;
    load = (id) => own.require!(id);
  } else {
    // The ESM build. An ESM copy bundled into CommonJS has an empty import.meta.
    const url = import.meta.url as string | undefined;
    if (typeof url !== 'string')
      throw new CacheConfigError(
        `${purpose} needs the package ${name}, which cannot be loaded from this bundle: ${hint}`,
      );
    load = createRequire(url);
  }
  try {
    return load(name) as T;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new CacheConfigError(`${purpose} needs the package ${name}: ${hint}`, { cause });
  }
}
