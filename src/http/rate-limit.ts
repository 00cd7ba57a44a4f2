import { Elysia } from "elysia";
import type { Config } from "../config";
import type { Principal } from "../domain/principal";
import { AppError } from "../errors";
import {
  type BucketRule,
  type LimitVerdict,
  rateLimitHeaders,
  TokenBucketLimiter,
  verdictOf,
} from "../lib/rate-limiter";
import type { Coordination } from "../storage/db/coordination";
import type { AuthLimits } from "./auth";
import { clientIpOf, metaOf } from "./edge";
import { type BodyKinds, parseRequestJson } from "./json-body";

type RateLimitConfig = Config["rate_limits"];
/** The unauthenticated endpoints limited per client IP. */
export type IpLimitName = "register" | "challenge" | "verify" | "magic_link";
type BucketName = Exclude<keyof RateLimitConfig, "enabled">;

function refuse(verdict: LimitVerdict, message = "Too many requests, slow down"): AppError {
  return new AppError("rate_limited", message, rateLimitHeaders(verdict));
}

/**
 * Every rate limit lightd enforces, as token buckets (limits read from config.json on
 * each call). Security rules: the unauthenticated auth endpoints are limited per client
 * IP; every authenticated request is charged to its credential; and an IP whose
 * tokens keep failing is refused before the verifier can spend argon2 on it.
 *
 * Requests with no known client address (in-process `app.handle`) skip the per-IP
 * buckets; a real server always knows the address.
 *
 * A lone instance keeps its buckets in memory and answers at once. Instances of one
 * deployment share theirs (`shared`, on Postgres), so a limit hit through a load balancer
 * counts every instance's requests: then the checks answer with a promise.
 */
export class RateLimits implements AuthLimits {
  readonly #buckets = new Map<BucketName, TokenBucketLimiter>();
  /** When any IP last failed to authenticate (the failure buckets are all full some time after). */
  #lastFailureAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: () => Pick<Config, "rate_limits" | "server">,
    private readonly now: () => number = Date.now,
    private readonly shared?: Pick<Coordination, "take">,
  ) {}

  /** Takes `cost` from `name`'s bucket for `key` (0 only looks), in memory or in the shared store. */
  #take(name: BucketName, key: string, cost = 1): LimitVerdict | Promise<LimitVerdict> {
    if (!this.shared) return cost === 0 ? this.#bucket(name).peek(key) : this.#bucket(name).take(key, cost);
    const rule = this.config().rate_limits[name] as BucketRule;
    return this.shared
      .take(`${name}:${key}`, rule, cost, this.now())
      .then((state) => verdictOf(rule, state.tokens, cost === 0 ? state.tokens >= 1 : state.allowed));
  }

  #bucket(name: BucketName): TokenBucketLimiter {
    let limiter = this.#buckets.get(name);
    if (!limiter) {
      limiter = new TokenBucketLimiter(() => this.config().rate_limits[name] as BucketRule, this.now);
      this.#buckets.set(name, limiter);
    }
    return limiter;
  }

  get #enabled(): boolean {
    return this.config().rate_limits.enabled;
  }

  #ip(request: Request): string | null {
    return clientIpOf(request, this.config().server.trust_proxy);
  }

  /** Charges one request to the client IP's bucket for `name`; throws 429 when empty. Returns headers to send. */
  checkIp(name: IpLimitName, request: Request): Record<string, string> | Promise<Record<string, string>> {
    const ip = this.#ip(request);
    if (!this.#enabled || ip === null) return {};
    return settle(this.#take(name, ip), (verdict) => {
      if (!verdict.allowed) throw refuse(verdict);
      return rateLimitHeaders(verdict);
    });
  }

  /** Charges one magic-link request to an e-mail address (any address, account or not). */
  checkAddress(email: string): void | Promise<void> {
    if (!this.#enabled) return;
    return settle(this.#take("magic_link_per_address", email.toLowerCase()), (verdict) => {
      if (!verdict.allowed) throw refuse(verdict, "Too many sign-in links requested for this address, try later");
    });
  }

  beforeVerify(request: Request): void | Promise<void> {
    // While failures are recent the address is looked up here, before the verifier's first
    // await, so it is known to `failed` even if the client hangs up during argon2. Shared
    // buckets may hold another instance's failures: they are always looked at.
    if (!this.#enabled || (!this.shared && this.#failureBucketsFull())) return;
    const ip = this.#ip(request);
    if (ip === null) return;
    return settle(this.#take("auth_failures", ip, 0), (verdict) => {
      if (!verdict.allowed) throw refuse(verdict, "Too many failed authentications from this address, try later");
    });
  }

  failed(request: Request): void | Promise<void> {
    if (!this.#enabled) return;
    this.#lastFailureAt = this.now();
    const ip = this.#ip(request);
    if (ip === null) return;
    const charged = this.#take("auth_failures", ip);
    // The request fails either way: a shared charge that cannot be stored is not its error.
    if (charged instanceof Promise)
      return charged.then(
        () => {},
        () => {},
      );
  }

  /**
   * True when every IP's failure bucket has refilled completely: the last failure anywhere
   * is at least a full refill ago. Then no IP can be refused and the steady state (no
   * failures) skips the address lookup and the bucket. Exact, not a heuristic: buckets
   * only drain in `failed`, and refill is computed from the current rule, as the limiter does.
   */
  #failureBucketsFull(): boolean {
    const { burst, per_minute } = this.config().rate_limits.auth_failures;
    return burst >= 1 && per_minute > 0 && this.now() - this.#lastFailureAt >= (burst * 60_000) / per_minute;
  }

  admitted(principal: Principal): void | Promise<void> {
    if (!this.#enabled) return;
    return settle(this.#take("authenticated", principal.credentialId ?? `master:${principal.accountId}`), (verdict) => {
      if (!verdict.allowed) throw refuse(verdict);
    });
  }
}

/** Applies `then` to a value now, or once a promised one arrives: the in-memory path stays synchronous. */
function settle<T, R>(value: T | Promise<T>, then: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/** A limited route: the bucket's name, or the name and the bodies the route takes (default JSON only). */
export type IpLimitOption = IpLimitName | { name: IpLimitName; bodies: BodyKinds };

/**
 * `{ rateLimit: "register" }` on a route: charges the client IP before the body is parsed
 * (a flood never costs a JSON parse or a validation) and sends `RateLimit-*` headers.
 */
export function ipRateLimit(limits: RateLimits) {
  // Parse runs only for requests with a body; transform runs for every request. Charge once.
  const charge = (name: IpLimitName, request: Request, headers: Record<string, unknown>): void | Promise<void> => {
    const meta = metaOf(request);
    if (meta.ipCharged) return;
    meta.ipCharged = true;
    return settle(limits.checkIp(name, request), (sent) => void Object.assign(headers, sent));
  };
  return new Elysia({ name: "ip-rate-limit" }).macro({
    rateLimit: (option: IpLimitOption) => {
      const name = typeof option === "string" ? option : option.name;
      const bodies = typeof option === "string" ? "json" : option.bodies;
      return {
        parse({
          request,
          set,
          contentType,
        }: {
          request: Request;
          set: { headers: Record<string, unknown> };
          contentType: string | undefined;
        }) {
          const charged = charge(name, request, set.headers);
          return charged
            ? charged.then(() => parseRequestJson(request, contentType, bodies))
            : parseRequestJson(request, contentType, bodies);
        },
        transform({ request, set }: { request: Request; set: { headers: Record<string, unknown> } }) {
          return charge(name, request, set.headers);
        },
      };
    },
  });
}
