/**
 * The store conformance suite: the seed's storage tests and more, run against every
 * store. A store's test file calls {@link describeStoreConformance} with a factory.
 */
import {
  CachedResponse,
  CacheStoreError,
  type BaseCache,
  type CacheItem,
  type Clock,
  type StoredResponse,
} from '@axios-client-cache/core';
import { allByteValues, collect, makeResponse, ManualClock, randomBody, sameBytes, sleep } from './fixtures.js';

/** What a store can do; a group the store cannot run is reported as skipped, with the reason. */
export interface StoreCapabilities {
  /**
   * The store decides expiry by the `clock` it is given, so expiry can be tested without waiting.
   * @defaultValue true
   */
  injectedClock?: boolean;
  /**
   * Entries expire in real time (a native TTL, or the store checking `Date.now`): one test
   * waits a few hundred ms for an entry to go.
   * @defaultValue true
   */
  realTimeTtl?: boolean;
  /**
   * What calls made after `close()` do: `'throws'` — every call rejects with a
   * `CacheStoreError` (`CacheClosedError`) whose message says the store is closed;
   * `'reopens'` — the store connects again on demand (a lazily created client), so calls work.
   * @defaultValue 'throws'
   */
  closeBehaviour?: 'throws' | 'reopens';
  /**
   * Largest response body (bytes) the store is configured to keep; larger-body tests are
   * skipped. A bounded store should be created with room for the 5 MiB test.
   * @defaultValue Infinity
   */
  maxBodyBytes?: number;
}

/** What the suite hands the factory for each store it opens. */
export interface StoreContext {
  /** The clock the store must use for expiry (a hand-moved one, or `Date.now`). */
  readonly clock: Clock;
  /** A name unique to this store instance: use it as the key prefix / cache name, to isolate tests. */
  readonly namespace: string;
}

/**
 * The backend surface the backend-level group uses (`CacheBackend` from core has it).
 * Typed structurally so the suite does not depend on the backend's internals.
 */
