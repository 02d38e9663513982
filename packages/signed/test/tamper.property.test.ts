import fc from 'fast-check';
import { CacheSignatureError, encodeItem } from '@axios-client-cache/core';
import { SignedSerializer } from '@axios-client-cache/signed';
import { SECRET, makeResponse } from './helpers.js';

// Random changes to valid entries: not one may be accepted. Entries are signed once;
// each run copies one and flips bits or replaces bytes in it.

const KEY = 'GET https://api.example.com/items?id=1';
const RUNS = 10_000;

/** A list of changes: [position (scaled to the entry's length), xor mask 1..255]. */
const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });

function expectRejected(s: SignedSerializer, bytes: Uint8Array): void {
  let accepted: unknown;
  try {
    accepted = s.loads(bytes, { key: KEY });
  } catch (error) {
    expect(error).toBeInstanceOf(CacheSignatureError);
    return;
  }
  throw new Error(`a tampered entry was accepted: ${JSON.stringify(accepted)?.slice(0, 80)}`);
}

describe.each([
  ['signed', new SignedSerializer({ secretKey: SECRET })],
  ['encrypted', new SignedSerializer({ secretKey: SECRET, encrypt: true })],
])('%s entries', (_kind, s) => {
  const entries = [
    s.dumps(encodeItem(makeResponse(0)), { key: KEY, expiresAt: 4_000_000_000_000 }),
    s.dumps(encodeItem(makeResponse(300)), { key: KEY, expiresAt: null }),
    s.dumps(encodeItem(makeResponse(4096)), { key: KEY, expiresAt: 4_000_000_000_000 }),
    s.dumps('redirect-target', { key: KEY }),
  ];

  test('the untouched entries verify', () => {
    for (const entry of entries) expect(s.loads(entry, { key: KEY })).toBeDefined();
  });

  test(`${RUNS} runs of flipped bits and replaced bytes: none accepted`, () => {
    let tampered = 0;
    fc.assert(
      fc.property(fc.nat({ max: entries.length - 1 }), flips, fc.boolean(), (which, changes, headFirst) => {
        const bytes = Uint8Array.prototype.slice.call(entries[which]!);
        for (const [at, mask] of changes) {
          // Half the runs aim at the first 256 bytes (framing, header, signature), where a
          // parser is likeliest to go wrong; the rest anywhere.
          const span = headFirst ? Math.min(256, bytes.length) : bytes.length;
          bytes[at % span]! ^= mask;
        }
        // Two flips of one bit cancel out; an unchanged entry is not a tampered one.
        if (Buffer.from(bytes).equals(entries[which]!)) return;
        tampered++;
        expectRejected(s, bytes);
      }),
      { numRuns: RUNS },
    );
    expect(tampered).toBeGreaterThan(RUNS * 0.99);
  });

  test('truncated, extended, spliced and random entries: none accepted', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: entries.length - 1 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        (which, cut, extra) => {
          const entry = entries[which]!;
          const at = cut % entry.length;
          expectRejected(s, entry.subarray(0, at));
          if (extra.length > 0) {
            expectRejected(s, Buffer.concat([entry, extra]));
            const spliced = Buffer.concat([entry.subarray(0, at), extra, entry.subarray(at + 1)]);
            if (!spliced.equals(entry)) expectRejected(s, spliced); // replacing a byte by itself changes nothing
          }
          expectRejected(s, Buffer.concat([entry.subarray(0, 4), extra]));
        },
      ),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (random) => expectRejected(s, random)),
      { numRuns: 2_000 },
    );
  });
});
