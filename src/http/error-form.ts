import { prefersHtml } from "./accept";
import { pathOfUrl } from "./url-path";

/**
 * Which error body a path answers, decided here once for the renderer and the contract.
 *
 * OAuth's protocol endpoints — the RFC 8414 metadata, the token, revocation and introspection
 * endpoints (RFC 6749, 7009, 7662) and the registration endpoint with its client URLs
 * (RFC 7591: `/oauth/clients`, `/oauth/clients/{id}`, `/oauth/clients/{id}/secret`) — are read
 * by standard client libraries, which look for `{"error", "error_description"}`. So every error
 * they answer has that shape, whoever refuses: the handler, the auth guard (401, 403, 429), the
 * Accept rule (406), the body cap (413), validation (400) or the router (404). The `error` code
 * is the RFC's where one names the situation, else lightd's catalogue code. Every other route,
 * the rest of `/oauth/` included (the authorization page's JSON refusals, the consent details,
 * the authorized apps), answers lightd's `{"error", "message"}`.
 */
export type ErrorForm = "lightd" | "rfc6749";

const PROTOCOL_PATHS = new Set([
  "/.well-known/oauth-authorization-server",
  "/oauth/token",
  "/oauth/revoke",
  "/oauth/introspect",
  "/oauth/clients",
]);

/** The form for a request path (without its query) or a documented path template. */
export function errorFormOf(path: string): ErrorForm {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return PROTOCOL_PATHS.has(trimmed) || trimmed.startsWith("/oauth/clients/") ? "rfc6749" : "lightd";
}

/** The path of a request URL, without its query: what `errorFormOf` is asked about. */
export function errorFormOfUrl(url: string): ErrorForm {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "lightd";
  const end = url.search(/[?#]/);
  return errorFormOf(url.slice(start, end === -1 || end < start ? undefined : end));
}

/**
 * How an error to this request is answered: in its path's form, or — for a share link
 * (`/s/{token}…`, the one lightd URL people open in a browser tab) asked for by a request that
 * prefers HTML (a navigation) — as a small page with the same status and headers. API clients
 * (`Accept: application/json`, or curl's any-type default) keep the JSON.
 */
export function errorFormOfRequest(request: Request): ErrorForm | "page" {
  if (isSharePath(pathOfUrl(request.url)) && prefersHtml(request.headers.get("accept"))) return "page";
  return errorFormOfUrl(request.url);
}

/** A share link's answer depends on Accept (JSON or a page), so caches must key on it. */
export const isSharePath = (path: string) => path.startsWith("/s/");
