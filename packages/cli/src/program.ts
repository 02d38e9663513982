import { CacheError } from '@axios-client-cache/core';
import { DEFAULT_CACHE_NAME } from '@axios-client-cache/redis';
import { Command, CommanderError, Option } from 'commander';
import { clear } from './commands/clear.js';
import { deleteExpired } from './commands/delete-expired.js';
import { deleteEntries } from './commands/delete.js';
import { show } from './commands/show.js';
import { stats } from './commands/stats.js';
import { urls } from './commands/urls.js';
import { CliError, EXIT } from './errors.js';
import type { CliIO } from './io.js';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { printable, scrub } from './redact.js';
import { Session, type GlobalOptions } from './session.js';

/** The name of the command. */
export const COMMAND_NAME = 'axios-client-cache';

const COMMANDS = ['stats', 'urls', 'show', 'delete', 'delete-expired', 'clear'];

const EXAMPLES = `
Examples:
  $ REDIS_URL=redis://cache.internal:6379 ${COMMAND_NAME} stats --cache-name billing-api
  $ ${COMMAND_NAME} urls --pattern 'api.example.com/users' --json
  $ CACHE_KEY=… ${COMMAND_NAME} show 'https://api.example.com/users?page=2'
  $ ${COMMAND_NAME} delete --pattern 'api.example.com/static/*'
  $ ${COMMAND_NAME} --cluster 10.0.0.1:7000,10.0.0.2:7000 clear --yes

Exit codes: 0 done, 1 nothing matched, 2 usage or connection error.`;

const PATTERN_HELP =
  'a glob over host/path?query, as in urlsExpireAfter (prefix match; * does not cross /; ? is literal)';

