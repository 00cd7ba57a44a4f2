import { sha256 } from "../../lib/secrets";
import type { SharedEntry } from "./service";

const STYLE =
  "body{font:16px system-ui,sans-serif;margin:2rem auto;max-width:48rem;padding:0 1rem}td{padding:.3rem 1rem .3rem 0}";

/**
 * The HTML page of a shared folder, for people who open the link in a browser. Self-contained
 * (no script, no image; one inline style allowed by its hash), so the policy forbids everything else: a name in the
 * folder cannot inject anything that runs, and the token in the URL never leaks as a referrer.
 */
export const SHARE_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${sha256(STYLE).toString("base64")}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
} as const;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function sizeOf(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function sharePage(listing: { name: string; entries: SharedEntry[]; truncated: boolean }): string {
  const rows = listing.entries
    .map((e) => {
      const label = e.type === "folder" ? `${e.name}/` : e.name;
      const size = e.type === "folder" ? "" : sizeOf(e.size);
      return `<tr><td><a href="${escapeHtml(e.url)}">${escapeHtml(label)}</a></td><td>${size}</td></tr>`;
    })
    .join("\n");
  const more = listing.truncated ? "<p>Only the first entries are shown.</p>" : "";
  const title = escapeHtml(listing.name);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title>
<style>${STYLE}</style>
</head><body>
<h1>${title}</h1>
<table>
${rows || "<tr><td>This folder is empty.</td></tr>"}
</table>
${more}
</body></html>
`;
}
