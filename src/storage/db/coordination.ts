import type { BucketRule } from "../../lib/rate-limiter";

/** A token bucket after one `take`: whether the request was allowed, and what is left. */
export interface BucketState {
  allowed: boolean;
  tokens: number;
}

/**
 * What instances of one deployment share besides rows: rate-limit buckets, and jobs that
 * must run on one instance at a time (expiry sweeps, the reclaim pass, webhook delivery).
 * A single embedded instance keeps both in memory; on Postgres they live in the database,
 * so a limit hit through a load balancer counts every instance's requests.
 */
export interface Coordination {
  /**
   * Takes `cost` from the bucket `key` (refilled continuously at `rule.per_minute`, at most
   * `rule.burst`), or refuses without taking. Atomic: instances never both take the last token.
   */
  take(key: string, rule: BucketRule, cost: number, now: number): Promise<BucketState>;
  /** Runs `job` unless the job called `name` is running on any instance; false when skipped. */
  exclusive(name: string, job: () => Promise<void>): Promise<boolean>;
  /** Forgets buckets not touched since `before` (they would be full again anyway). */
  pruneBuckets(before: number): Promise<number>;
}
