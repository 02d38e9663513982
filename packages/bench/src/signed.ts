/**
 * Signed and encrypted entries: what they cost in bytes and time.
 *
 *   pnpm --filter @axios-client-cache/bench exec tsx src/signed.ts
 *
 * Prints one JSON object of figures. The bench runner imports {@link run}.
 *
 * - `signed.size.*`: stored bytes of a response with a 1, 10 and 100 KiB body, unsigned
 *   (msgpack), signed (HS256) and encrypted (A256GCM), and the overhead over unsigned
 *   (goal: at most 1% + 200 bytes).
 * - `signed.encode.*` / `signed.decode.*`: ns per `serialize` / `deserialize` of a store
 *   (item to bytes, bytes to a checked `CachedResponse`), each of the three.
 * - `signed.hit.*`: ns per `GET` answered from the cache through axios (`attachCache`,
 *   a DictCache, `responseType: 'arraybuffer'` so no JSON parsing blurs the figure):
 *   `objects` (the default DictCache, which keeps items and never serializes), `msgpack`
 *   (unsigned bytes), `signed`, `encrypted`, and `floor` (axios with an adapter that
 *   answers at once, no cache). `signed.hit.*.addedOverMsgpack.ns` is the goal's figure
 *   (at most 10 µs for 10 KiB).
 *
 * Every figure is the median of interleaved batches, so drift hits all variants alike.
 */
import { randomBytes } from 'node:crypto';
import { runWhenMain } from './standalone.js';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import {
  attachCache,
  CacheBackend,
  CachedResponse,
  DictCache,
  msgpackSerializer,
  type BaseCache,
  type Serializer,
} from '@axios-client-cache/core';
import { SignedSerializer } from '@axios-client-cache/signed';

const KiB = 1024;
const SIZES = [1 * KiB, 10 * KiB, 100 * KiB] as const;
const SECRET = 'bench-secret-bench-secret-bench-secret!';
const KEY = 'f'.repeat(64);

type Variant = 'msgpack' | 'signed' | 'encrypted';
const SERIALIZERS: Record<Variant, Serializer> = {
  msgpack: msgpackSerializer,
  signed: new SignedSerializer({ secretKey: SECRET }),
  encrypted: new SignedSerializer({ secretKey: SECRET, encrypt: true }),
};
const VARIANTS = Object.keys(SERIALIZERS) as Variant[];

