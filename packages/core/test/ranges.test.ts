/**
 * Range requests (RFC 9110 §14, RFC 9111 §3.3–§3.4): answered from a stored complete response
 * or stored parts, a 206 kept as a part and never as the whole, If-Range. Through real axios
 * and an in-process origin that honours Range itself.
 */
import axios from 'axios';
import { attachCache, CacheBackend } from '@axios-client-cache/core';
import { fakeOrigin, type FakeSeen } from './helpers/fake-origin.js';

const BASE = 'https://api.example.com';
const BODY = '0123456789';

/** An origin serving BODY with an ETag, answering a single byte range with a 206. */
function origin(etag = '"v1"') {
  return fakeOrigin((req: FakeSeen) => {
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.get('range') ?? ''));
    const headers = { 'cache-control': 'max-age=600', etag, 'content-type': 'text/plain' };
    if (!range) return { headers, body: BODY };
    const first = range[1] === '' ? BODY.length - Number(range[2]) : Number(range[1]);
    const last = range[1] === '' || range[2] === '' ? BODY.length - 1 : Number(range[2]);
    return {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${first}-${last}/${BODY.length}` },
      body: BODY.slice(first, last + 1),
    };
  });
}

function setup(etag?: string) {
  const server = origin(etag);
  const backend = new CacheBackend({ cacheControl: true });
  const api = attachCache(
    axios.create({ baseURL: BASE, adapter: server.adapter, validateStatus: () => true, responseType: 'text' }),
    backend,
  );
  const get = (range?: string, extra: Record<string, string> = {}) =>
    api.get('/file', { headers: { ...(range ? { Range: range } : {}), ...extra } });
  return { api, backend, server, get, settle: () => new Promise((r) => setImmediate(r)) };
}

describe('ranges from a stored complete response', () => {
  it.each([
    ['bytes=0-1', '01', 'bytes 0-1/10'],
    ['bytes=7-', '789', 'bytes 7-9/10'],
    ['bytes=-3', '789', 'bytes 7-9/10'],
    ['bytes=8-100', '89', 'bytes 8-9/10'],
  ])('%s: a 206 of the stored bytes, with Content-Range', async (range, text, contentRange) => {
    const { get, server, settle } = setup();
    await get();
    await settle();
    const res = await get(range);
    expect(res.status).toBe(206);
    expect(res.fromCache).toBe(true);
    expect(res.data).toBe(text);
    expect(res.headers['content-range']).toBe(contentRange);
    expect(res.headers['content-length']).toBe(String(text.length));
    expect(server.count).toBe(1);
  });

  it('a range past the end: a 416 with Content-Range bytes */length', async () => {
    const { get, settle } = setup();
    await get();
    await settle();
    const res = await get('bytes=20-30');
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */10');
  });

  it('If-Range: the same strong ETag gets the range, another one the whole response', async () => {
    const { get, server, settle } = setup();
    await get();
    await settle();
    expect((await get('bytes=0-1', { 'If-Range': '"v1"' })).status).toBe(206);
    const whole = await get('bytes=0-1', { 'If-Range': '"v0"' });
    expect(whole.status).toBe(200);
    expect(whole.data).toBe(BODY);
    expect(server.count).toBe(1);
  });

  it('several ranges are left to the origin', async () => {
    const { get, server, settle } = setup();
    await get();
    await settle();
    await get('bytes=0-1, 4-5');
    expect(server.count).toBe(2);
  });
});

describe('stored parts', () => {
  it('a 206 is kept as a part: a plain request never gets it', async () => {
    const { get, server, settle } = setup();
    const part = await get('bytes=0-4');
    expect(part.status).toBe(206);
    await settle();
    const whole = await get();
    expect(whole.status).toBe(200);
    expect(whole.data).toBe(BODY);
    expect(server.seen[1]?.headers.get('range')).toBe('bytes=5-'); // only the rest was asked for
    expect(server.count).toBe(2);
  });

  it('a part answers the ranges it holds; others go to the origin', async () => {
    const { get, server, settle } = setup();
    await get('bytes=2-7');
    await settle();
    const inside = await get('bytes=3-5');
    expect(inside.fromCache).toBe(true);
    expect(inside.status).toBe(206);
    expect(inside.data).toBe('345');
    expect(inside.headers['content-range']).toBe('bytes 3-5/10');
    expect(server.count).toBe(1);
    expect((await get('bytes=0-3')).fromCache).toBe(false);
    expect(server.count).toBe(2);
  });

  it('parts that together hold every byte become the whole response', async () => {
    const { get, server, settle } = setup();
    await get('bytes=0-4');
    await settle();
    await get('bytes=5-9');
    await settle();
    const whole = await get();
    expect(whole.fromCache).toBe(true);
    expect(whole.status).toBe(200);
    expect(whole.data).toBe(BODY);
    expect(whole.headers['content-range']).toBeUndefined();
    expect(server.count).toBe(2);
  });

  it('parts of another representation (another ETag) are not combined', async () => {
    let etag = '"a"';
    const server = fakeOrigin((req) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.get('range') ?? ''))!;
      const [first, last] = [Number(range[1]), Number(range[2])];
      return {
        status: 206,
        headers: { 'cache-control': 'max-age=600', etag, 'content-range': `bytes ${first}-${last}/10` },
        body: BODY.slice(first, last + 1),
      };
    });
    const api = attachCache(
      axios.create({ baseURL: BASE, adapter: server.adapter, validateStatus: () => true, responseType: 'text' }),
      new CacheBackend({ cacheControl: true }),
    );
    await api.get('/file', { headers: { Range: 'bytes=0-4' } });
    await new Promise((r) => setImmediate(r));
    etag = '"b"';
    await api.get('/file', { headers: { Range: 'bytes=5-9' } });
    await new Promise((r) => setImmediate(r));
    expect((await api.get('/file', { headers: { Range: 'bytes=0-4' } })).fromCache).toBe(false); // the "a" part went
    expect((await api.get('/file', { headers: { Range: 'bytes=5-9' } })).fromCache).toBe(true);
  });
});
