import { createRequire } from 'node:module';
import { CacheConfigError } from './errors.js';

declare const require: NodeJS.Require | undefined;

/**
 * Loads an optional companion package synchronously (constructors are sync). In the CJS
 * build and under Jest `require` exists; in the ESM build a require is made for this file.
 */
export function loadOptionalPackage<T>(name: string, purpose: string): T {
  try {
    const req = typeof require === 'function' ? require : createRequire(__filename);
    return req(name) as T;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'MODULE_NOT_FOUND' || (cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new CacheConfigError(`${purpose} needs the package ${name}: install it (pnpm add ${name})`, { cause });
    }
    throw cause;
  }
}
