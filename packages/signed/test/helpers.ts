import { randomBytes } from 'node:crypto';
import { CachedResponse, type Serializer, type SerializeContext } from '@axios-client-cache/core';

/** Fixed secrets: 32, 48 and 64 bytes. */
export const SECRET = 'k'.repeat(32);
export const SECRET_2 = 'q'.repeat(32);
export const SECRET_48 = 'm'.repeat(48);
export const SECRET_64 = 'n'.repeat(64);

/** A response with a `size`-byte body (random, so it does not compress and shows up verbatim). */
export function makeResponse(
  size = 64,
  overrides: Partial<ConstructorParameters<typeof CachedResponse>[0]> = {},
): CachedResponse {
  return new CachedResponse({
    method: 'GET',
    url: 'https://api.example.com/users?page=2',
    finalUrl: 'https://api.example.com/users?page=2',
    status: 200,
    statusText: 'OK',
    headers: [
      ['content-type', 'application/json'],
      ['date', 'Thu, 27 Nov 2025 07:00:00 GMT'],
      ['etag', '"abc"'],
    ],
    body: randomBytes(size),
    createdAt: 1_764_226_800_000,
    expires: null,
    ...overrides,
  });
}

/** Sees a response as a user would: every field and the body. */
export function view(r: CachedResponse): unknown {
  return { ...r.toRecord(), body: Buffer.from(r.body).toString('hex') };
}

/**
 * A serializer whose written bytes pass through `tamper` first: what an attacker with
 * write access to the store does to an entry at rest.
 */
export function tampering(
  inner: Serializer,
  tamper: (bytes: Uint8Array, context: SerializeContext) => Uint8Array | Promise<Uint8Array>,
): Serializer {
  return {
    async dumps(value, context) {
      return tamper(await inner.dumps(value, context), context);
    },
    loads: (bytes, context) => inner.loads(bytes, context),
  };
}