export interface ConformanceBackend {
  readonly responses: BaseCache<StoredResponse>;
  readonly redirects: BaseCache<string>;
  createKey(method: string, url: string): string;
  saveResponse(response: CachedResponse, cacheKey?: string, expires?: Date | number | null): Promise<void>;
  getResponse(key: string): Promise<CachedResponse | undefined>;
  delete(key: string): Promise<void>;
  invalidateTags(tags: string | readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** How to make and dispose of the store under test. */
export interface StoreConformanceOptions {
  /** A new, empty store. Its items are responses and strings (redirect aliases). */
  create(context: StoreContext): BaseCache<CacheItem> | Promise<BaseCache<CacheItem>>;
  /**
   * Disposes of a store after its test (it may already be closed). Use it to delete what a
   * shared server still holds.
   * @defaultValue `store.close()`
   */
  teardown?(store: BaseCache<CacheItem>): void | Promise<void>;
  /**
   * A backend over this kind of store, for the backend-level group (a response and its
   * redirect aliases written, read and deleted together). Without it that group is skipped.
   */
  createBackend?(context: StoreContext): ConformanceBackend | Promise<ConformanceBackend>;
  /** Teardown of a backend. @defaultValue `backend.close()` */
  teardownBackend?(backend: ConformanceBackend): void | Promise<void>;
  /** What the store can do. */
  capabilities?: StoreCapabilities;
}

type TestFn = () => Promise<void>;
type Register = (title: string, fn: TestFn, timeout?: number) => void;

const MiB = 1024 * 1024;
let namespaceCounter = 0;

/** A test that runs when `condition` holds, else is reported skipped with `reason` in its title. */
export function testIf(condition: boolean, reason: string): Register {
  if (condition) return (title, fn, timeout) => it(title, fn, timeout);
  const skip = it.skip;
  return (title, fn) => skip(`${title} (skipped: ${reason})`, fn);
}

/**
 * Declares the conformance tests for one store, under `describe(name)`. Call it at the top
 * level of a store's test file:
 *
 * ```ts
 * describeStoreConformance('MemoryCache', {
 *   create: ({ clock }) => new MemoryCache({ clock, maxEntryBytes: 8 * 1024 * 1024 }),
 *   capabilities: { closeBehaviour: 'throws' },
 * });
 * ```
 */
export function describeStoreConformance(name: string, options: StoreConformanceOptions): void {
  const caps: Required<StoreCapabilities> = {
    injectedClock: true,
    realTimeTtl: true,
    closeBehaviour: 'throws',
    maxBodyBytes: Infinity,
    ...options.capabilities,
  };
  const opened: Array<BaseCache<CacheItem>> = [];
  const openedBackends: ConformanceBackend[] = [];

  const context = (clock: Clock): StoreContext => ({
    clock,
    namespace: `conformance-${process.pid}-${Date.now().toString(36)}-${++namespaceCounter}`,
  });
  /** A fresh store with a hand-moved clock (disposed of after the test). */
  async function open(clock: Clock = new ManualClock().now): Promise<BaseCache<CacheItem>> {
    const store = await options.create(context(clock));
    opened.push(store);
    return store;
  }

  describe(`${name} — store conformance`, () => {
    afterEach(async () => {
      const stores = opened.splice(0);
      const backends = openedBackends.splice(0);
      for (const store of stores) await (options.teardown ? options.teardown(store) : store.close());
      for (const backend of backends)
        await (options.teardownBackend ? options.teardownBackend(backend) : backend.close());
    });

    describe("storage (the seed's tests)", () => {
      it('writes and reads a response and a string', async () => {
        const store = await open();
        const response = makeResponse();
        await store.write('response', response);
        await store.write('alias', 'response');
        const read = await store.read('response');
        expect(read).toBeInstanceOf(CachedResponse);
        expectSameResponse(read as CachedResponse, response);
        expect(await store.read('alias')).toBe('response');
        expect(await store.contains('response')).toBe(true);
      });

      it('a second write replaces the first', async () => {
        const store = await open();
        await store.write('k', makeResponse({ body: 'first' }));
        await store.write('k', makeResponse({ body: 'second' }));
        expect(((await store.read('k')) as CachedResponse).text()).toBe('second');
        expect(await store.size()).toBe(1);
      });

      it('a missing key: contains is false, read is undefined, pop gives the default', async () => {
        const store = await open();
        expect(await store.contains('missing')).toBe(false);
        expect(await store.read('missing')).toBeUndefined();
        expect(await store.pop('missing')).toBeUndefined();
        expect(await store.pop('missing', 'fallback')).toBe('fallback');
      });

      it('pop returns the item and deletes it', async () => {
        const store = await open();
        await store.write('k', 'v');
        expect(await store.pop('k', 'fallback')).toBe('v');
        expect(await store.contains('k')).toBe(false);
      });

      it('delete removes a key; deleting a missing key is no error', async () => {
        const store = await open();
        await store.write('a', 'A');
        await store.write('b', 'B');
        await store.delete('a');
        await store.delete('a');
        await store.delete('never-written');
        expect(await store.contains('a')).toBe(false);
        expect(await store.read('a')).toBeUndefined();
        expect(await store.read('b')).toBe('B');
      });

      it('bulkDelete removes the listed keys and ignores missing ones', async () => {
        const store = await open();
        for (const k of ['a', 'b', 'c', 'd']) await store.write(k, k.toUpperCase());
        await store.bulkDelete(['a', 'c', 'missing-1', 'missing-2']);
        await store.bulkDelete([]);
        expect((await collect(store.keys())).sort()).toEqual(['b', 'd']);
        expect(await store.read('c')).toBeUndefined();
        expect(await store.read('d')).toBe('D');
      });

      it('keys and values list every entry', async () => {
        const store = await open();
        const urls = ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'];
        for (const [i, url] of urls.entries()) await store.write(`key-${i}`, makeResponse({ url }));
        expect((await collect(store.keys())).sort()).toEqual(['key-0', 'key-1', 'key-2']);
        const values = await collect(store.values());
        expect(values.map((r) => (r as CachedResponse).url).sort()).toEqual(urls);
        expect(values.every((r) => r instanceof CachedResponse)).toBe(true);
      });

      it('size counts entries', async () => {
        const store = await open();
        expect(await store.size()).toBe(0);
        for (let i = 0; i < 10; i++) await store.write(`k${i}`, `v${i}`);
        expect(await store.size()).toBe(10);
        await store.delete('k0');
        expect(await store.size()).toBe(9);
      });

      it('clear removes everything, and the store stays usable', async () => {
        const store = await open();
        for (let i = 0; i < 5; i++) await store.write(`k${i}`, makeResponse());
        await store.clear();
        expect(await store.size()).toBe(0);
        expect(await collect(store.keys())).toEqual([]);
        expect(await store.read('k1')).toBeUndefined();
        await store.write('after', 'yes');
        expect(await store.read('after')).toBe('yes');
      });

      it('keeps every field of a response', async () => {
        const store = await open();
        const response = makeResponse({
          method: 'HEAD',
          status: 203,
          statusText: 'Non-Authoritative Information',
          url: 'https://a.example/start',
          finalUrl: 'https://b.example/end',
          expires: 1_800_000_000_000,
          history: [{ method: 'GET', url: 'https://a.example/start', status: 301 }],
          requestHeaders: [['accept', 'application/json']],
          requestTime: 1_699_999_999_000,
          responseTime: 1_700_000_000_500,
          policy: { noCache: true, staleWhileRevalidate: 5000 },
          vary: [
            ['accept', 'application/json'],
            ['accept-language', null],
          ],
        });
        await store.write('k', response);
        const read = (await store.read('k')) as CachedResponse;
        expect(read.toRecord()).toEqual(response.toRecord());
      });
    });

    describe('isolation', () => {
      it('a caller mutating what it read or wrote never changes what the next caller gets', async () => {
        const store = await open();
        const source = Buffer.from('{"a":1}');
        await store.write('k', makeResponse({ body: source }));
        source[0] = 0x5b;
        const first = (await store.read('k')) as CachedResponse;
        first.body.fill(0);
        const again = (await store.read('k')) as CachedResponse;
        expect(again.text()).toBe('{"a":1}');
        expect(again.json()).toEqual({ a: 1 });
      });
    });

    describe('binary exactness', () => {
      it('keeps all 256 byte values', async () => {
        const store = await open();
        const body = allByteValues(4);
        await store.write('k', makeResponse({ body, headers: [['content-type', 'application/octet-stream']] }));
        const read = (await store.read('k')) as CachedResponse;
        expect(read.body.byteLength).toBe(1024);
        expect(sameBytes(read.body, body)).toBe(true);
      });

      it('keeps an empty body', async () => {
        const store = await open();
        await store.write('k', makeResponse({ body: new Uint8Array(0), status: 200 }));
        const read = (await store.read('k')) as CachedResponse;
        expect(read.body.byteLength).toBe(0);
        expect(read.text()).toBe('');
      });

      testIf(caps.maxBodyBytes >= 5 * MiB, `store keeps bodies up to ${caps.maxBodyBytes} bytes only`)(
        'keeps a 5 MiB body byte for byte',
        async () => {
          const store = await open();
          const body = randomBody(5 * MiB);
          await store.write('big', makeResponse({ body }));
          const read = (await store.read('big')) as CachedResponse;
          expect(read.body.byteLength).toBe(5 * MiB);
          expect(sameBytes(read.body, body)).toBe(true);
        },
        60_000,
      );

      it('keeps header values byte for byte, repeated fields in order', async () => {
        const store = await open();
        const headers = [
          ['set-cookie', 'a=1; Path=/'],
          ['set-cookie', 'b=2'],
          ['x-empty', ''],
          ['x-latin1', 'caf\u00e9 \u00ff'],
          ['link', '<https://a.example/?q=%E2%9C%93>; rel="next"'],
        ] as const;
        await store.write('k', makeResponse({ headers }));
        const read = (await store.read('k')) as CachedResponse;
        expect(read.headers.pairs()).toEqual(headers);
        expect(read.headers.getAll('Set-Cookie')).toEqual(['a=1; Path=/', 'b=2']);
      });
    });

    describe('unicode and very long URLs', () => {
      it('keeps unicode keys, URLs and bodies apart and exact', async () => {
        const store = await open();
        const keys = ['ключ', '键', 'clé', 'cle\u0301', '😀/🚀', 'a b\tc', 'key:with:colons*?[]{}'];
        for (const key of keys) {
          await store.write(
            key,
            makeResponse({ url: `https://例え.jp/${encodeURIComponent(key)}`, body: `body of ${key} ✓` }),
          );
        }
        for (const key of keys) {
          const read = (await store.read(key)) as CachedResponse;
          expect(read.text()).toBe(`body of ${key} ✓`);
          expect(read.url).toBe(`https://例え.jp/${encodeURIComponent(key)}`);
        }
        expect((await collect(store.keys())).sort()).toEqual([...keys].sort());
      });

      it('keeps a 64 KiB URL and a 16 KiB key', async () => {
        const store = await open();
        const url = `https://api.example.com/search?q=${'x'.repeat(64 * 1024)}`;
        const key = `k-${'é'.repeat(8 * 1024)}`;
        await store.write(key, makeResponse({ url, finalUrl: `${url}&final=1` }));
        await store.write(`${key}-alias`, key);
        const read = (await store.read(key)) as CachedResponse;
        expect(read.url).toBe(url);
        expect(read.finalUrl).toBe(`${url}&final=1`);
        expect(await store.read(`${key}-alias`)).toBe(key);
        expect(await store.contains(key.slice(0, -1))).toBe(false);
      });
    });

    describe('expiry', () => {
      const clocked = testIf(caps.injectedClock, 'store has no injectable clock');

      clocked('an entry is readable until expiresAt and gone from then on', async () => {
        const clock = new ManualClock();
        const store = await open(clock.now);
        const expiresAt = clock.now() + 60_000;
        await store.write('k', makeResponse(), { expiresAt });
        await store.write('alias', 'k', { expiresAt });
        clock.set(expiresAt - 1);
        expect(await store.contains('k')).toBe(true);
        expect(await store.read('k')).toBeInstanceOf(CachedResponse);
        expect(await store.read('alias')).toBe('k');
        clock.set(expiresAt);
        expect(await store.read('k')).toBeUndefined();
        expect(await store.contains('k')).toBe(false);
        expect(await store.contains('alias')).toBe(false);
      });

      clocked('size, keys and values leave expired entries out', async () => {
        const clock = new ManualClock();
        const store = await open(clock.now);
        await store.write('short', makeResponse({ url: 'https://a.example/short' }), {
          expiresAt: clock.now() + 1_000,
        });
        await store.write('long', makeResponse({ url: 'https://a.example/long' }), {
          expiresAt: clock.now() + 100_000,
        });
        await store.write('forever', makeResponse({ url: 'https://a.example/forever' }), { expiresAt: null });
        expect(await store.size()).toBe(3);
        clock.advance(1_000);
        expect(await store.size()).toBe(2);
        expect((await collect(store.keys())).sort()).toEqual(['forever', 'long']);
        expect((await collect(store.values())).map((r) => (r as CachedResponse).url).sort()).toEqual([
          'https://a.example/forever',
          'https://a.example/long',
        ]);
      });

      clocked('no expiresAt (or null) never expires', async () => {
        const clock = new ManualClock();
        const store = await open(clock.now);
        await store.write('a', 'A');
        await store.write('b', 'B', { expiresAt: null });
        clock.advance(10 * 365 * 24 * 3600 * 1000);
        expect(await store.read('a')).toBe('A');
        expect(await store.read('b')).toBe('B');
      });

      clocked('a later write sets a new expiry', async () => {
        const clock = new ManualClock();
        const store = await open(clock.now);
        await store.write('k', 'old', { expiresAt: clock.now() + 1_000 });
        await store.write('k', 'new', { expiresAt: clock.now() + 5_000 });
        clock.advance(2_000);
        expect(await store.read('k')).toBe('new');
        await store.write('k', 'forever');
        clock.advance(10_000);
        expect(await store.read('k')).toBe('forever');
      });

      clocked('an entry written already expired is never read', async () => {
        const clock = new ManualClock();
        const store = await open(clock.now);
        await store.write('k', 'old');
        await store.write('k', 'stale', { expiresAt: clock.now() - 1 });
        expect(await store.read('k')).toBeUndefined();
        expect(await store.contains('k')).toBe(false);
      });

      testIf(caps.realTimeTtl, 'store does not expire entries in real time')(
        'an entry expires in real time (wall clock)',
        async () => {
          const store = await open(Date.now);
          await store.write('k', makeResponse(), { expiresAt: Date.now() + 250 });
          await store.write('kept', 'yes', { expiresAt: Date.now() + 60_000 });
          expect(await store.read('k')).toBeInstanceOf(CachedResponse);
          await sleep(600);
          expect(await store.read('k')).toBeUndefined();
          expect(await store.contains('k')).toBe(false);
          expect(await store.read('kept')).toBe('yes');
        },
        10_000,
      );
    });

    describe('concurrency', () => {
      const N = 200;

      it(`${N} concurrent writes then reads of distinct keys`, async () => {
        const store = await open();
        await Promise.all(
          Array.from({ length: N }, (_, i) =>
            store.write(`k${i}`, makeResponse({ url: `https://a.example/${i}`, body: `body ${i}` })),
          ),
        );
        const reads = await Promise.all(Array.from({ length: N }, (_, i) => store.read(`k${i}`)));
        reads.forEach((read, i) => {
          expect((read as CachedResponse).url).toBe(`https://a.example/${i}`);
          expect((read as CachedResponse).text()).toBe(`body ${i}`);
        });
        expect(await store.size()).toBe(N);
      });

      it(`${N} concurrent writes of one key leave exactly one whole value`, async () => {
        const store = await open();
        await Promise.all(
          Array.from({ length: N }, (_, i) =>
            store.write('same', makeResponse({ url: `https://a.example/${i}`, body: `body ${i}` })),
          ),
        );
        const read = (await store.read('same')) as CachedResponse;
        const i = Number(read.url.split('/').pop());
        expect(Number.isInteger(i) && i >= 0 && i < N).toBe(true);
        expect(read.text()).toBe(`body ${i}`);
        expect(await store.size()).toBe(1);
      });

      it(`${N} interleaved reads and writes of one key never see a torn value`, async () => {
        const store = await open();
        const ops: Array<Promise<unknown>> = [];
        for (let i = 0; i < N; i++) {
          ops.push(store.write('same', makeResponse({ url: `https://a.example/${i}`, body: `body ${i}` })));
          ops.push(store.read('same'));
        }
        const results = await Promise.all(ops);
        for (const result of results) {
          if (result === undefined) continue;
          const read = result as CachedResponse;
          expect(read.text()).toBe(`body ${read.url.split('/').pop()}`);
        }
      });
    });

    describe('close', () => {
      it('close() twice resolves', async () => {
        const store = await open();
        await store.write('k', 'v');
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });

      testIf(caps.closeBehaviour === 'throws', 'store reopens on demand after close()')(
        'every call after close() rejects with a clear CacheStoreError',
        async () => {
          const store = await open();
          await store.write('k', 'v');
          await store.close();
          const calls: Array<[string, () => Promise<unknown>]> = [
            ['read', () => store.read('k')],
            ['write', () => store.write('k', 'v')],
            ['delete', () => store.delete('k')],
            ['bulkDelete', () => store.bulkDelete(['k'])],
            ['clear', () => store.clear()],
            ['contains', () => store.contains('k')],
            ['size', () => store.size()],
            ['pop', () => store.pop('k')],
            ['keys', () => collect(store.keys())],
            ['values', () => collect(store.values())],
          ];
          for (const [what, call] of calls) {
            const error = await call().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect([what, error instanceof CacheStoreError]).toEqual([what, true]);
            expect([what, String((error as Error).message)]).toEqual([what, expect.stringMatching(/closed/i)]);
          }
        },
      );

      testIf(caps.closeBehaviour === 'reopens', 'store refuses calls after close()')(
        'calls after close() reopen the store',
        async () => {
          const store = await open();
          await store.close();
          await store.write('k', 'v');
          expect(await store.read('k')).toBe('v');
        },
      );
    });

    describe('CacheBackend level', () => {
      const backendTest = testIf(options.createBackend !== undefined, 'no createBackend factory given');
      const openBackend = async (): Promise<ConformanceBackend> => {
        const backend = await options.createBackend!(context(Date.now));
        openedBackends.push(backend);
        return backend;
      };
      const redirected = (): CachedResponse =>
        makeResponse({
          url: 'https://a.example/old',
          finalUrl: 'https://c.example/new',
          body: 'final',
          history: [
            { method: 'GET', url: 'https://a.example/old', status: 301 },
            { method: 'GET', url: 'https://b.example/moved', status: 302 },
          ],
        });

      backendTest('a response and its redirect aliases are written and read together', async () => {
        const backend = await openBackend();
        const response = redirected();
        const key = backend.createKey('GET', 'https://c.example/new');
        await backend.saveResponse(response, key);
        const aliases = ['https://a.example/old', 'https://b.example/moved'].map((u) => backend.createKey('GET', u));
        expect(await backend.responses.contains(key)).toBe(true);
        for (const alias of aliases) {
          expect(await backend.redirects.read(alias)).toBe(key);
          const viaAlias = await backend.getResponse(alias);
          expect(viaAlias?.text()).toBe('final');
        }
        expect((await backend.getResponse(key))?.finalUrl).toBe('https://c.example/new');
      });

      backendTest('deleting the response deletes its aliases', async () => {
        const backend = await openBackend();
        const key = backend.createKey('GET', 'https://c.example/new');
        await backend.saveResponse(redirected(), key);
        await backend.delete(key);
        expect(await backend.responses.contains(key)).toBe(false);
        for (const u of ['https://a.example/old', 'https://b.example/moved']) {
          const alias = backend.createKey('GET', u);
          expect(await backend.redirects.contains(alias)).toBe(false);
          expect(await backend.getResponse(alias)).toBeUndefined();
        }
      });

      backendTest('invalidateTags makes every response with one of the tags a miss, and no other', async () => {
        const backend = await openBackend();
        const now = Date.now();
        const tagged = (path: string, tags: string[]) =>
          makeResponse({
            url: `https://t.example/${path}`,
            body: path,
            createdAt: now,
            requestTime: now,
            expires: now + 600_000,
            tags,
          });
        const keys = ['a', 'b', 'c', 'd'].map((p) => backend.createKey('GET', `https://t.example/${p}`));
        await backend.saveResponse(tagged('a', ['red', 'shape']), keys[0]);
        await backend.saveResponse(tagged('b', ['blue', 'shape']), keys[1]);
        await backend.saveResponse(tagged('c', ['green']), keys[2]);
        await backend.saveResponse(tagged('d', []), keys[3]);
        for (const key of keys) expect(await backend.getResponse(key!)).toBeDefined();
        await sleep(2); // the invalidation is later than every request above
        await backend.invalidateTags(['red', 'blue']);
        expect(await backend.getResponse(keys[0]!)).toBeUndefined();
        expect(await backend.getResponse(keys[1]!)).toBeUndefined();
        expect((await backend.getResponse(keys[2]!))?.text()).toBe('c');
        expect((await backend.getResponse(keys[3]!))?.text()).toBe('d');
        // Stored again after the invalidation: found again.
        await sleep(2);
        const later = Date.now();
        await backend.saveResponse(
          makeResponse({ url: 'https://t.example/a', body: 'a2', createdAt: later, requestTime: later, tags: ['red'] }),
          keys[0],
        );
        expect((await backend.getResponse(keys[0]!))?.text()).toBe('a2');
        await backend.invalidateTags('shape');
        expect((await backend.getResponse(keys[0]!))?.text()).toBe('a2');
      });

      backendTest('deleting through an alias deletes the response and every alias', async () => {
        const backend = await openBackend();
        const key = backend.createKey('GET', 'https://c.example/new');
        await backend.saveResponse(redirected(), key);
        await backend.delete(backend.createKey('GET', 'https://b.example/moved'));
        expect(await backend.responses.contains(key)).toBe(false);
        expect(await backend.redirects.size()).toBe(0);
      });
    });
  });
}

function expectSameResponse(actual: CachedResponse, expected: CachedResponse): void {
  expect(actual.toRecord()).toEqual(expected.toRecord());
  expect(actual.fromCache).toBe(true);
}
