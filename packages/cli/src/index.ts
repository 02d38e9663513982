export { EXIT, CliError } from './errors.js';
export { COMMAND_NAME, run } from './program.js';
export type { CliIO } from './io.js';
