#!/usr/bin/env node
import { run } from './program.js';

// A reader that went away (`| head`) ends the output, not the command with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

void run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: process.stderr.isTTY === true,
}).then((code) => {
  process.exitCode = code;
  // Whatever a client library leaves behind must not keep the shell waiting.
  setTimeout(() => process.exit(code), 1000).unref();
});