/**
 * Runs the command with `argv` (the arguments after the program name) and resolves to the
 * exit code. Never throws: every error is one line on stderr and exit 2.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.OK;
  let secrets: readonly string[] = [];
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    (s) => {
      secrets = s;
    },
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.OK;
      if (error.code === 'commander.help')
        io.stderr.write(`${COMMAND_NAME}: missing command: ${COMMANDS.join(', ')} (see --help)\n`);
      return EXIT.ERROR;
    }
    io.stderr.write(`${COMMAND_NAME}: ${printable(scrub(messageOf(error), secrets))}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.ERROR;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof CliError) return error.message;
  // A Redis failure in the middle of a command (the server went away, a command timed out).
  if (error instanceof CacheError) return `${error.message.split('\n')[0]}`;
  if (error instanceof Error) return `Redis or internal error: ${error.message.split('\n')[0]}`;
  return String(error);
}

function buildProgram(io: CliIO, setCode: (code: number) => void, setSecrets: (s: readonly string[]) => void): Command {
  const program = new Command(COMMAND_NAME)
    .description('Inspect and purge the shared Redis cache of axios-client-cache.')
    .version(version(), '-V, --version')
    .addOption(
      new Option('--url <url>', 'Redis URL (redis:// or rediss://); default $REDIS_URL, else redis://127.0.0.1:6379'),
    )
    .addOption(new Option('--cluster <nodes>', 'a Redis Cluster: startup nodes host:port,host:port,…'))
    .addOption(new Option('--cache-name <name>', 'the cacheName of the cache').default(DEFAULT_CACHE_NAME))
    .addOption(
      new Option(
        '--secret-key <secret>',
        'secret to verify and read signed entries; default $CACHE_KEY (prefer it: ' +
          'arguments show in ps); repeat for rotated keys',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(new Option('--salt <salt>', 'the salt of the signed entries, when the application sets one'))
    .addOption(new Option('--json', 'print one JSON document on stdout, for scripts'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      // Only the help shown for a missing command comes here: run() says it in one line instead.
      writeErr: () => undefined,
      // Usage errors: one line.
      outputError: (s) =>
        io.stderr.write(
          `${COMMAND_NAME}: ${s
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .addHelpText('after', EXAMPLES);

  /** Opens the cache, runs `fn`, closes the cache. */
  const withSession =
    (cmd: Command, fn: (session: Session, out: Output, progress: Progress, now: number) => Promise<number>) =>
    async () => {
      const options = cmd.optsWithGlobals<GlobalOptions>();
      setSecrets([...(options.secretKey ?? []), ...(io.env.CACHE_KEY ? [io.env.CACHE_KEY] : [])]);
      const session = await Session.open(options, io);
      try {
        const now = (io.now ?? Date.now)();
        setCode(
          await fn(session, new Output(io, options.json === true), new Progress(io, `${cmd.name()}: scanning`), now),
        );
      } finally {
        await session.close();
      }
    };

  const statsCmd = program
    .command('stats')
    .description('entries, bytes (STRLEN), aliases, leases, fresh / expired / never-expiring, per master')
    .addHelpText('after', '\nScans the whole namespace (SCAN, never KEYS) and decodes every entry.');
  statsCmd.action(withSession(statsCmd, (s, out, progress, now) => stats(s, out, progress, now)));

  const urlsCmd = program
    .command('urls')
    .description('list the stored responses: method, status, URL')
    .option('--pattern <glob>', PATTERN_HELP)
    .addHelpText('after', '\nExit 1 when no URL is listed. Signed entries are listed only with a secret key.');
  urlsCmd.action(
    withSession(urlsCmd, (s, out, progress) => urls(s, out, progress, urlsCmd.opts<{ pattern?: string }>().pattern)),
  );

  const showCmd = program
    .command('show')
    .description('show what is stored for a URL: status, headers, age, expiry, size, tags (never a credential)')
    .argument('<url>', 'the absolute URL of the request, as the application sent it')
    .option('--method <method>', 'the request method', 'GET')
    .addHelpText('after', '\nExit 1 when nothing is stored for it. A signed entry is shown only with a secret key.');
  showCmd.action(
    withSession(showCmd, (s, out, _progress, now) => {
      const [url] = showCmd.processedArgs as [string];
      return show(s, out, url, methodOf(showCmd), now);
    }),
  );

  const deleteCmd = program
    .command('delete')
    .description('delete the entry of a URL, the entries matching a pattern, or the entries of a tag')
    .argument('[url]', 'the absolute URL of the request')
    .option('--method <method>', 'the request method (with <url>)', 'GET')
    .option('--pattern <glob>', PATTERN_HELP)
    .option('--tag <tag>', 'every entry with this tag (needs a backend with tags)')
    .addHelpText('after', '\nGive exactly one of <url>, --pattern, --tag. Exit 1 when nothing matched.');
  deleteCmd.action(
    withSession(deleteCmd, (s, out, progress) => {
      const [url] = deleteCmd.processedArgs as [string | undefined];
      const { pattern, tag } = deleteCmd.opts<{ pattern?: string; tag?: string }>();
      return deleteEntries(s, out, progress, { url, pattern, tag, method: methodOf(deleteCmd) });
    }),
  );

  const expiredCmd = program
    .command('delete-expired')
    .description('delete expired entries, unreadable values and aliases pointing nowhere')
    .addHelpText('after', '\nSigned entries it cannot verify are kept. Exit 1 when nothing was deleted.');
  expiredCmd.action(withSession(expiredCmd, (s, out, progress, now) => deleteExpired(s, out, progress, now)));

  const clearCmd = program
    .command('clear')
    .description('delete every response and alias of the cache (this cacheName only)')
    .option('--yes', 'really delete everything')
    .addHelpText('after', '\nExit 1 when the cache was empty; exit 2 without --yes.');
  clearCmd.action(
    withSession(clearCmd, (s, out, progress) =>
      clear(s, out, progress, clearCmd.opts<{ yes?: boolean }>().yes === true),
    ),
  );

  return program;
}

function methodOf(cmd: Command): string {
  const method = cmd.opts<{ method: string }>().method.toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new CliError(`--method: ${JSON.stringify(method)} is not an HTTP method`);
  return method;
}

/** Set by the build (tsup.config.ts) from package.json. */
declare const __CLI_VERSION__: string | undefined;

function version(): string {
  return typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0-source';
}
