import { notFound } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import type { Principal } from "../../domain/principal";
import { serveObject } from "../../http/download";
import { isHeadRequest } from "../../http/edge";
import { escapeHtml, htmlPage } from "../../http/html-page";
import { contentDisposition } from "../../lib/content-disposition";
import type { DeadProperty } from "../../storage/db/dav-properties";
import { depthOf, readSmallBody } from "./conditions";
import { conditionResponse, multistatus, streamedMultistatus } from "./multistatus";
import { davEtag, modifiedAt, type PropEntry, parsePropfind, propfindResponse } from "./properties";
import { type DavCall, type DavResource, hrefOf } from "./resource";
import type { DavService } from "./service";

export const ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK";

/** OPTIONS: class 1 and 2, and the header Windows' Web Folders look for before they write. */
export function options(): Response {
  return new Response(null, {
    status: 200,
    headers: { dav: "1, 2", "ms-author-via": "DAV", allow: ALLOW, "content-length": "0" },
  });
}

const LIST_PAGE = 50_000;

/** The direct children of a folder, all of them (WebDAV has no paging). */
async function childrenOf(dav: DavService, principal: Principal, folder: string): Promise<StoredEntry[]> {
  const rows: StoredEntry[] = [];
  for (let offset = 0; ; offset += LIST_PAGE) {
    const page = await dav.files.list(principal, folder, LIST_PAGE, offset);
    rows.push(...page.rows);
    if (!page.truncated) return rows;
  }
}

/** PROPFIND Depth 0 or 1; Depth: infinity (also the default) is refused with `propfind-finite-depth`. */
export async function propfind({ dav, principal, request, resource, config }: DavCall): Promise<Response> {
  const depth = depthOf(request);
  if (depth === "infinity") return conditionResponse(403, "propfind-finite-depth");
  const wanted = parsePropfind(await readSmallBody(request, config.server.max_body_bytes));
  if (!resource.exists) throw notFound();
  const locks = await dav.locks.active(principal);
  const now = dav.now();
  const href = (path: string) => hrefOf(principal, path);
  const entryOf = (row: StoredEntry | null, path: string, isFolder: boolean, at: string, dead: DeadProperty[]) => {
    const entry: PropEntry = {
      href: at,
      row,
      isFolder,
      facts: null,
      dead,
      locks: locks.length === 0 ? locks : dav.locks.covering(path, locks),
      hrefOf: href,
      now,
    };
    return entry;
  };
  const self = entryOf(
    resource.row,
    resource.path,
    resource.isFolder,
    href(resource.path),
    await dav.deadProperties(resource.row),
  );
  self.facts = await dav.facts(resource.row);
  const prefixes = wanted.kind === "prop" ? wanted.prefixes : undefined;
  if (depth === "0" || !resource.isFolder) return multistatus(propfindResponse(self, wanted), prefixes);
  // Rows, properties and facts are read now (one consistent listing); XML is rendered as it is sent.
  const children = await childrenOf(dav, principal, resource.path);
  const dead = await dav.deadPropertiesOfChildren(principal, resource.path);
  const facts = await dav.factsOfChildren(principal, resource.path);
  // Members share their folder's href: only each name is encoded.
  const base = self.href;
  const member = (row: StoredEntry) => {
    const folder = row.type === "folder";
    const at = `${base}${encodeURIComponent(row.name)}${folder ? "/" : ""}`;
    const entry = entryOf(row, row.path, folder, at, dead.get(row.id) ?? []);
    entry.facts = facts.get(row.id) ?? null;
    return propfindResponse(entry, wanted);
  };
  return streamedMultistatus(
    children.length + 1,
    (i) => (i === 0 ? propfindResponse(self, wanted) : member(children[i - 1] as StoredEntry)),
    prefixes,
  );
}

/** GET/HEAD: a file's bytes through the one download path (Range, ETag, 304); a folder as a small HTML index. */
export async function get({ dav, principal, request, resource }: DavCall): Promise<Response> {
  if (!resource.exists) throw notFound("File");
  const row = resource.row;
  if (resource.isFolder || !row) return folderIndex(dav, principal, resource);
  if (!row.object_key) throw notFound("File");
  return serveObject(dav.objects, row.object_key, request.headers, !isHeadRequest(request), {
    contentType: row.content_type ?? undefined,
    stat: row.etag ? { size: row.size, etag: row.etag } : undefined,
    disposition: contentDisposition(row.name, "inline"),
    lastModified: modifiedAt(row, await dav.facts(row)),
    etag: davEtag,
  });
}

async function folderIndex(dav: DavService, principal: Principal, resource: DavResource): Promise<Response> {
  const items = (await childrenOf(dav, principal, resource.path))
    .map((row) => {
      const name = escapeHtml(row.name + (row.type === "folder" ? "/" : ""));
      return `<li><a href="${escapeHtml(hrefOf(principal, row.path))}">${name}</a></li>`;
    })
    .join("\n");
  const title = hrefOf(principal, resource.path);
  return htmlPage({ title, body: `<h1>${escapeHtml(title)}</h1>\n<ul>\n${items}\n</ul>` });
}
