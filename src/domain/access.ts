import { adminOnly, masterOnly, missingScope, ownSignInOnly, pathNotAllowed } from "./errors";
import { REACHES_BELOW_DEST, REACHES_BELOW_PATH } from "./files";
import { folderHolds } from "./paths";
import { isAdmin, isMaster, type Principal, type Scope } from "./principal";

/**
 * What a route or front door asks of its caller: any valid credential, a scope, the admin
 * (see `isAdmin`), the master token itself, or the person's own sign-in (see `ownSignIn`).
 */
export type Requirement = true | Scope | "admin" | "master" | "own-sign-in";

/**
 * Security rule: the caller meets `requirement`, or 403 naming what is missing. "own-sign-in"
 * is the rule of letting an app in: only the person decides, never a credential made for a
 * program or an app, whose grant would outlive it (revoking the key or the app's token would
 * leave the other app in).
 */
export function requireAccess(principal: Principal, requirement: Requirement): void {
  if (requirement === true) return;
  if (requirement === "admin") {
    if (!isAdmin(principal)) throw adminOnly();
  } else if (requirement === "master") {
    if (!isMaster(principal)) throw masterOnly();
  } else if (requirement === "own-sign-in") {
    if (!principal.ownSignIn) throw ownSignInOnly();
  } else if (!principal.scopes.has(requirement)) throw missingScope(requirement);
}

/**
 * Security rule "a test key never touches live data", beyond files: what acts on the account's
 * live space (an OAuth app and the grants it holds) is seen and managed only by a credential
 * that reaches the live space, as a test key sees only test keys.
 */
export function reachesLive(principal: Pick<Principal, "space">): boolean {
  return principal.space === "live";
}

/**
 * Enforces a credential's path prefix: a key limited to `docs/` may touch only paths
 * under `docs/` (and the folder `docs/` itself). Throws 403 "Path not allowed".
 */
export function requirePath(principal: Principal, path: string): void {
  if (!pathAllowed(principal, path)) throw pathNotAllowed();
}

export function pathAllowed(principal: Pick<Principal, "prefix">, path: string): boolean {
  // Listing the folders above the prefix would reveal nothing beyond it only if filtered;
  // callers that list use `narrowPrefix` instead.
  return principal.prefix === "" || path.startsWith(principal.prefix);
}

/**
 * For listings, searches, logs and stats: the effective prefix to query with, or a
 * 403 when the requested prefix lies outside the credential's prefix.
 * A request for "" (everything) with a key limited to `docs/` narrows to `docs/`.
 */
export function narrowPrefix(principal: Principal, requested: string): string {
  const own = principal.prefix;
  if (own === "" || requested.startsWith(own)) return requested;
  if (own.startsWith(requested)) return own;
  throw pathNotAllowed();
}

/** An event as the log shows it: either end of a move may be redacted to null. */
export interface LoggedChange {
  action: string;
  path: string | null;
  dest: string | null;
  size: number | null;
  msg: string | null;
}

/**
 * Security rule "a prefix key never sees paths outside its prefix", for the event log: a move
 * that crosses the prefix keeps the end inside it, and its other end and its message (which may
 * describe the outside) become null. The event itself stays, so a client syncing the prefix
 * still learns that a file arrived or left. A move, delete, restore or copy of a folder above
 * the prefix (`site/` for a key on `site/sub/`) is shown at the prefix itself, without its size
 * (which counts the outside too): the key's folder left, went away, came back or arrived.
 * Callers query only events with an end inside or above (eventMatches).
 */
export function redactChange<E extends LoggedChange>(principal: Pick<Principal, "prefix">, event: E): E {
  const own = principal.prefix;
  if (own === "") return event;
  const seen = (end: string | null, reaches: ReadonlySet<string>): string | null => {
    if (end === null || pathAllowed(principal, end)) return end;
    return reaches.has(event.action) && folderHolds(end, own) ? own : null;
  };
  const path = seen(event.path, REACHES_BELOW_PATH);
  const dest = seen(event.dest, REACHES_BELOW_DEST);
  if (path === event.path && dest === event.dest) return event;
  const above = (path !== event.path && path !== null) || (dest !== event.dest && dest !== null);
  return { ...event, path, dest, size: above ? null : event.size, msg: null };
}
