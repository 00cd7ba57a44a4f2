import type { Config } from "../../config";
import { AppError, forbidden, unauthorized } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { Authorizer, AuthRequirement } from "../../http/auth";
import { clientIpOf } from "../../http/edge";
import { overTls } from "../../http/links";

export const BASIC_CHALLENGE = 'Basic realm="lightd"';
const BEARER_CHALLENGE = 'Bearer realm="lightd"';

function isLoopback(ip: string | null): boolean {
  if (ip === null) return false;
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

/**
 * Security rule: Basic credentials travel in clear text, so they are accepted only over
 * TLS, from loopback, or when `webdav.allow_basic_over_http` says the operator accepts it.
 */
export function basicAllowed(request: Request, config: Config): boolean {
  if (config.webdav.allow_basic_over_http || overTls(request, config.server)) return true;
  return isLoopback(clientIpOf(request, config.server.trust_proxy));
}

/**
 * The token a WebDAV client presents: the password of HTTP Basic (any user name, as
 * mount dialogs ask for both) or a Bearer token. Throws 400 for a malformed header.
 */
function presentedToken(request: Request, config: Config): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const bearer = /^(?:Bearer|ApiKey)[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (bearer) return bearer[1] as string;
  const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!basic) throw unauthorized("Unsupported Authorization scheme; use Basic or Bearer");
  if (!basicAllowed(request, config)) {
    throw forbidden(
      "Basic authentication is refused over plain HTTP; use HTTPS, a Bearer token, or set webdav.allow_basic_over_http",
    );
  }
  const decoded = Buffer.from(basic[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? decoded : decoded.slice(colon + 1);
}

/**
 * Authenticates a WebDAV request with the one authorizer (verifier, rate limits, scopes).
 * A 401 carries the challenge mount dialogs need to ask for a password; Basic is offered
 * only where it would be accepted.
 */
export async function davPrincipal(
  authorize: Authorizer,
  request: Request,
  requirement: AuthRequirement,
  config: Config,
): Promise<Principal> {
  const challenge = basicAllowed(request, config) ? BASIC_CHALLENGE : BEARER_CHALLENGE;
  try {
    return await authorize(request, requirement, presentedToken(request, config), { skipAcceptRule: true });
  } catch (error) {
    if (error instanceof AppError && error.status === 401) {
      throw unauthorized(error.message, { ...error.headers, "www-authenticate": challenge });
    }
    throw error;
  }
}
