/**
 * The cache's outcomes as OpenTelemetry metrics. The library publishes one message per request
 * on the `axios-client-cache:request` diagnostics channel; this bridge counts them and records
 * their durations, without wrapping the library or axios. Copy it into a service as it is.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { metrics, type Meter } from '@opentelemetry/api';
import type { RequestMessage } from '@axios-client-cache/core';

/** The channel the cache publishes on. */
export const CHANNEL = 'axios-client-cache:request';

/**
 * Starts counting: `axios_client_cache.requests` (a counter) and
 * `axios_client_cache.request.duration` (a histogram, ms), both by `cache.outcome`
 * (`hit`, `stale`, `revalidated`, `miss`, `coalesced`, `bypass`, `error`), `cache.name` and
 * `http.request.method`, and `cache.reason` when the cache gave one. Returns a function that stops.
 */
export function instrumentCache(meter: Meter = metrics.getMeter('axios-client-cache')): () => void {
  const requests = meter.createCounter('axios_client_cache.requests', {
    description: 'Requests through axios-client-cache, by outcome',
  });
  const duration = meter.createHistogram('axios_client_cache.request.duration', {
    description: 'Time from the request reaching the cache to its answer',
    unit: 'ms',
  });
  const listener = (message: unknown): void => {
    const m = message as RequestMessage;
    const attributes: Record<string, string> = {
      'cache.outcome': m.outcome,
      'cache.name': m.cacheName,
      'http.request.method': m.method,
    };
    if (m.reason !== undefined) attributes['cache.reason'] = m.reason;
    requests.add(1, attributes);
    duration.record(m.durationMs, attributes);
  };
  subscribe(CHANNEL, listener);
  return () => {
    unsubscribe(CHANNEL, listener);
  };
}
