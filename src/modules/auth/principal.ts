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

export const ADMIN_ACCOUNT_ID = 1;
export const ADMIN_ACTOR = "admin";

/** Every scope but `admin`: what an ordinary account may do in its own namespace. */
export const ACCOUNT_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== "admin");

export type CredentialSource = "master" | "token" | "session" | "key" | "oauth" | "anonymous";

/** Who is calling and with how much power: the owner's permissions ∩ the credential's scopes ∩ its path prefix. */
export interface Principal {
  accountId: number;
  actor: string;
  source: CredentialSource;
  /** Row id of the credential, null for the master token. */
  credentialId: string | null;
  /** `test` keys see a separate, empty storage space of the same account. */
  space: "live" | "test";
  scopes: ReadonlySet<Scope>;
  /** Paths this principal may touch start with this prefix ("" = everything). */
  prefix: string;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}

export function parseScopes(text: string | null): Scope[] | null {
  if (text === null) return null;
  return text.split(" ").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}
