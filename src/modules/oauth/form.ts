import { invalidRequest, OAuthError } from "../../domain/errors";
import type { ClientCredentials } from "./clients";

const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/**
 * Reads the form body of a token, revocation or introspection request (RFC 6749 §3.2:
 * `application/x-www-form-urlencoded`, each parameter at most once, empty values as absent).
 */
export async function readOAuthForm(request: Request): Promise<Map<string, string>> {
  if (!FORM_TYPE.test(request.headers.get("content-type") ?? "")) {
    throw invalidRequest("Send the parameters as application/x-www-form-urlencoded");
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(await request.text())) {
    if (params.has(name)) throw invalidRequest(`${name.slice(0, 40)} is given more than once`);
    if (value !== "") params.set(name, value);
  }
  return params;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function formDecode(text: string): string {
  return decodeURIComponent(text.replaceAll("+", " "));
}

/** The client credentials of a request: HTTP Basic, or client_id/client_secret in the body. */
export function clientCredentialsOf(request: Request, params: Map<string, string>): ClientCredentials {
  const header = request.headers.get("authorization");
  let basic: ClientCredentials["basic"];
  if (header !== null) {
    const match = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
    if (!match) throw new OAuthError("invalid_client", "Use HTTP Basic for client authentication", BASIC_CHALLENGE);
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    try {
      if (colon === -1) throw new Error("no colon");
      basic = { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    } catch {
      throw new OAuthError("invalid_client", "Malformed Basic credentials", BASIC_CHALLENGE);
    }
  }
  return { basic, bodyId: params.get("client_id"), bodySecret: params.get("client_secret") };
}

/** RFC 6749 §5.2: a 401 invalid_client carries a challenge for the scheme clients may use. */
export const BASIC_CHALLENGE = { "www-authenticate": 'Basic realm="lightd"' };

/** RFC 6749 §5.1: token answers are never cached. */
export const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };
