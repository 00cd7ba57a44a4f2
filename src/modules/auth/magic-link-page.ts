import { createHash } from "node:crypto";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:15vh auto;padding:0 1rem;color:#222}" +
  "button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:.4rem;background:#2456d6;color:#fff;cursor:pointer}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/**
 * Security rule "a GET never swaps sessions" (login CSRF): following a magic link only shows
 * this page; its button POSTs the token back, and only that POST signs in. The page is
 * self-contained and locked down: no script, no external asset, its one inline style pinned by
 * hash, forms may post only to lightd itself, and no other site may frame it.
 */
export const CONFIRM_PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The confirmation page for a magic link: one button that POSTs the token to the verify route. */
export function confirmPage(token: string, action: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in to lightd</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Sign in to lightd</h1>
<p>Continue to sign in with the link from your e-mail. If you did not ask for it, close this page.</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
