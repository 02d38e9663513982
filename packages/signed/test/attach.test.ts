import axios, { type AxiosAdapter } from 'axios';
import {
  CacheBackend,
  CacheSerializationError,
  DictCache,
  attachCache,
  type BaseCache,
  type CachedResponse,
  type Serializer,
} from '@axios-client-cache/core';
import { MemoryCache } from '@axios-client-cache/memory';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, tampering } from './helpers.js';
import { TAMPER_CASES, type Tamper } from './tamper-cases.js';

// End to end: a tampered entry is never served. The request goes to the origin, the entry
// is deleted, and `signature-invalid` is raised.

/** An origin that answers a new body on every call, so stale or forged content shows. */
function origin(): { adapter: AxiosAdapter; calls: () => number } {
  let calls = 0;
  const adapter: AxiosAdapter = async (config) => {
    calls++;
    return {
      data: JSON.stringify({ call: calls }),
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      config,
      request: {},
    };
  };
  return { adapter, calls: () => calls };
}

const STORES: ReadonlyArray<readonly [string, (serializer: Serializer) => BaseCache<CachedResponse>]> = [
  ['DictCache', (serializer) => new DictCache<CachedResponse>({ serializer })],
  ['MemoryCache', (serializer) => new MemoryCache<CachedResponse>({ serializer, sweepIntervalMs: false })],
];

describe.each(STORES)('attachCache over a signed %s', (_name, createStore) => {
  let backend: CacheBackend | undefined;
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
  });

  function setup(tamper: Tamper) {
    let tamperOn = true;
    const signed = new SignedSerializer({ secretKey: SECRET });
    const serializer = tampering(signed, (bytes, context) => (tamperOn ? tamper(bytes, context) : bytes));
    backend = new CacheBackend({
      expireAfter: 60,
      responses: createStore(serializer),
      redirects: new DictCache<string>({ secretKey: SECRET }),
    });
    const events: Array<{ key: string; error: unknown }> = [];
    backend.on('signature-invalid', (event) => events.push(event));
    const server = origin();
    const api = attachCache(axios.create({ adapter: server.adapter }), backend);
    return {
      api,
      backend,
      events,
      server,
      stopTampering: () => {
        tamperOn = false;
      },
    };
  }

  test.each(TAMPER_CASES)('%s: origin answers, entry deleted, event raised', async (_case, tamper) => {
    const { api, backend, events, server, stopTampering } = setup(tamper);
    const first = await api.get('https://api.example.com/orders/7');
    expect(first.fromCache).toBe(false);
    const key = first.cacheKey!;
    expect(await backend.responses.contains(key)).toBe(true);

    // The lookup itself: a miss, the entry deleted, one event.
    expect(await backend.getResponse(key)).toBeUndefined();
    expect(await backend.responses.contains(key)).toBe(false);
    expect(events).toHaveLength(1);
    expect(events[0]!.key).toBe(key);
    expect(events[0]!.error).toBeInstanceOf(CacheSerializationError);

    // Through axios: the tampered entry is written again, then never served.
    await api.get('https://api.example.com/orders/7');
    stopTampering();
    const second = await api.get('https://api.example.com/orders/7');
    expect(second.fromCache).toBe(false);
    expect(second.data).toEqual({ call: 3 });
    expect(events).toHaveLength(2);
    const third = await api.get('https://api.example.com/orders/7');
    expect(third.fromCache).toBe(true);
    expect(third.data).toEqual({ call: 3 });
    expect(server.calls()).toBe(3);
  });
});

test('attachCache with secretKey on the backend: signed entries, served from the cache', async () => {
  const backend = new CacheBackend({
    expireAfter: 60,
    responses: new DictCache<CachedResponse>({ secretKey: SECRET }),
    redirects: new DictCache<string>({ secretKey: SECRET }),
  });
  try {
    const server = origin();
    const api = attachCache(axios.create({ adapter: server.adapter }), backend);
    await api.get('https://api.example.com/a');
    const hit = await api.get('https://api.example.com/a');
    expect(hit.fromCache).toBe(true);
    expect(hit.data).toEqual({ call: 1 });
    expect(backend.responses.serializer).toBeInstanceOf(SignedSerializer);
  } finally {
    await backend.close();
  }
});
