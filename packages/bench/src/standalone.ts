import { pathToFileURL } from 'node:url';

/**
 * Runs a figures-producing script when it is executed directly (`tsx src/<name>.ts`) and
 * prints its figures as JSON; does nothing when the runner imports it.
 */
export function runWhenMain(moduleUrl: string, run: () => Promise<Record<string, number>>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  run().then(
    (figures) => process.stdout.write(`${JSON.stringify({ node: process.version, ...figures }, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
