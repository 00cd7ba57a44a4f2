import type { CredentialKind } from "../lib/token-format";
import { forbidden, outlivesCreator, pathNotAllowed } from "./errors";
import {
  ACCOUNT_SCOPES,
  ADMIN_ACCOUNT_ID,
  type Principal,
  parseScopes,
  SCOPES,
  type Scope,
  type Space,
} from "./principal";

/** What a credential may do: its scopes, the path prefix it is held to, and its storage space. */
export interface Power {
  scopes: ReadonlySet<Scope>;
  prefix: string;
  space: Space;
}

/** A stored credential as far as its power goes (a credential row has these fields). */
export interface Grant {
  account_id: number;
  kind: CredentialKind;
  /** Space-separated scopes; null = all of the owner's. */
  scopes: string | null;
  prefix: string;
}

/** Only `test` keys reach the test space; every other credential sees the live one. */
export function spaceOf(kind: CredentialKind): Space {
  return kind === "test" ? "test" : "live";
}

/** The owner's permissions: the admin account holds every scope, other accounts all but `admin`. */
export function ownerScopes(accountId: number): readonly Scope[] {
  return accountId === ADMIN_ACCOUNT_ID ? SCOPES : ACCOUNT_SCOPES;
}

/**
 * Security rule "a credential's power is owner ∩ scopes ∩ prefix ∩ space": the one place it
 * is computed, at key creation, at verification and for every front door. NULL scopes
 * follow the owner's permissions.
 */
export function powerOf(credential: Grant): Power {
  const owner = ownerScopes(credential.account_id);
  const granted = parseScopes(credential.scopes);
  return {
    scopes: new Set(granted === null ? owner : owner.filter((s) => granted.includes(s))),
    prefix: credential.prefix,
    space: spaceOf(credential.kind),
  };
}

/** The power an app's authorization gives its tokens: the granted scopes and prefix, in the live space. */
export function grantPower(grant: Pick<Grant, "account_id" | "scopes" | "prefix">): Power {
  return powerOf({ ...grant, kind: "oat" });
}

export function principalPower(principal: Principal): Power {
  return { scopes: principal.scopes, prefix: principal.prefix, space: principal.space };
}

/**
 * Security rule "a key cannot create a key with more power than itself": `inner` is
 * within `outer` when its scopes are a subset, its prefix lies inside outer's prefix,
 * and a test credential only ever reaches test keys.
 */
export function powerWithin(inner: Power, outer: Power): boolean {
  for (const scope of inner.scopes) if (!outer.scopes.has(scope)) return false;
  if (!inner.prefix.startsWith(outer.prefix)) return false;
  return outer.space === "live" || inner.space === "test";
}

/** `powerWithin`, explaining which part of `inner` exceeds `outer`; throws 403. */
export function requirePowerWithin(inner: Power, outer: Power): void {
  if (outer.space === "test" && inner.space === "live") throw forbidden("A test key can only create test keys");
  const extra = [...inner.scopes].filter((s) => !outer.scopes.has(s));
  if (extra.length > 0) {
    throw forbidden(`A key cannot have more power than its creator: missing scope '${extra[0]}'`);
  }
  if (!inner.prefix.startsWith(outer.prefix)) throw pathNotAllowed();
}

/**
 * Security rule "nothing a credential makes outlives it": the latest expiry (Unix ms) of a key
 * made or rotated with `creator`; null for no limit. Only the person's own sign-in makes lasting
 * keys (as in the dashboard); a key, a programmatic or OAuth token, or a session opened with one
 * passes on its own expiry, so a 30-second token cannot leave a key behind that never expires.
 * A session opened with a credential is that credential exchanged, and ends when it does
 * (SessionService.openFor).
 */
export function lifetimeLimit(creator: Pick<Principal, "ownSignIn" | "expiresAt">): number | null {
  return creator.ownSignIn ? null : creator.expiresAt;
}

/**
 * `lifetimeLimit` applied to a requested expiry (null = never): the request when it is within the
 * limit, the limit when no expiry was asked for, else 403 naming the limit.
 */
export function requireLifetimeWithin(
  creator: Pick<Principal, "ownSignIn" | "expiresAt">,
  requested: number | null,
): number | null {
  const limit = lifetimeLimit(creator);
  if (limit === null) return requested;
  if (requested === null) return limit;
  if (requested > limit) throw outlivesCreator(limit);
  return requested;
}
