import { AppError, badRequest } from "../../errors";
import type { CredentialRow } from "../../storage/db/credentials";
import { ACCOUNT_SCOPES, ADMIN_ACCOUNT_ID, type Principal, parseScopes, SCOPES, type Scope } from "../auth/principal";

/** What a credential may do: its scopes, the path prefix it is held to, and its storage space. */
export interface Power {
  scopes: ReadonlySet<Scope>;
  prefix: string;
  space: "live" | "test";
}

export function ownerScopes(accountId: number): readonly Scope[] {
  return accountId === ADMIN_ACCOUNT_ID ? SCOPES : ACCOUNT_SCOPES;
}

/** A stored key's power: the owner's permissions ∩ its scopes (NULL = all of the owner's) ∩ its prefix. */
export function keyPower(row: CredentialRow): Power {
  const owner = ownerScopes(row.account_id);
  const granted = parseScopes(row.scopes);
  return {
    scopes: new Set(granted === null ? owner : owner.filter((s) => granted.includes(s))),
    prefix: row.prefix,
    space: row.kind === "test" ? "test" : "live",
  };
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

/** Explains which part of `inner` exceeds `outer`; throws 403. */
export function requirePowerWithin(inner: Power, outer: Power): void {
  if (outer.space === "test" && inner.space === "live") {
    throw new AppError("forbidden", "A test key can only create test keys");
  }
  const extra = [...inner.scopes].filter((s) => !outer.scopes.has(s));
  if (extra.length > 0) {
    throw new AppError("forbidden", `A key cannot have more power than its creator: missing scope '${extra[0]}'`);
  }
  if (!inner.prefix.startsWith(outer.prefix)) throw new AppError("forbidden", "Path not allowed");
}

/**
 * A key's path prefix as stored: NFC, no leading `/`, ending in `/` so `docs` means the
 * folder `docs/` (and never `docs-private/`). "" means every path. 400 for `.`/`..`/empty
 * segments, control characters or more than 1024 bytes.
 */
export function normalizeKeyPrefix(text: string): string {
  const prefix = text.normalize("NFC").replace(/^\/+/, "");
  if (prefix === "") return "";
  const folder = prefix.endsWith("/") ? prefix : `${prefix}/`;
  if (Buffer.byteLength(folder) > 1024) throw badRequest("Invalid prefix: at most 1024 bytes");
  if (/[\x00-\x1f\x7f]/.test(folder)) throw badRequest("Invalid prefix: control characters are not allowed");
  const segments = folder.slice(0, -1).split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw badRequest("Invalid prefix: empty, '.' and '..' segments are not allowed");
  }
  return folder;
}
