import type { CachedResponse } from '../src/cached-response.js';
import { NOT_COPIED, ParsedBodies } from '../src/parsed-bodies.js';

/** The memo only tells entries apart by identity. */
const entry = () => ({}) as CachedResponse;

describe('ParsedBodies', () => {
  it('parses an entry the second time it is seen, and copies from then on', () => {
    const bodies = new ParsedBodies();
    const e = entry();
    const text = '{"a":[1,{"b":2}],"c":"d"}';
    expect(bodies.copyOf(e, text)).toBe(NOT_COPIED);
    const first = bodies.copyOf(e, text) as { a: unknown[] };
    const second = bodies.copyOf(e, text) as { a: unknown[] };
    expect(first).toEqual(JSON.parse(text));
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second.a).not.toBe(first.a);
    expect(second.a[1]).not.toBe(first.a[1]);
  });

  it('a copy keeps key order, an own __proto__ key and -0, as JSON.parse does', () => {
    const bodies = new ParsedBodies();
    const e = entry();
    const text = '{"z":1,"10":2,"2":3,"__proto__":{"x":-0},"a":[-0]}';
    bodies.copyOf(e, text);
    const copy = bodies.copyOf(e, text) as Record<string, unknown>;
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(Object.keys(parsed));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    const own = Object.getOwnPropertyDescriptor(copy, '__proto__') as PropertyDescriptor;
    expect(Object.is((own.value as { x: number }).x, -0)).toBe(true);
    expect(Object.is((copy.a as number[])[0], -0)).toBe(true);
  });

  it('with an enumerable property on Object.prototype, a copy still holds only own keys', () => {
    const bodies = new ParsedBodies();
    const e = entry();
    bodies.copyOf(e, '{"a":{"b":1}}');
    Object.defineProperty(Object.prototype, 'polluted', { value: { deep: 1 }, enumerable: true, configurable: true });
    try {
      const copy = bodies.copyOf(e, '{"a":{"b":1}}') as { a: object };
      expect(Object.keys(copy)).toEqual(['a']);
      expect(Object.keys(copy.a)).toEqual(['b']);
    } finally {
      delete (Object.prototype as { polluted?: unknown }).polluted;
    }
  });

  it.each([
    ['not JSON', 'plain words'],
    ['over 256 KiB', JSON.stringify('x'.repeat(300 * 1024))],
    ['nested over 64 deep', `${'['.repeat(65)}${']'.repeat(65)}`],
  ])('%s is left to axios', (_, text) => {
    const bodies = new ParsedBodies();
    const e = entry();
    expect(bodies.copyOf(e, text)).toBe(NOT_COPIED);
    expect(bodies.copyOf(e, text)).toBe(NOT_COPIED);
    expect(bodies.copyOf(e, text)).toBe(NOT_COPIED);
  });

  it('nested 64 deep is still copied', () => {
    const bodies = new ParsedBodies();
    const e = entry();
    const text = `${'['.repeat(64)}${']'.repeat(64)}`;
    bodies.copyOf(e, text);
    expect(bodies.copyOf(e, text)).toEqual(JSON.parse(text));
  });

  it('remembers 512 entries at most, oldest forgotten first', () => {
    const bodies = new ParsedBodies();
    const entries = Array.from({ length: 513 }, entry);
    for (const e of entries) bodies.copyOf(e, '1');
    // The first one was forgotten to make room for the 513th: it is seen afresh.
    expect(bodies.copyOf(entries[0]!, '1')).toBe(NOT_COPIED);
    expect(bodies.copyOf(entries[512]!, '1')).toBe(1);
  });

  it('holds entries seen once (and their bodies) within the same 4 Mi characters', () => {
    const bodies = new ParsedBodies();
    const text = JSON.stringify('z'.repeat(200 * 1024));
    const entries = Array.from({ length: 22 }, entry);
    for (const e of entries) expect(bodies.copyOf(e, text)).toBe(NOT_COPIED);
    // Seen once each: the oldest were let go (seen afresh), the newest is parsed on its second sight.
    expect(bodies.copyOf(entries[0]!, text)).toBe(NOT_COPIED);
    expect(bodies.copyOf(entries[21]!, text)).toBe(JSON.parse(text));
  });

  it('remembers 4 Mi characters of body text at most', () => {
    const bodies = new ParsedBodies();
    const text = JSON.stringify('y'.repeat(200 * 1024));
    const entries = Array.from({ length: 22 }, entry);
    for (const e of entries) {
      bodies.copyOf(e, text);
      expect(bodies.copyOf(e, text)).toBe(JSON.parse(text));
    }
    // 22 parses of ~200 KiB are over 4 Mi characters: the oldest were forgotten.
    expect(bodies.copyOf(entries[0]!, text)).toBe(NOT_COPIED);
    expect(bodies.copyOf(entries[21]!, text)).toBe(JSON.parse(text));
  });
});
