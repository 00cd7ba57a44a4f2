import { escapeHtml, htmlPage } from "../../http/html-page";
import { formatBytes } from "../../lib/format";
import type { SharedEntry } from "./service";

const STYLE =
  "body{font:16px system-ui,sans-serif;margin:2rem auto;max-width:48rem;padding:0 1rem}td{padding:.3rem 1rem .3rem 0}";

/**
 * The page of a shared folder, for people who open the link in a browser: a name in the folder
 * cannot inject anything that runs, and the token in the URL never leaks as a referrer.
 */
export function sharePage(listing: { name: string; entries: SharedEntry[]; truncated: boolean }): Response {
  const rows = listing.entries
    .map((e) => {
      const label = e.type === "folder" ? `${e.name}/` : e.name;
      const size = e.type === "folder" ? "" : formatBytes(e.size);
      return `<tr><td><a href="${escapeHtml(e.url)}">${escapeHtml(label)}</a></td><td>${size}</td></tr>`;
    })
    .join("\n");
  const more = listing.truncated ? "<p>Only the first entries are shown.</p>" : "";
  return htmlPage({
    title: listing.name,
    style: STYLE,
    headers: { vary: "accept" },
    body: `<h1>${escapeHtml(listing.name)}</h1>
<table>
${rows || "<tr><td>This folder is empty.</td></tr>"}
</table>
${more}`,
  });
}
