/**
 * The axios-client-cache command end to end on a real redis-server: a cache populated through
 * attachCache from a real origin (plus entries of a "foreign" writer and planted garbage),
 * then every command run as a child process of the built bin, in text and --json form, and
 * their variations through `run()` in this process.
 */
import { spawnSync } from 'node:child_process';
import { CachedResponse } from '@axios-client-cache/core';
import { RedisBackend } from '@axios-client-cache/redis';
import { Redis } from 'ioredis';
import { freePort } from '../../../scripts/redis-servers.mjs';
import type { Origin } from '../../core/test/helpers/origin.js';
import { describeIf, REDIS_URL, uniqueName } from '../../redis/test/helpers/env.js';
import { asJson, BIN, cachedClient, cli, expectOneLine, inProcess, printed, startTestOrigin } from './helpers/cli.js';

const CREDENTIALS = ['s3cr3t-token', 'sid=abc', 'sid=xyz', 'hunter2', 'proxy-pass'];
const FOREIGN_URL = 'http://127.0.0.1:9/private';

let origin: Origin;
let redis: Redis;

beforeAll(async () => {
  origin = await startTestOrigin();
  redis = new Redis(REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
});
afterAll(async () => {
  await origin.close();
  redis.disconnect();
});

/**
 * A cache of 9 response keys and 1 alias: 4 stored through attachCache (users pages 2 and 3,
 * a two-hop redirect, a never-expiring static file), 2 of a foreign writer (one with
 * credentials in clear and an escape sequence; one past its freshness but kept for its ETag),
 * 1 past its retention with no TTL, and 2 garbage values (bytes; a hash).
 */
async function populate(cacheName: string): Promise<RedisBackend> {
  // No cross-process lease: its released outcomes would linger for a while as lease keys.
  const backend = new RedisBackend({ url: REDIS_URL, cacheName, timeoutMs: 2000, leaseMs: false });
  const { get } = cachedClient(origin, backend);
  await get('/users', { params: { page: 2 }, expireAfter: 600 });
  await get('/users', { params: { page: 3 }, expireAfter: 600 });
  await get('/hop1', { expireAfter: 600 });
  await get('/static/logo.svg', { expireAfter: -1 });
  const now = Date.now();
  // Written by an older or foreign writer: credentials in clear, which the command must never print.
  await backend.saveResponse(
    new CachedResponse({
      method: 'GET',
      url: 'http://admin:hunter2@127.0.0.1:9/private',
      finalUrl: 'http://admin:hunter2@127.0.0.1:9/private',
      // (A header value with control characters is refused when an entry is decoded; a status text is not.)
      status: 200,
      statusText: 'OK\u001b[2J',
      headers: [
        ['content-type', 'text/plain'],
        ['set-cookie', 'sid=xyz'],
      ],
      body: Buffer.from('private body'),
      createdAt: now,
      expires: now + 3_600_000,
      requestHeaders: [
        ['authorization', 'Bearer s3cr3t-token'],
        ['cookie', 'sid=abc'],
        ['proxy-authorization', 'Basic proxy-pass'],
      ],
    }),
    backend.createKey('GET', FOREIGN_URL),
  );
  // Past freshness, kept for revalidation (ETag): expired, not deletable.
  await backend.saveResponse(
    new CachedResponse({
      method: 'GET',
      url: `${origin.url}/stale`,
      finalUrl: `${origin.url}/stale`,
      status: 200,
      statusText: 'OK',
      headers: [['etag', '"s1"']],
      body: Buffer.from('stale'),
      createdAt: now - 120_000,
      expires: now - 1000,
    }),
    backend.createKey('GET', `${origin.url}/stale`),
  );
  // Past its retention, and stored without a TTL (a writer that set none): what delete-expired is for.
  const goneKey = backend.createKey('GET', `${origin.url}/gone`);
  const gone = new CachedResponse({
    method: 'GET',
    url: `${origin.url}/gone`,
    finalUrl: `${origin.url}/gone`,
    status: 200,
    statusText: 'OK',
    headers: [],
    body: Buffer.from('gone'),
    createdAt: now - 7_200_000,
    expires: now - 3_600_000,
  });
  const prefix = `${cacheName}:r:`;
  await redis.set(prefix + goneKey, Buffer.from(await backend.responses.serialize(gone, goneKey, null)));
  await redis.set(`${prefix}garbage`, Buffer.from([0x92, 0xff, 0x00, 0x13, 0x37]));
  await redis.hset(`${prefix}a-hash`, 'field', 'value');
  return backend;
}

async function cleanup(backend: RedisBackend): Promise<void> {
  await backend.clear();
  await redis.del(`${backend.cacheName}:l:planted`);
  await backend.close();
}

describeIf(REDIS_URL, 'REDIS_URL not set (run through scripts/with-redis.mjs)')(
  'axios-client-cache on a redis-server',
  () => {
    let cacheName: string;
    let backend: RedisBackend;
    let base: string[];
    let host: string;

    beforeAll(async () => {
      cacheName = uniqueName('cli');
      backend = await populate(cacheName);
      await redis.set(`${cacheName}:l:planted`, 'L:token', 'PX', 60_000);
      base = ['--url', REDIS_URL!, '--cache-name', cacheName];
      host = new URL(origin.url).host;
    });
    afterAll(async () => {
      await cleanup(backend);
      for (const secret of CREDENTIALS) expect(printed.join('\n')).not.toContain(secret);
    });

    it('stats: entries, STRLEN bytes, aliases, leases, fresh / expired / never-expiring, unreadable values; text and JSON', async () => {
      const [json, text] = await Promise.all([asJson(cli, ['stats', ...base]), cli(['stats', ...base])]);
      let bytes = 0;
      for (const key of await redis.keys(`${cacheName}:r:*`)) {
        if ((await redis.type(key)) === 'string') bytes += await redis.strlen(key);
      }
      expect(json.code).toBe(0);
      expect(json.json.nodes).toHaveLength(1);
      expect(json.json.total).toEqual({
        node: 'total',
        entries: 9,
        bytes,
        aliases: 1,
        leases: 1,
        fresh: 4,
        expired: 2,
        neverExpiring: 1,
        signedNotVerified: 0,
        badSignature: 0,
        otherVersion: 0,
        unreadable: 2,
      });
      expect(json.json).toMatchObject({ cacheName, redis: REDIS_URL, bytesMeasure: 'STRLEN' });
      expect(json.stderr).toBe('');

      expect(text.code).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toBe(`cache ${cacheName} on ${REDIS_URL}`);
      expect(lines[1]!.split(/\s+/)).toEqual([
        'node',
        'entries',
        'bytes',
        'aliases',
        'leases',
        'fresh',
        'expired',
        'never-expiring',
        'signed',
        'unreadable',
      ]);
      expect(lines[2]!.split(/\s{2,}/)).toEqual([
        REDIS_URL!.slice('redis://'.length),
        '9',
        `${(bytes / 1024).toFixed(1)} KiB`,
        '1',
        '1',
        '4',
        '2',
        '1',
        '0',
        '2',
      ]);
      expect(text.stdout).toContain('bytes: STRLEN of the response values');
      expect(text.stdout).toContain(
        'unreadable: 0 did not verify, 0 of another format version, 2 not entries of this library',
      );
      expect(text.stderr).toBe('');
    });

    it('urls: every readable response, sorted, redacted; --pattern as in urlsExpireAfter; exit 1 when none matches', async () => {
      const [text, users, all, none] = await Promise.all([
        cli(['urls', ...base]),
        asJson(cli, ['urls', '--pattern', `${host}/users`, ...base]),
        asJson(inProcess, ['urls', ...base]),
        inProcess(['urls', '--pattern', 'nowhere.example/*', ...base]),
      ]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`GET  200  ${origin.url}/hop1 -> ${origin.url}/final\n`);
      expect(text.stdout).toContain('GET  200  http://REDACTED@127.0.0.1:9/private\n');
      expect(text.stdout.trimEnd().split('\n')).toHaveLength(7);
      expect(text.stderr).toBe('2 unreadable values (not entries of this library)\n');

      expect(users.code).toBe(0);
      expect(users.json.urls.map((u: { url: string }) => u.url)).toEqual([
        `${origin.url}/users?page=2`,
        `${origin.url}/users?page=3`,
      ]);
      expect(users.json.urls[0]).toEqual({
        method: 'GET',
        url: `${origin.url}/users?page=2`,
        finalUrl: `${origin.url}/users?page=2`,
        status: 200,
        expires: expect.stringMatching(/Z$/),
        key: backend.createKey('GET', `${origin.url}/users?page=2`),
      });

      expect(all.json.urls.map((u: { url: string }) => u.url)).toEqual([
        `${origin.url}/gone`,
        `${origin.url}/hop1`,
        `${origin.url}/stale`,
        `${origin.url}/static/logo.svg`,
        `${origin.url}/users?page=2`,
        `${origin.url}/users?page=3`,
        'http://REDACTED@127.0.0.1:9/private',
      ]);
      expect(all.json.skipped).toEqual({ unverified: 0, badSignature: 0, otherVersion: 0, unreadable: 2 });
      expect(none.code).toBe(1);
      expect(none.stdout).toBe('');
      expect(none.stderr).toContain('no stored URL matches nowhere.example/*');
    });

    it('show: status, headers, age, expiry, size; never a credential, control characters made visible', async () => {
      const [text, foreignJson, json, foreign, missing] = await Promise.all([
        cli(['show', `${origin.url}/users?page=2`, ...base]),
        asJson(cli, ['show', FOREIGN_URL, ...base]),
        asJson(inProcess, ['show', `${origin.url}/users?page=2`, ...base]),
        inProcess(['show', FOREIGN_URL, ...base]),
        inProcess(['show', `${origin.url}/users?page=9`, ...base]),
      ]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^GET ${origin.url.replace(/\./g, '\\.')}/users\\?page=2\n`));
      expect(text.stdout).toContain('status       200 OK\n');
      expect(text.stdout).toMatch(/\nexpires {6}\S+Z \(in (9|10) m( \d+ s)?\)\n/);
      expect(text.stdout).toMatch(/\nstored {7}\S+Z \(age \d+ s\)\n/);
      expect(text.stdout).toMatch(/\nsize {9}\d+ B body, \d+ B stored\n/);
      expect(text.stdout).toContain('\nheaders\n  content-type: application/json\n');
      expect(json.json).toMatchObject({
        found: true,
        readable: true,
        method: 'GET',
        url: `${origin.url}/users?page=2`,
        status: 200,
        statusText: 'OK',
        expired: false,
        signed: false,
        bodyBytes: Buffer.byteLength(JSON.stringify({ path: '/users', page: '2', users: ['ada', 'grace'] })),
        key: backend.createKey('GET', `${origin.url}/users?page=2`),
        tags: null,
        alias: null,
      });
      expect(json.json.headers).toContainEqual(['x-request-id', 'abc123']);
      expect(json.json.redisTtlMs).toBeGreaterThan(0);

      expect(foreignJson.code).toBe(0);
      expect(foreignJson.json.url).toBe('http://REDACTED@127.0.0.1:9/private');
      expect(foreignJson.json.requestHeaders).toEqual([
        ['authorization', 'REDACTED'],
        ['cookie', 'REDACTED'],
        ['proxy-authorization', 'REDACTED'],
      ]);
      expect(foreignJson.json.headers).toContainEqual(['set-cookie', 'REDACTED']);
      expect(foreign.code).toBe(0);
      expect(foreign.stdout).toContain('GET http://REDACTED@127.0.0.1:9/private\n');
      expect(foreign.stdout).toContain('  set-cookie: REDACTED\n');
      expect(foreign.stdout).toContain('  authorization: REDACTED\n');
      expect(foreign.stdout).toContain('  cookie: REDACTED\n');
      expect(foreign.stdout).toContain('200 OK\\x1b[2J');
      expect(foreign.stdout).not.toContain('\u001b');
      for (const run of [foreign, foreignJson])
        for (const secret of CREDENTIALS) expect(run.stdout).not.toContain(secret);

      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toBe(`nothing stored for GET ${origin.url}/users?page=9 in cache ${cacheName}\n`);
    });

    it('show: a redirect hop through its alias, and another method', async () => {
      const [hop, post] = await Promise.all([
        asJson(inProcess, ['show', `${origin.url}/hop2`, ...base]),
        inProcess(['show', `${origin.url}/users?page=2`, '--method', 'post', ...base]),
      ]);
      expect(hop.code).toBe(0);
      expect(hop.json).toMatchObject({
        url: `${origin.url}/hop1`,
        finalUrl: `${origin.url}/final`,
        alias: backend.createKey('GET', `${origin.url}/hop2`),
        key: backend.createKey('GET', `${origin.url}/hop1`),
        history: [
          { method: 'GET', url: `${origin.url}/hop1`, status: 302 },
          { method: 'GET', url: `${origin.url}/hop2`, status: 302 },
        ],
      });
      expect(post.code).toBe(1);
      expect(post.stderr).toBe(`nothing stored for POST ${origin.url}/users?page=2 in cache ${cacheName}\n`);
    });

    it('delete <url>, --pattern, delete-expired and clear --yes, with their exit codes', async () => {
      const name = uniqueName('cli-delete');
      const own = await populate(name);
      const args = ['--url', REDIS_URL!, '--cache-name', name];
      try {
        const one = await asJson(cli, ['delete', `${origin.url}/users?page=2`, ...args]);
        expect(one.code).toBe(0);
        expect(one.json).toEqual({
          cacheName: name,
          deleted: 1,
          method: 'GET',
          url: `${origin.url}/users?page=2`,
          key: own.createKey('GET', `${origin.url}/users?page=2`),
        });
        expect(await own.hasUrl(`${origin.url}/users?page=2`)).toBe(false);
        expect(await own.hasUrl(`${origin.url}/users?page=3`)).toBe(true);
        const again = await inProcess(['delete', `${origin.url}/users?page=2`, ...args]);
        expect(again.code).toBe(1);
        expect(again.stderr).toBe(`nothing stored for GET ${origin.url}/users?page=2 in cache ${name}\n`);

        // The hop's alias goes with its response.
        const hops = await cli(['delete', '--pattern', `${host}/hop*`, ...args]);
        expect(hops.code).toBe(0);
        expect(hops.stdout).toBe(`deleted 1 entry matching ${host}/hop*\n`);
        expect(await redis.exists(`${name}:a:${own.createKey('GET', `${origin.url}/hop2`)}`)).toBe(0);
        expect(await own.hasUrl(`${origin.url}/static/logo.svg`)).toBe(true);
        const noHops = await inProcess(['delete', '--pattern', `${host}/hop*`, ...args]);
        expect(noHops.code).toBe(1);

        const expired = await asJson(cli, ['delete-expired', ...args]);
        expect(expired.code).toBe(0);
        expect(expired.json).toEqual({
          cacheName: name,
          deleted: 3,
          expired: 1,
          unreadable: 2,
          aliases: 0,
          kept: { signedNotVerified: 0, otherVersion: 0 },
        });
        expect(await own.hasUrl(`${origin.url}/gone`)).toBe(false);
        expect(await own.hasUrl(`${origin.url}/stale`)).toBe(true);
        expect(await redis.exists(`${name}:r:garbage`, `${name}:r:a-hash`)).toBe(0);
        const nothingExpired = await cli(['delete-expired', ...args]);
        expect(nothingExpired.code).toBe(1);
        expect(nothingExpired.stdout).toBe(
          `deleted 0 expired entries, 0 unreadable values and 0 aliases pointing nowhere from cache ${name}\n`,
        );

        const refused = await inProcess(['clear', ...args]);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toBe(
          `axios-client-cache: clear deletes every entry of cache ${name} on ${REDIS_URL}: add --yes\n`,
        );
        expect(await own.hasUrl(`${origin.url}/users?page=3`)).toBe(true);
        const cleared = await asJson(cli, ['clear', '--yes', ...args]);
        expect(cleared.code).toBe(0);
        expect(cleared.json).toEqual({ cacheName: name, deleted: 4, entries: 4, aliases: 0 });
        expect(await redis.keys(`${name}:*`)).toEqual([]);
        const empty = await inProcess(['clear', '--yes', ...args]);
        expect(empty.code).toBe(1);
        expect(empty.stderr).toBe(`cache ${name} is empty\n`);
      } finally {
        await cleanup(own);
      }
    });

    it('delete --tag: every entry with the tag is a miss in every process, the others stay; show lists the tags', async () => {
      const name = uniqueName('cli-tags');
      const own = new RedisBackend({ url: REDIS_URL, cacheName: name, timeoutMs: 2000, leaseMs: false });
      const other = new RedisBackend({ url: REDIS_URL, cacheName: name, timeoutMs: 2000, leaseMs: false });
      const args = ['--url', REDIS_URL!, '--cache-name', name];
      try {
        const { get } = cachedClient(origin, own);
        await get('/users', { params: { page: 7 }, expireAfter: 600, clientCache: { tags: ['users', 'page:7'] } });
        await get('/orders', { expireAfter: 600, clientCache: { tags: ['orders'] } });
        const shown = await asJson<{ tags: string[] | null }>(cli, ['show', `${origin.url}/users?page=7`, ...args]);
        expect(shown.json.tags).toEqual(['users', 'page:7']);
        await new Promise((r) => setTimeout(r, 2));

        const run = await asJson(cli, ['delete', '--tag', 'users', ...args]);
        expect(run.code).toBe(0);
        expect(run.json).toEqual({ cacheName: name, invalidatedTags: ['users'] });
        expect((await cli(['delete', '--tag', 'page:7', ...args])).stdout).toBe('invalidated tag page:7\n');
        const [users] = await other.request('GET', `${origin.url}/users`, { params: { page: 7 } });
        expect(users).toBeUndefined();
        const [orders] = await other.request('GET', `${origin.url}/orders`);
        expect(orders?.text()).toContain('/orders');
        const bad = await inProcess(['delete', '--tag', '', ...args]);
        expect(bad.code).toBe(2);
        expectOneLine(bad.stderr);
      } finally {
        await cleanup(own);
        await other.close();
      }
    });

    it('usage errors: exit 2, one line on stderr', async () => {
      const runs = await Promise.all([
        inProcess([]),
        cli(['bogus']),
        inProcess(['stats', '--bogus', ...base]),
        inProcess(['show', ...base]),
        inProcess(['show', 'not a url', ...base]),
        inProcess(['delete', `${origin.url}/users`, '--pattern', '*', ...base]),
        inProcess(['delete', ...base]),
        inProcess(['stats', '--url', 'http://127.0.0.1:6379']),
        inProcess(['stats', '--url', REDIS_URL!, '--cluster', '127.0.0.1:7000']),
        inProcess(['stats', '--cluster', '127.0.0.1']),
        inProcess(['stats', ...base], { CACHE_KEY: '' }),
        inProcess(['stats', ...base, '--secret-key', 'too short']),
        inProcess(['urls', '--pattern', ' ', ...base]),
        inProcess(['show', `${origin.url}/users`, '--method', 'GET /x', ...base]),
      ]);
      runs.forEach((run, i) => {
        expect([i, run.code]).toEqual([i, 2]);
        expectOneLine(run.stderr);
        expect(run.stdout).toBe('');
      });
      expect(runs[0]!.stderr).toBe(
        'axios-client-cache: missing command: stats, urls, show, delete, delete-expired, clear (see --help)\n',
      );
      expect(runs[1]!.stderr).toBe("axios-client-cache: unknown command 'bogus' (see --help)\n");
      expect(runs[4]!.stderr).toBe('axios-client-cache: not an absolute URL: not a url\n');
      expect(runs[6]!.stderr).toBe(
        'axios-client-cache: delete needs exactly one of <url>, --pattern <glob>, --tag <tag>\n',
      );
      expect(runs[10]!.stderr).toBe('axios-client-cache: CACHE_KEY is set but empty: unset it, or give the secret\n');
      expect(runs[11]!.stderr).toContain('Invalid secretKey: a 9-byte secret');
    });

    it('--help for the program and each command; REDIS_URL from the environment', async () => {
      const commands = ['stats', 'urls', 'show', 'delete', 'delete-expired', 'clear'];
      const [top, ...each] = await Promise.all([cli(['--help']), ...commands.map((c) => inProcess([c, '--help']))]);
      expect(top.code).toBe(0);
      for (const c of commands) expect(top.stdout).toContain(`  ${c}`);
      expect(top.stdout).toContain('Exit codes: 0 done, 1 nothing matched, 2 usage or connection error.');
      each.forEach((run, i) => {
        expect(run.code).toBe(0);
        expect(run.stdout).toContain(`Usage: axios-client-cache ${commands[i]}`);
      });
      expect(each[2]!.stdout).toContain('--method <method>');
      expect(each[3]!.stdout).toContain('--pattern <glob>');
      expect(each[5]!.stdout).toContain('--yes');

      const fromEnv = await asJson(inProcess, ['stats', '--cache-name', cacheName], { REDIS_URL: REDIS_URL! });
      expect(fromEnv.code).toBe(0);
      expect(fromEnv.json.total.entries).toBe(9);
    });

    it('an unreachable Redis: one line on stderr naming it without its password, exit 2', async () => {
      const port = await freePort();
      const [plain, withPassword, cluster] = await Promise.all([
        cli(['stats', '--url', `redis://127.0.0.1:${port}`]),
        inProcess(['urls', '--json'], { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}/0` }),
        inProcess(['stats', '--cluster', `127.0.0.1:${port}`]),
      ]);
      for (const run of [plain, withPassword, cluster]) {
        expect(run.code).toBe(2);
        expectOneLine(run.stderr);
        expect(run.stdout).toBe('');
      }
      expect(plain.stderr).toBe(
        `axios-client-cache: cannot connect to Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
      );
      expect(withPassword.stderr).toMatch(
        new RegExp(`^axios-client-cache: cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}/0: `),
      );
      expect(withPassword.stderr).not.toContain('hunter2');
      expect(cluster.stderr).toContain(`cannot connect to Redis at cluster 127.0.0.1:${port}`);
    });

    it('progress goes to stderr on a terminal only: count and rate', async () => {
      // A pseudo-terminal (script) around the bin, and the TTY check forced in process.
      const command = [process.execPath, BIN, 'urls', ...base].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        timeout: 20_000,
      });
      expect(tty.status).toBe(0);
      expect(tty.stdout).toMatch(/urls: scanning: 9 keys \(\d+ keys\/s\)/);
      expect(tty.stdout).toContain(`${origin.url}/users?page=2`);
      const [forced, piped] = await Promise.all([
        inProcess(['stats', ...base], {}, true),
        inProcess(['stats', ...base], {}, false),
      ]);
      // 9 responses, 1 alias, 1 lease.
      expect(forced.stderr).toMatch(
        /^\r\x1b\[Kstats: scanning: \d+ keys \(\d+ keys\/s\)(.|\n)*\r\x1b\[Kstats: scanning: 11 keys \(\d+ keys\/s\)\r\x1b\[K$/,
      );
      expect(piped.stderr).toBe('');
      expect(forced.stdout).toBe(piped.stdout);
    });
  },
);
