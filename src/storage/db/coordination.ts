import type { BucketRule } from "../../lib/rate-limiter";

/** A token bucket after one `take`: whether the request was allowed, and what is left. */
export interface BucketState {
  allowed: boolean;
  tokens: number;
}

/** Background work that must run on one instance of a deployment at a time. */
export interface JobCoordination {
  /** Runs `job` unless the job called `name` is running on any instance; false when skipped. */
  exclusive(name: string, job: () => Promise<void>): Promise<boolean>;
  /**
   * Makes this instance the one that plays `name` (the backup schedule)
   * as soon as no other instance does: `role` starts then and returns its stop function. An
   * instance that dies hands the role on. Returns the function that gives it up.
   */
  lead(name: string, role: () => () => void): () => void;
}

/**
 * What instances of one deployment share besides rows: rate-limit buckets, and jobs that
 * must run on one instance at a time (expiry sweeps, the reclaim pass, the backup schedule).
 * A single embedded instance keeps both in memory; on Postgres they live in the database,
 * so a limit hit through a load balancer counts every instance's requests.
 */
export interface Coordination extends JobCoordination {
  /**
   * Takes `cost` from the bucket `key` (refilled continuously at `rule.per_minute`, at most
   * `rule.burst`), or refuses without taking. Atomic: instances never both take the last token.
   */
  take(key: string, rule: BucketRule, cost: number, now: number): Promise<BucketState>;
  /** Forgets buckets not touched since `before` (they would be full again anyway). */
  pruneBuckets(before: number): Promise<number>;
}

/** The jobs of a lone instance (embedded SQLite): every role is its own, a job skips only itself. */
export function singleInstanceJobs(): JobCoordination {
  const running = new Set<string>();
  return {
    async exclusive(name, job) {
      if (running.has(name)) return false;
      running.add(name);
      try {
        await job();
        return true;
      } finally {
        running.delete(name);
      }
    },
    lead(_name, role) {
      return role();
    },
  };
}