function response(size: number): CachedResponse {
  const now = Date.now();
  return new CachedResponse({
    method: 'GET',
    url: 'https://api.example.com/items/1',
    finalUrl: 'https://api.example.com/items/1',
    status: 200,
    statusText: 'OK',
    headers: [
      ['content-type', 'application/json'],
      ['date', new Date(now).toUTCString()],
      ['etag', '"v1"'],
      ['cache-control', 'max-age=600'],
    ],
    body: randomBytes(size),
    createdAt: now,
    expires: now + 3_600_000,
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Runs `fns` in interleaved batches; the median ns per call of each. */
async function interleaved(
  fns: Record<string, () => unknown>,
  batch: number,
  rounds: number,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let round = -3; round < rounds; round++) {
    // three warm-up rounds
    for (const [name, fn] of Object.entries(fns)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) {
        const out = fn();
        if (out instanceof Promise) await out;
      }
      if (round >= 0) samples[name]!.push(Number(process.hrtime.bigint() - start) / batch);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function sizes(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const size of SIZES) {
    const record = response(size).toRecord();
    const context = { key: KEY, expiresAt: Date.now() + 3_600_000 };
    const plain = (await msgpackSerializer.dumps(record, context)).length;
    out[`signed.size.${size / KiB}KiB.msgpack.bytes`] = plain;
    for (const variant of ['signed', 'encrypted'] as const) {
      const bytes = (await SERIALIZERS[variant].dumps(record, context)).length;
      out[`signed.size.${size / KiB}KiB.${variant}.bytes`] = bytes;
      out[`signed.size.${size / KiB}KiB.${variant}.overhead.bytes`] = bytes - plain;
      out[`signed.size.${size / KiB}KiB.${variant}.overhead.percent`] =
        Math.round(((bytes - plain) / plain) * 10_000) / 100;
    }
  }
  return out;
}

async function codec(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const size of SIZES) {
    const item = response(size);
    const stores = {} as Record<Variant, BaseCache>;
    for (const v of VARIANTS) stores[v] = new DictCache({ serializer: SERIALIZERS[v] });
    const bytes = Object.fromEntries(
      await Promise.all(VARIANTS.map(async (v) => [v, await stores[v].serialize(item, KEY, item.expires)])),
    ) as Record<Variant, Uint8Array>;
    const batch = size >= 100 * KiB ? 50 : 500;
    const encode = await interleaved(
      Object.fromEntries(VARIANTS.map((v) => [v, () => stores[v].serialize(item, KEY, item.expires)])),
      batch,
      25,
    );
    const decode = await interleaved(
      Object.fromEntries(VARIANTS.map((v) => [v, () => stores[v].deserialize(bytes[v], KEY)])),
      batch,
      25,
    );
    for (const v of VARIANTS) {
      out[`signed.encode.${size / KiB}KiB.${v}.ns`] = r1(encode[v]!);
      out[`signed.decode.${size / KiB}KiB.${v}.ns`] = r1(decode[v]!);
    }
  }
  return out;
}

async function hits(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const size of SIZES) {
    const body = randomBytes(size);
    const adapter: AxiosAdapter = async (config) => ({
      data: body,
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/octet-stream' },
      config,
      request: {},
    });
    const backends: CacheBackend[] = [];
    const make = (serializer?: Serializer): AxiosInstance => {
      const backend = new CacheBackend({
        expireAfter: 3600,
        responses: new DictCache<CachedResponse>(serializer ? { serializer } : {}),
        redirects: new DictCache<string>(serializer ? { serializer } : {}),
      });
      backends.push(backend);
      return attachCache(axios.create({ adapter, responseType: 'arraybuffer' }), backend);
    };
    const apis: Record<string, AxiosInstance> = {
      floor: axios.create({ adapter, responseType: 'arraybuffer' }),
      objects: make(),
      msgpack: make(SERIALIZERS.msgpack),
      signed: make(SERIALIZERS.signed),
      encrypted: make(SERIALIZERS.encrypted),
    };
    const url = 'https://api.example.com/items/1';
    for (const [name, api] of Object.entries(apis)) {
      await api.get(url);
      const second = await api.get(url);
      if (name !== 'floor' && (second as { fromCache?: boolean }).fromCache !== true)
        throw new Error(`${name}: the second GET was not a hit`);
    }
    const batch = size >= 100 * KiB ? 50 : 300;
    const ns = await interleaved(
      Object.fromEntries(Object.entries(apis).map(([name, api]) => [name, () => api.get(url)])),
      batch,
      25,
    );
    const tag = `${size / KiB}KiB`;
    for (const [name, value] of Object.entries(ns)) out[`signed.hit.${tag}.${name}.ns`] = r1(value);
    out[`signed.hit.${tag}.signed.addedOverMsgpack.ns`] = r1(ns.signed! - ns.msgpack!);
    out[`signed.hit.${tag}.signed.addedOverObjects.ns`] = r1(ns.signed! - ns.objects!);
    out[`signed.hit.${tag}.encrypted.addedOverMsgpack.ns`] = r1(ns.encrypted! - ns.msgpack!);
    await Promise.all(backends.map((b) => b.close()));
  }
  return out;
}

/** Every figure of this bench. */
export async function run(): Promise<Record<string, number>> {
  return { ...(await sizes()), ...(await codec()), ...(await hits()) };
}

runWhenMain(import.meta.url, run);
