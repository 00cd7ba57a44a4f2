import { ERROR_CATALOGUE, type ErrorCode, errorResponse } from "../../errors";
import { prefersHtml } from "../../http/accept";
import { escapeHtml, htmlPage } from "../../http/html-page";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}code{background:#f2f2f2;padding:0 .2rem}";

/**
 * An authorization request that must not go back to the app (unknown client, unregistered
 * redirect URI, no issuer configured, nobody signed in): a browser gets a page saying what is
 * wrong instead of being sent somewhere nobody registered; any other client gets lightd's JSON
 * error (as share links answer), so scripts see a clear code. Both carry the catalogue's status
 * for `code` and its headers (a 429's Retry-After).
 */
export function authorizeError(
  request: Request,
  code: ErrorCode,
  reason: string,
  headers: Record<string, string> = {},
): Response {
  if (!prefersHtml(request.headers.get("accept"))) {
    return errorResponse(code, reason, { ...headers, "cache-control": "no-store" });
  }
  return htmlPage({
    title: "Authorization failed · lightd",
    style: STYLE,
    status: ERROR_CATALOGUE[code].status,
    headers,
    body: `<main>
<h1>This app's sign-in request cannot be completed</h1>
<p>${escapeHtml(reason)}</p>
<p>You were not sent back to the app. Close this page and tell the app's developer.</p>
</main>`,
  });
}
