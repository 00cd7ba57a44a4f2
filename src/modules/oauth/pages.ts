import { createHash } from "node:crypto";
import { type ErrorCode, errorResponse } from "../../errors";
import { prefersHtml } from "../../http/accept";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}code{background:#f2f2f2;padding:0 .2rem}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** Locked down like every lightd page: no script, its one style pinned by hash, never framed. */
export const ERROR_PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page for an authorization request that must not go back to the app (unknown client,
 * unregistered redirect URI, no issuer configured): the person reads what is wrong instead of
 * being sent somewhere nobody registered.
 */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "service_unavailable",
};

/**
 * An authorization-endpoint failure that must not be redirected: the page for a browser, and
 * lightd's JSON error for any other client (as share links answer), so scripts see a clear code.
 */
export function authorizeError(request: Request, status: number, reason: string): Response {
  if (prefersHtml(request.headers.get("accept"))) return authorizeErrorPage(status, reason);
  return errorResponse(CODE_BY_STATUS[status] ?? "bad_request", reason, { "cache-control": "no-store" });
}

function authorizeErrorPage(status: number, reason: string): Response {
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Authorization failed · lightd</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>This app's sign-in request cannot be completed</h1>
<p>${escapeHtml(reason)}</p>
<p>You were not sent back to the app. Close this page and tell the app's developer.</p>
</main>
</body>
</html>
`;
  return new Response(body, { status, headers: ERROR_PAGE_HEADERS });
}
