import { Elysia } from "elysia";
import type { Config } from "../config";
import { AppError } from "../errors";
import { SESSION_COOKIE } from "./auth";
import { isOwnOrigin } from "./links";
import { pathOfUrl } from "./url-path";

/** What the cross-origin rule reads of the server settings. */
export type SameOriginSettings = Pick<Config["server"], "public_url" | "trust_proxy">;
type ServerSettings = SameOriginSettings;

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Routes that turn a browser form POST into a session cookie. They are held to the rule even
 * when no session cookie is sent yet: a cross-site form posting an attacker's sign-in token
 * would otherwise sign the victim into the attacker's account (login CSRF).
 */
const BROWSER_LOGIN_PATHS = new Set(["/auth/magic-link/verify"]);

export const CROSS_ORIGIN_REFUSED =
  "Cross-origin request refused: a request signed in by the session cookie must come from lightd's own pages (other clients send Authorization: Bearer)";

/** True when the browser's session cookie is the request's only credential. */
function cookieAuthenticated(request: Request): boolean {
  if (request.headers.has("authorization")) return false;
  const url = request.url;
  const q = url.indexOf("?");
  if (q !== -1 && new URLSearchParams(url.slice(q + 1)).has("token")) return false;
  return request.headers.get("cookie")?.includes(`${SESSION_COOKIE}=`) ?? false;
}

/**
 * Security rule "cookie-authenticated writes come only from lightd's own origin" (CSRF), the
 * algorithm of Go's net/http CrossOriginProtection: for a state-changing request whose
 * credential is the session cookie (or that signs a browser in), `Sec-Fetch-Site` must be
 * `same-origin` or `none` (typed by the user); browsers that do not send it are judged by
 * `Origin`, which must be lightd's own (its public origin, see links.ts, or the host the
 * request came to). A request with neither header is not from a browser form and passes. Requests with
 * `Authorization` or `?token=` are not affected: a foreign page cannot make a browser add them.
 * Returns the refusal, or null when the request may go on.
 */
export function crossOriginRefusal(request: Request, server: ServerSettings): AppError | null {
  if (!UNSAFE_METHODS.has(request.method)) return null;
  if (!cookieAuthenticated(request) && !BROWSER_LOGIN_PATHS.has(pathOfUrl(request.url))) return null;
  return browserOriginRefusal(request, server);
}

/**
 * The same rule for a WebSocket upgrade, which browsers make from any page with the cookie
 * and which CORS does not guard (cross-site WebSocket hijacking): when the session cookie is
 * the credential, the page must be lightd's own.
 */
export function crossOriginUpgradeRefusal(request: Request, server: ServerSettings): AppError | null {
  return cookieAuthenticated(request) ? browserOriginRefusal(request, server) : null;
}

function browserOriginRefusal(request: Request, server: ServerSettings): AppError | null {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    return site === "same-origin" || site === "none" ? null : new AppError("forbidden", CROSS_ORIGIN_REFUSED);
  }
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  return isOwnOrigin(origin, request, server) ? null : new AppError("forbidden", CROSS_ORIGIN_REFUSED);
}

/** The CSRF rule at the request edge, before routing: one place for every route, present and future. */
export function sameOriginRule(server: () => ServerSettings) {
  return new Elysia({ name: "same-origin-rule" }).onRequest(({ request }) => {
    const refusal = crossOriginRefusal(request, server());
    if (refusal) throw refusal;
  });
}
