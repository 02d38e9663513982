/**
 * Every reason the cache gives for not reading or not storing a response, in one place: the
 * request plan decides the bypass reasons, the HTTP policy and the write gate the not-stored
 * ones. The `not-stored` event, the diagnostics channel and the debug log carry these names.
 */

/** Why a request is sent around the cache (neither read nor stored). */
export type BypassReason =
  /** `clientCache: false`, `{ enabled: false }`, or inside `backend.disabled()`. */
  | 'disabled'
  /** The method is not in `allowedMethods`. */
  | 'method'
  /** An expiry of 0 (`DO_NOT_CACHE`) on the request; or from a URL rule or the instance, without `cacheControl`. */
  | 'expire-after-0'
  /** The request says `Cache-Control: no-store` (with `cacheControl`). */
  | 'request-no-store'
  /** The request carries credentials and `credentials` is `'skip'`. */
  | 'credentials'
  /** A body that cannot be keyed (FormData, a stream, a Blob…). */
  | 'body'
  /** A URL that cannot be resolved to an absolute URL. */
  | 'url'
  /** A `Range` request the cache does not answer itself: several ranges, another unit, or not a GET. */
  | 'range';

/** Why a response was not stored. */
export type NotStoredReason =
  /** The status is not in `allowedCodes` (or, by default, not one RFC 9111 lets a cache store). */
  | 'status'
  /** `Cache-Control: no-store` on the response. */
  | 'no-store'
  /** `Cache-Control: private`, in a shared cache. */
  | 'private'
  /** A `Set-Cookie` response, in a shared cache. */
  | 'set-cookie'
  /** `Vary: *`: no request can ever match it. */
  | 'vary-star'
  /** A response to a request with `Authorization`, in a shared cache, without `public`, `s-maxage` or `must-revalidate` (RFC 9111 §3.5). */
  | 'authorization'
  /** A partial response (206): never stored under the full key. */
  | 'partial'
  /** With `cacheControl`, a response whose headers say nothing, under an expiry setting of 0. */
  | 'expire-after-0'
  /** Already past its freshness and every stale window: it could never be used. */
  | 'stale'
  /** `filterFn` returned false (or threw). */
  | 'filter'
  /** Larger than the store takes. */
  | 'too-large'
  /** The body did not arrive whole (reset, short of `Content-Length`, a truncated encoding). */
  | 'incomplete'
  /** One of its tags was invalidated after its request left: it may predate the change the invalidation announced. */
  | 'tag-invalidated'
  /** The versions of its tags could not be read or made (a store error): an entry that cannot be checked is not kept. */
  | 'tag-store'
  /** The cache is closed, or off for this async context. */
  | 'closed';
