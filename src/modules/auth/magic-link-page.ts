import { escapeHtml, htmlPage } from "../../http/html-page";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:15vh auto;padding:0 1rem;color:#222}" +
  "button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:.4rem;background:#2456d6;color:#fff;cursor:pointer}";

/**
 * Security rule "a GET never swaps sessions" (login CSRF): following a magic link only shows
 * this page; its button POSTs the token back to `action`, and only that POST signs in. Its
 * form may post only to lightd itself.
 */
export function confirmPage(token: string, action: string): Response {
  return htmlPage({
    title: "Sign in to lightd",
    style: STYLE,
    formAction: "self",
    body: `<h1>Sign in to lightd</h1>
<p>Continue to sign in with the link from your e-mail. If you did not ask for it, close this page.</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Sign in</button>
</form>`,
  });
}
