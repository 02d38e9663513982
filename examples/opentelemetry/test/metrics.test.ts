/** The OpenTelemetry bridge, read back through the SDK's in-memory exporter. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { instrumentCache } from '../metrics.js';

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('counts requests by outcome and cache name, and records their durations', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const stop = instrumentCache(provider.getMeter('test'));
  try {
    const api = attachCache(axios.create({ baseURL: origin }), { cacheControl: true, cacheName: 'orders-api' });
    await api.get('/a');
    await api.get('/a');
    await api.get('/a');
    await api.get('/b');
    await api.get('/a', { clientCache: false });
    await reader.forceFlush();
  } finally {
    stop();
    await provider.shutdown();
  }
  const all = exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics)
    .flatMap((s) => s.metrics);
  const requests = all.find((m) => m.descriptor.name === 'axios_client_cache.requests') as SumMetricData;
  const counts = Object.fromEntries(requests.dataPoints.map((p) => [String(p.attributes['cache.outcome']), p.value]));
  expect(counts).toEqual({ miss: 2, hit: 2, bypass: 1 });
  expect(new Set(requests.dataPoints.map((p) => p.attributes['cache.name']))).toEqual(new Set(['orders-api']));
  expect(requests.dataPoints.find((p) => p.attributes['cache.outcome'] === 'bypass')?.attributes['cache.reason']).toBe(
    'disabled',
  );
  const duration = all.find((m) => m.descriptor.name === 'axios_client_cache.request.duration') as HistogramMetricData;
  expect(duration.descriptor.unit).toBe('ms');
  const total = duration.dataPoints.reduce((n, p) => n + p.value.count, 0);
  expect(total).toBe(5);
});

it('stops counting when stopped', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  instrumentCache(provider.getMeter('test'))();
  await attachCache(axios.create({ baseURL: origin })).get('/c');
  await reader.forceFlush();
  await provider.shutdown();
  const names = exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics)
    .flatMap((s) => s.metrics)
    .filter((m) => m.dataPoints.length > 0);
  expect(names).toEqual([]);
});
