import { CacheConfigError, CacheStoreError } from '@axios-client-cache/core';
import { DeadlineQueue, RedisBackend, RedisCache, RedisConnection, RedisMissLock } from '@axios-client-cache/redis';

describe('options (validated when created, no connection made)', () => {
  it.each([
    ['timeoutMs', { timeoutMs: 0 }, /Invalid timeoutMs: 0/],
    ['timeoutMs', { timeoutMs: Number.NaN }, /Invalid timeoutMs: NaN/],
    ['url', { url: 'http://127.0.0.1' }, /Invalid url: "http:\/\/127.0.0.1"/],
    [
      'two targets',
      { url: 'redis://127.0.0.1', cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] } },
      /only one of url, client, cluster/,
    ],
    ['cluster', { cluster: { nodes: [] } }, /Invalid cluster/],
    ['client', { client: {} as never }, /Invalid client/],
    ['cacheName', { cacheName: '' }, /Invalid cacheName: ""/],
    ['namespace', { namespace: 'a:b' }, /Invalid namespace: "a:b"/],
  ])('RedisCache rejects a bad %s', (_, options, message) => {
    expect(() => new RedisCache(options as never)).toThrow(CacheConfigError);
    expect(() => new RedisCache(options as never)).toThrow(message);
  });

  it.each([
    [{ leaseMs: -1 }, /Invalid leaseMs: -1/],
    [{ leaseMs: Infinity }, /Invalid leaseMs: Infinity/],
    [{ pollMs: 0 }, /Invalid pollMs: 0/],
  ])('RedisMissLock rejects %j', (options, message) => {
    expect(() => new RedisMissLock(options)).toThrow(message);
  });

  it('RedisBackend rejects stores of its own and a bad leaseMs', () => {
    expect(() => new RedisBackend({ leaseMs: 0 })).toThrow(/Invalid leaseMs: 0/);
    expect(() => new RedisBackend({ responses: {} } as never)).toThrow(/makes its own responses/);
  });

  it('makes no client until first use, and closes without one', async () => {
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1', cacheName: 'x' });
    expect(backend.connection.existingClient).toBeUndefined();
    expect(backend.settings.shared).toBe(true);
    expect((backend.responses as RedisCache).prefix).toBe('x:r:');
    expect((backend.redirects as RedisCache).prefix).toBe('x:a:');
    await backend.close();
    await backend.close();
    expect(backend.connection.closed).toBe(true);
  });

  it('a shared connection is closed by its last user only', async () => {
    const connection = new RedisConnection({ url: 'redis://127.0.0.1:1' });
    const a = new RedisCache({ connection, namespace: 'r' });
    const b = new RedisCache({ connection, namespace: 'a' });
    await a.close();
    expect(connection.closed).toBe(false);
    await b.close();
    expect(connection.closed).toBe(true);
  });
});

describe('DeadlineQueue', () => {
  const command = (name = 'get') => {
    const c = {
      name,
      isResolved: false,
      error: undefined as Error | undefined,
      reject(e: Error) {
        this.error = e;
      },
    };
    return c;
  };

  it('rejects what is unanswered after the deadline with a CacheStoreError, and leaves answered ones alone', async () => {
    let expired = 0;
    const q = new DeadlineQueue(30, () => expired++);
    const late = command('get');
    const answered = command('set');
    q.track(late);
    q.track(answered);
    answered.isResolved = true;
    await new Promise((r) => setTimeout(r, 10));
    expect(late.error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 60));
    expect(late.error).toBeInstanceOf(CacheStoreError);
    expect(late.error!.message).toBe('Redis GET timed out after 30 ms');
    expect(answered.error).toBeUndefined();
    expect(expired).toBe(1);
    expect(q.size).toBe(0);
  });

  it('keeps deadlines in order across re-arming', async () => {
    const q = new DeadlineQueue(40);
    const first = command();
    q.track(first);
    await new Promise((r) => setTimeout(r, 25));
    const second = command();
    q.track(second);
    await new Promise((r) => setTimeout(r, 30));
    expect(first.error).toBeDefined();
    expect(second.error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(second.error).toBeDefined();
  });

  it('lets answered commands go as later ones are sent, so it holds about what is in flight', () => {
    const q = new DeadlineQueue(1000);
    const sent = Array.from({ length: 10_000 }, () => command());
    let most = 0;
    for (const [i, c] of sent.entries()) {
      most = Math.max(most, q.track(c));
      // answered in order, three behind
      if (i >= 3) sent[i - 3]!.isResolved = true;
    }
    expect(most).toBe(4);
    expect(q.size).toBe(4);
    q.flush('done');
    expect(sent.filter((c) => c.error !== undefined)).toHaveLength(3);
  });

  it('keeps unanswered commands across growth and rejects them in order', async () => {
    const q = new DeadlineQueue(30);
    const stuck = command();
    q.track(stuck);
    const later = Array.from({ length: 500 }, () => command());
    for (const c of later) q.track(c);
    expect(q.size).toBe(501);
    for (const c of later.slice(0, 250)) c.isResolved = true;
    await new Promise((r) => setTimeout(r, 80));
    expect(stuck.error?.message).toBe('Redis GET timed out after 30 ms');
    expect(later.slice(0, 250).every((c) => c.error === undefined)).toBe(true);
    expect(later.slice(250).every((c) => c.error instanceof CacheStoreError)).toBe(true);
    expect(q.size).toBe(0);
  });

  it('a command failed by its deadline is failed for good: a later reject (its connection closing) reaches nothing', async () => {
    // ioredis's Cluster client resends a command whose node connection closes, from its reject.
    const q = new DeadlineQueue(20);
    let resent = 0;
    const c = {
      name: 'set',
      isResolved: false,
      errors: [] as Error[],
      reject(e: Error) {
        this.errors.push(e);
        if (this.errors.length > 1) resent++;
      },
    };
    q.track(c);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.errors.map((e) => e.message)).toEqual(['Redis SET timed out after 20 ms']);
    c.reject(new Error('Connection is closed.'));
    expect(resent).toBe(0);
    expect(c.errors).toHaveLength(1);
  });

  it('flush rejects everything pending at once', () => {
    const q = new DeadlineQueue(1000);
    const c = command('exists');
    q.track(c);
    q.flush('store closed');
    expect(c.error?.message).toBe('Redis EXISTS abandoned: store closed');
  });
});
