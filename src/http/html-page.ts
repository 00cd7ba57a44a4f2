import { createHash } from "node:crypto";

/**
 * The one shape of every page the server renders itself (an OAuth error, the magic-link
 * confirmation, a shared folder, a WebDAV folder index): self-contained and locked down. No
 * script and no external asset; its one inline style pinned by hash; forms post nowhere or only
 * to lightd itself; never framed; never cached; the URL (which may carry a token) never leaks
 * as a referrer. A name a user chose can only ever appear escaped.
 */
export interface HtmlPage {
  title: string;
  /** Trusted HTML of the body; anything user-chosen in it went through `escapeHtml`. */
  body: string;
  style?: string;
  /** Where the page's forms may post: nowhere (default) or lightd itself. */
  formAction?: "none" | "self";
  status?: number;
  headers?: Record<string, string>;
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export function htmlPageHeaders(style: string, formAction: "none" | "self" = "none"): Record<string, string> {
  const styleSrc = style ? `'sha256-${createHash("sha256").update(style).digest("base64")}'` : "'none'";
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src ${styleSrc}; form-action '${formAction}'; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  };
}

export function htmlPage(page: HtmlPage): Response {
  const style = page.style ?? "";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)}</title>
${style ? `<style>${style}</style>\n` : ""}</head>
<body>
${page.body}
</body>
</html>
`;
  return new Response(html, {
    status: page.status ?? 200,
    headers: { ...htmlPageHeaders(style, page.formAction), ...page.headers },
  });
}
