import { OAuthError } from "../../domain/errors";
import { ACCOUNT_SCOPES, type AccountScope } from "../../domain/principal";

/** The scopes an app may ask for: every account scope; `admin` is never handed to an app. */
export const OAUTH_SCOPES = ACCOUNT_SCOPES;
export type OAuthScope = AccountScope;

/** Each scope in words, for the consent page. */
export const SCOPE_WORDS: Record<OAuthScope, string> = {
  "files:read": "See and download your files",
  "files:write": "Upload files, create folders and move files",
  "files:delete": "Delete your files",
  share: "Create share links to your files",
  "keys:read": "See your API keys (never their secrets)",
  "keys:write": "Create, rotate and revoke your API keys",
};

/**
 * Scope values other specifications define that lightd tolerates and ignores: refresh tokens are
 * issued anyway, so `offline_access` asks for nothing more (refusing it breaks common clients).
 */
const TOLERATED = new Set(["offline_access"]);

/**
 * Parses the `scope` parameter (RFC 6749 §3.3: space-delimited, order-free). Throws
 * invalid_scope for a value lightd does not know and for an empty result.
 */
export function parseScopeParam(text: string | undefined): OAuthScope[] {
  if (text === undefined || text.trim() === "") {
    throw new OAuthError("invalid_scope", `scope is required: any of ${OAUTH_SCOPES.join(" ")}`);
  }
  const wanted = new Set<OAuthScope>();
  for (const value of text.split(" ")) {
    if (value === "" || TOLERATED.has(value)) continue;
    if (!(OAUTH_SCOPES as readonly string[]).includes(value)) {
      throw new OAuthError("invalid_scope", `Unknown scope '${value.slice(0, 40)}': use ${OAUTH_SCOPES.join(" ")}`);
    }
    wanted.add(value as OAuthScope);
  }
  if (wanted.size === 0) throw new OAuthError("invalid_scope", `scope names none of ${OAUTH_SCOPES.join(" ")}`);
  return OAUTH_SCOPES.filter((s) => wanted.has(s));
}

export function scopeText(scopes: readonly string[]): string {
  return scopes.join(" ");
}
