export { MemoryCache } from './memory-cache.js';
export type { MemoryCacheOptions } from './memory-cache.js';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_ENTRY_BYTES,
  DEFAULT_SWEEP_INTERVAL_MS,
  resolveMemoryLimits,
} from './options.js';
export type { MemoryLimits, ResolvedMemoryLimits } from './options.js';
export { MemoryBackend } from './memory-backend.js';
export type { MemoryBackendOptions } from './memory-backend.js';
