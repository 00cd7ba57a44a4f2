import { LruMap } from "./lru";

/** One bucket's settings: `burst` requests at once, refilled at `perMinute`. */
export interface BucketRule {
  burst: number;
  per_minute: number;
}

export interface LimitVerdict {
  allowed: boolean;
  limit: number;
  /** Whole requests left after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one more request is allowed (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by a string (client IP, credential id). Memory is bounded:
 * past `maxKeys` the bucket least recently taken from is dropped, which at worst
 * forgives an old client, never blocks a new one.
 */
export class TokenBucketLimiter {
  readonly #buckets: LruMap<string, Bucket>;

  constructor(
    private readonly rule: () => BucketRule,
    private readonly now: () => number = Date.now,
    maxKeys = 100_000,
  ) {
    this.#buckets = new LruMap(maxKeys);
  }

  #refilled(key: string): Bucket {
    const { burst, per_minute } = this.rule();
    const now = this.now();
    const bucket = this.#buckets.peek(key);
    if (!bucket) return { tokens: burst, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    return { tokens: Math.min(burst, bucket.tokens + (elapsed * per_minute) / 60_000), updatedAt: now };
  }

  /** Takes one request's worth from `key`'s bucket, or refuses without taking. */
  take(key: string, cost = 1): LimitVerdict {
    const bucket = this.#refilled(key);
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    this.#buckets.set(key, bucket);
    return verdictOf(this.rule(), bucket.tokens, allowed);
  }

  /** Whether one more request would be allowed, without taking anything. */
  peek(key: string): LimitVerdict {
    const bucket = this.#refilled(key);
    return verdictOf(this.rule(), bucket.tokens, bucket.tokens >= 1);
  }

  /** Drops every bucket (tests, config reload). */
  clear(): void {
    this.#buckets.clear();
  }
}

/** What a bucket holding `tokens` after a take (by `rule`) tells the client. */
export function verdictOf(rule: BucketRule, tokens: number, allowed: boolean): LimitVerdict {
  const perMs = rule.per_minute / 60_000;
  const missing = rule.burst - tokens;
  return {
    allowed,
    limit: rule.burst,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: perMs > 0 ? Math.ceil(missing / perMs / 1000) : 0,
    retryAfterSeconds: allowed ? 0 : perMs > 0 ? Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) : 3600,
  };
}

/** `RateLimit-*` (IETF draft) and, when refused, `Retry-After` headers for a verdict. */
export function rateLimitHeaders(verdict: LimitVerdict): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(verdict.limit),
    "ratelimit-remaining": String(verdict.remaining),
    "ratelimit-reset": String(verdict.allowed ? verdict.resetSeconds : verdict.retryAfterSeconds),
  };
  if (!verdict.allowed) headers["retry-after"] = String(verdict.retryAfterSeconds);
  return headers;
}
