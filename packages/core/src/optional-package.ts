import { createRequire } from 'node:module';
import { CacheConfigError } from './errors.js';

declare const module: { require?: NodeJS.Require } | undefined;

/**
 * Loads an optional companion package synchronously (constructors are sync). CommonJS
 * (and Jest) hand us `module.require`; in the ESM build a require is made for this file.
 * (A bare `require` would be replaced by the bundler's shim, which refuses to load.)
 */
export function loadOptionalPackage<T>(name: string, purpose: string): T {
  try {
    const req = typeof module === 'object' && module !== null && typeof module.require === 'function'
      ? (id: string) => module!.require!(id)
      : createRequire(__filename);
    return req(name) as T;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new CacheConfigError(`${purpose} needs the package ${name}: install it (pnpm add ${name})`, { cause });
    }
    throw cause;
  }
}
