import { describe, expect, test } from "bun:test";
import { TokenBucketLimiter } from "../../src/lib/rate-limiter";

const RULE = { burst: 2, per_minute: 60 };

describe("TokenBucketLimiter", () => {
  test("a key gets its burst, then is refused until its bucket refills", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(
      () => RULE,
      () => now,
    );
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(true);
    const refused = limiter.take("a");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(limiter.take("b").allowed).toBe(true);
    now += 1_000;
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
  });

  test("peek tells whether a request would pass without taking from the bucket", () => {
    const limiter = new TokenBucketLimiter(
      () => RULE,
      () => 0,
    );
    limiter.take("a");
    expect(limiter.peek("a")).toMatchObject({ allowed: true, remaining: 1 });
    expect(limiter.peek("a")).toMatchObject({ allowed: true, remaining: 1 });
    limiter.take("a");
    expect(limiter.peek("a").allowed).toBe(false);
  });

  test("past its bound it forgets the key least recently taken from, which then starts with a full bucket", () => {
    const limiter = new TokenBucketLimiter(
      () => RULE,
      () => 0,
      2,
    );
    for (const key of ["a", "a", "b", "b"]) limiter.take(key);
    limiter.take("a"); // refused, but a is now the key most recently taken from
    limiter.peek("b"); // a peek is not a take: b stays the least recent
    limiter.take("c"); // a third key: b is forgotten
    expect(limiter.peek("b")).toMatchObject({ allowed: true, remaining: 2 });
    expect(limiter.peek("a").allowed).toBe(false);
  });

  test("stays bounded and answers under a stream of distinct keys", () => {
    const limiter = new TokenBucketLimiter(
      () => RULE,
      () => 0,
      1_000,
    );
    for (let i = 0; i < 50_000; i++) expect(limiter.take(`k${i}`).allowed).toBe(true);
    expect(limiter.take("k49999").allowed).toBe(true);
    expect(limiter.take("k49999").allowed).toBe(false);
    expect(limiter.peek("k0")).toMatchObject({ allowed: true, remaining: 2 });
  });
});
