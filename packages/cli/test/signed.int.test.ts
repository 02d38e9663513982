/**
 * Signed entries through the command: without a secret key they are counted and shown as
 * "signed; not verified", never as content; with --secret-key or CACHE_KEY they are verified
 * and read; with the wrong key they are refused, and delete-expired keeps them.
 */
import { randomBytes } from 'node:crypto';
import { RedisBackend } from '@axios-client-cache/redis';
import type { Origin } from '../../core/test/helpers/origin.js';
import { describeIf, REDIS_URL, uniqueName } from '../../redis/test/helpers/env.js';
import { asJson, cachedClient, cli, inProcess, printed, startTestOrigin } from './helpers/cli.js';

const SECRET = randomBytes(32).toString('base64');
const WRONG = randomBytes(32).toString('base64');

describeIf(REDIS_URL, 'REDIS_URL not set (run through scripts/with-redis.mjs)')(
  'axios-client-cache and signed entries',
  () => {
    let origin: Origin;
    let backend: RedisBackend;
    let cacheName: string;
    let base: string[];
    let users: string;

    beforeAll(async () => {
      origin = await startTestOrigin();
      cacheName = uniqueName('cli-signed');
      backend = new RedisBackend({ url: REDIS_URL, cacheName, secretKey: SECRET, timeoutMs: 2000, leaseMs: false });
      const { get } = cachedClient(origin, backend);
      await get('/users', { params: { page: 2 }, expireAfter: 600 });
      await get('/hop1', { expireAfter: 600 });
      base = ['--url', REDIS_URL!, '--cache-name', cacheName];
      users = `${origin.url}/users?page=2`;
    });
    afterAll(async () => {
      await backend.clear();
      await backend.close();
      await origin.close();
      const all = printed.join('\n');
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(WRONG);
    });

    it('without a secret key: "signed; not verified", counted, never shown as content', async () => {
      const [text, stats, list, json, alias] = await Promise.all([
        cli(['show', users, ...base]),
        asJson(cli, ['stats', ...base]),
        inProcess(['urls', ...base]),
        asJson(inProcess, ['show', users, ...base]),
        inProcess(['show', `${origin.url}/hop2`, ...base]),
      ]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(
        '\nentry        signed; not verified (give --secret-key or CACHE_KEY to read it)\n',
      );
      for (const content of ['ada', 'grace', 'application/json', 'status', '200'])
        expect(text.stdout).not.toContain(content);
      expect(json.json).toMatchObject({
        found: true,
        readable: false,
        state: 'unverified',
        encrypted: false,
        key: backend.createKey('GET', users),
      });
      expect(json.json.headers).toBeUndefined();

      expect(stats.json.total).toMatchObject({
        entries: 2,
        aliases: 1,
        signedNotVerified: 2,
        fresh: 0,
        unreadable: 0,
        badSignature: 0,
      });
      expect(list.code).toBe(1);
      expect(list.stdout).toBe('');
      expect(list.stderr).toBe(
        `2 signed entries not verified: give --secret-key or CACHE_KEY to read them\nno readable responses in cache ${cacheName}\n`,
      );
      expect(alias.code).toBe(0);
      expect(alias.stdout).toContain('entry        the alias is signed; not verified');
    });

    it('with --secret-key or CACHE_KEY: verified and read, through the alias too', async () => {
      const [json, text, hop, list, stats] = await Promise.all([
        asJson(cli, ['show', users, ...base, '--secret-key', SECRET]),
        inProcess(['show', users, ...base], { CACHE_KEY: SECRET }),
        asJson(inProcess, ['show', `${origin.url}/hop2`, ...base], { CACHE_KEY: SECRET }),
        asJson(inProcess, ['urls', ...base, '--secret-key', WRONG, '--secret-key', SECRET]),
        asJson(inProcess, ['stats', ...base], { CACHE_KEY: SECRET }),
      ]);
      expect(json.code).toBe(0);
      expect(json.json).toMatchObject({ readable: true, signed: 'verified', status: 200, url: users });
      expect(json.json.headers).toContainEqual(['content-type', 'application/json']);
      expect(text.stdout).toContain('status       200 OK\n');
      expect(text.stdout).toMatch(/\nsize {9}\d+ B body, \d+ B stored \(signed, verified\)\n/);
      expect(hop.json).toMatchObject({
        readable: true,
        finalUrl: `${origin.url}/final`,
        alias: backend.createKey('GET', `${origin.url}/hop2`),
      });
      // A rotated-out key listed first still verifies with the current one.
      expect(list.json.urls.map((u: { url: string }) => u.url)).toEqual([`${origin.url}/hop1`, users]);
      expect(stats.json.total).toMatchObject({ entries: 2, fresh: 2, signedNotVerified: 0 });
    });

    it('with the wrong key: refused, and delete-expired keeps what it cannot verify', async () => {
      const [show, stats, expired, expiredNoKey] = await Promise.all([
        inProcess(['show', users, ...base, '--secret-key', WRONG]),
        asJson(inProcess, ['stats', ...base, '--secret-key', WRONG]),
        asJson(inProcess, ['delete-expired', ...base, '--secret-key', WRONG]),
        asJson(inProcess, ['delete-expired', ...base]),
      ]);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain('entry        signed; did not verify with the secret key given');
      expect(show.stdout).not.toContain('ada');
      expect(stats.json.total).toMatchObject({ entries: 2, badSignature: 2, fresh: 0 });
      for (const run of [expired, expiredNoKey]) {
        expect(run.code).toBe(1);
        expect(run.json).toMatchObject({ deleted: 0, kept: { signedNotVerified: 3 } });
      }
      expect(await backend.hasUrl(users)).toBe(true);
    });
  },
);
