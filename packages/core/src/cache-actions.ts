import type { RequestDirectives } from './cache-control.js';
import type { ResolvedExpiry } from './expiry.js';
import type { BypassReason } from './reasons.js';
import type { RequestPlan } from './request-plan.js';

/**
 * What the cache does for one request (the seed's `CacheActions`): a read-only view of the
 * request plan that `backend.request()` made, the same plan an axios request gets.
 */
export class CacheActions {
  /** The request's cache key (`''` when the request goes around the cache). */
  readonly key: string;
  /** The expiry from the settings by precedence: per request, urlsExpireAfter, instance. */
  readonly expireAfter: ResolvedExpiry;
  /** Ask the origin (conditionally when possible) before using a stored response. */
  readonly revalidate: boolean;
  /** Neither read nor write the cache; `reason` says why. */
  readonly skip: boolean;
  /** Why the cache is skipped, if it is. */
  readonly reason: BypassReason | undefined;
  /** Request `Cache-Control` directives, when `cacheControl` is on. */
  readonly directives: RequestDirectives | undefined;

  constructor(plan: RequestPlan) {
    this.key = plan.key;
    this.expireAfter = plan.expiry;
    this.revalidate = plan.refresh || plan.directives?.noCache === true;
    this.skip = plan.bypass !== undefined;
    this.reason = plan.bypass;
    this.directives = plan.directives;
  }
}
