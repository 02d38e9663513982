import { randomBytes } from 'node:crypto';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { CachedResponse } from '@axios-client-cache/core';
import { MemoryCache } from '@axios-client-cache/memory';
import { makeResponse } from '@axios-client-cache/test-suite';

/** A forced full GC, so heap figures are what is alive rather than garbage not yet collected. */
function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Live JS heap plus the ArrayBuffers (bodies) it holds, after a full GC. */
function liveBytes(gc: () => void): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const MiB = 1024 * 1024;

describe('MemoryCache soak', () => {
  it('200 000 writes of random 1–4 KiB responses under maxBytes 16 MiB: never over 16 MiB, heap growth under 48 MiB', async () => {
    const gc = gcFunction();
    const maxBytes = 16 * MiB;
    const writes = 200_000;
    const pool = randomBytes(64 * 1024);
    const baseline = liveBytes(gc);

    const cache = new MemoryCache<CachedResponse>({ maxBytes, maxEntries: 1_000_000, sweepIntervalMs: false });
    let evictions = 0;
    cache.on('evicted', () => evictions++);
    let peakStored = 0;
    let peakHeap = 0;
    for (let i = 0; i < writes; i++) {
      const length = 1024 + Math.floor(Math.random() * 3 * 1024 + 1);
      const offset = Math.floor(Math.random() * (pool.length - length));
      const url = `https://api.example.com/items/${i}?page=${i % 97}`;
      const response = makeResponse({
        url,
        headers: [
          ['content-type', 'application/octet-stream'],
          ['etag', `"${i.toString(16)}"`],
          ['cache-control', 'max-age=60'],
        ],
        body: pool.subarray(offset, offset + length),
        createdAt: 1_700_000_000_000 + i,
      });
      await cache.write(`key-${i}`, response);
      if (cache.storedBytes > peakStored) peakStored = cache.storedBytes;
      if (cache.storedBytes > maxBytes) throw new Error(`over maxBytes after write ${i}: ${cache.storedBytes}`);
      if (i % 25_000 === 24_999) peakHeap = Math.max(peakHeap, liveBytes(gc) - baseline);
      // a hit now and then, so recency moves too
      if (i % 7 === 0) await cache.read(`key-${i - 3}`);
    }
    peakHeap = Math.max(peakHeap, liveBytes(gc) - baseline);

    expect(peakStored).toBeLessThanOrEqual(maxBytes);
    expect(peakStored).toBeGreaterThan(maxBytes - 8 * 1024); // the bound, not something else, was binding
    expect(evictions).toBe(writes - cache.storedEntries);
    expect(peakHeap).toBeLessThan(3 * maxBytes);
    if (process.env.SOAK_REPORT)
      process.stderr.write(
        `soak: peak heap growth ${(peakHeap / MiB).toFixed(1)} MiB, ${cache.storedEntries} entries, ${(peakStored / MiB).toFixed(2)} MiB stored\n`,
      );
    await cache.close();
  }, 60_000);
});
