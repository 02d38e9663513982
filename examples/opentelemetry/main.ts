/**
 * A demo: a local origin, a cached axios instance, and the cache's outcomes exported as
 * OpenTelemetry metrics (printed here by the SDK's console exporter; a service would use OTLP).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { attachCache } from '@axios-client-cache/core';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { instrumentCache } from './metrics.js';

const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'max-age=60');
  res.end(JSON.stringify({ path: req.url }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000,
});
const provider = new MeterProvider({ readers: [reader] });
const stop = instrumentCache(provider.getMeter('axios-client-cache'));

const api = attachCache(axios.create({ baseURL: origin }), { cacheControl: true, cacheName: 'demo' });
for (const path of ['/users', '/users', '/users', '/orders', '/orders']) await api.get(path);
await api.get('/users', { clientCache: false });

await reader.forceFlush(); // prints the counter by outcome and the duration histogram
stop();
await provider.shutdown();
server.close();
