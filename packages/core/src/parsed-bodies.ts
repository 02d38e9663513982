/**
 * Hot entries' JSON bodies, parsed once. A hit whose request leaves its body to axios's
 * default JSON parse gets a deep copy of that parse instead of the text: the copy is what
 * `JSON.parse` would have made (own keys in the same order, `__proto__` an own key), so every
 * caller still gets an object of its own, at about a quarter of a parse's cost.
 *
 * An entry is parsed here the second time it is seen (a store that makes a new entry object
 * per read never pays for a parse and a copy). Bounded: a few hundred entries, whose bodies
 * come to a few MiB of text, are held (an entry held keeps its body alive, also once its store
 * dropped it), oldest forgotten first; a body too large or nested too deeply to copy cheaply
 * is left to axios's own parse.
 */
import type { CachedResponse } from './cached-response.js';

/** Entries remembered at most. */
const MAX_ENTRIES = 512;
/** Characters of body text of the entries held at most (seen, parsed or not JSON alike). */
const MAX_CHARS = 4 * 1024 * 1024;
/** A body longer than this is not remembered (its parse would crowd out the others). */
const MAX_BODY_CHARS = 256 * 1024;
/** Deepest nesting copied (the copy recurses; `JSON.parse` does not). */
const MAX_DEPTH = 64;

/** The body is not JSON, or not worth a copy: axios parses the text as it would. */
export const NOT_COPIED: unique symbol = Symbol('axios-client-cache.not-copied');
/** Seen once: parsed when seen again. */
const SEEN: unique symbol = Symbol('axios-client-cache.seen');

/** What is known of an entry: SEEN, NOT_COPIED or its parse, and its text's length. */
interface Known {
  readonly value: unknown;
  readonly chars: number;
}

export class ParsedBodies {
  readonly #known = new Map<CachedResponse, Known>();
  /** Text characters of every entry held (each entry held keeps its body alive). */
  #chars = 0;

  /**
   * A fresh copy of `entry`'s body `text` (the text axios would get) parsed as JSON, or
   * NOT_COPIED. The second call for an entry parses and remembers.
   */
  copyOf(entry: CachedResponse, text: string): unknown {
    if (text.length > MAX_BODY_CHARS) return NOT_COPIED;
    const known = this.#known.get(entry);
    if (known === undefined) {
      this.#remember(entry, SEEN, text.length);
      return NOT_COPIED;
    }
    let value = known.value;
    if (value === SEEN) {
      // Parsed now, and remembered as the newest.
      this.#known.delete(entry);
      this.#chars -= known.chars;
      value = parse(text);
      this.#remember(entry, value, text.length);
    }
    return value === NOT_COPIED ? NOT_COPIED : copy(value);
  }

  /** Remembers `value` for an entry the memo does not hold, forgetting the oldest to make room. */
  #remember(entry: CachedResponse, value: unknown, chars: number): void {
    const known = this.#known;
    while (known.size > 0 && (known.size >= MAX_ENTRIES || this.#chars + chars > MAX_CHARS)) {
      // A Map iterates in insertion order: the first entry is the oldest.
      const [oldest, was] = known.entries().next().value as [CachedResponse, Known];
      known.delete(oldest);
      this.#chars -= was.chars;
    }
    known.set(entry, { value, chars });
    this.#chars += chars;
  }
}

/** `text` parsed, when it is JSON worth copying, else NOT_COPIED. */
function parse(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (within(value, MAX_DEPTH)) return value;
  } catch {
    // Not JSON: axios's own parse decides (a string, or its error for responseType 'json').
  }
  return NOT_COPIED;
}

/** True when `value` nests no deeper than `depth` objects and arrays. */
function within(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (depth === 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!within(value[i], depth - 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) if (!within((value as Record<string, unknown>)[key], depth - 1)) return false;
  return true;
}

/**
 * A deep copy of a `JSON.parse` result. A spread copies an object's own keys in order (an own
 * `__proto__` key too, as an own key) far faster than adding them one by one, and `slice` an
 * array's elements; only the objects and arrays inside are then replaced by their copies. The
 * walk for those uses `for…in`, the fastest, which sees only own keys — unless something made
 * a property of Object.prototype enumerable, when inherited keys are skipped.
 */
function copy(value: unknown): unknown {
  return copyTree(value, !plainPrototype());
}

function plainPrototype(): boolean {
  for (const _ in Object.prototype) return false;
  return true;
}

function copyTree(value: unknown, inherited: boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (typeof item === 'object' && item !== null) out[i] = copyTree(item, inherited);
    }
    return out;
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in out) {
    if (inherited && !Object.hasOwn(out, key)) continue;
    const item = out[key];
    if (typeof item === 'object' && item !== null) setOwn(out, key, copyTree(item, inherited));
  }
  return out;
}

/** `out[key] = value`, but never the prototype: `__proto__` is an own key here, set as one. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
