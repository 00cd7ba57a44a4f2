/**
 * Who is calling and what they may do. Every front door (REST, WebDAV, the feed, OAuth, the
 * CLI through REST) resolves a credential to one Principal and asks the rules below.
 */
export const SCOPES = [
  "files:read",
  "files:write",
  "files:delete",
  "share",
  "keys:read",
  "keys:write",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

/** A credential's storage space: `test` keys see a separate, empty space of the same account. */
export type Space = "live" | "test";

export const ADMIN_ACCOUNT_ID = 1;
export const ADMIN_ACTOR = "admin";

/** A scope an ordinary account holds: every one but `admin`. */
export type AccountScope = Exclude<Scope, "admin">;
/** Every scope but `admin`: what an ordinary account may do in its own namespace (and all an OAuth app may ask for). */
export const ACCOUNT_SCOPES: readonly AccountScope[] = SCOPES.filter((s): s is AccountScope => s !== "admin");

export type CredentialSource = "master" | "token" | "session" | "key" | "oauth" | "anonymous";

/** Who is calling and with how much power: the owner's permissions ∩ the credential's scopes ∩ its path prefix. */
export interface Principal {
  accountId: number;
  actor: string;
  source: CredentialSource;
  /** Row id of the credential, null for the master token. */
  credentialId: string | null;
  space: Space;
  scopes: ReadonlySet<Scope>;
  /** Paths this principal may touch start with this prefix ("" = everything). */
  prefix: string;
  /**
   * The person's own sign-in: the master token, or a session opened by signing in (an Ed25519
   * signature, a magic link) or with the master token. False for what was made for a program
   * or an app: API keys, programmatic and OAuth tokens, and sessions opened with one of them.
   */
  ownSignIn: boolean;
  /** When the credential expires (Unix ms); null when it does not (the master token, a key without expiry). */
  expiresAt: number | null;
}

/**
 * How every front door turns a presented token into a Principal: null when none was
 * presented; 401 (AppError "unauthorized") when it is unknown, wrong or expired.
 */
export interface Authenticator {
  /** At once when nothing needs a server or argon2 (the master token, a key verified before, on SQLite). */
  authenticate(token: string | null): Principal | Promise<Principal>;
  /** The master token's principal (what an anonymous caller acts as when authorization is off). */
  masterPrincipal(): Principal;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

/**
 * Security rule "admin": the admin account, holding the `admin` scope, in the live space and
 * without a path prefix — the master token, a session opened with it, or an unrestricted
 * admin credential. Only the admin manages accounts, invites and quotas.
 */
export function isAdmin(principal: Principal): boolean {
  return (
    principal.accountId === ADMIN_ACCOUNT_ID &&
    principal.scopes.has("admin") &&
    principal.space === "live" &&
    principal.prefix === ""
  );
}

/** The master token itself (or a session opened with it): the one credential that mints programmatic tokens. */
export function isMaster(principal: Principal): boolean {
  return principal.source === "master";
}

export function parseScopes(text: string | null): Scope[] | null {
  if (text === null) return null;
  return text.split(" ").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}
