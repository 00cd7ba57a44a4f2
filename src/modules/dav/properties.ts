import { badRequest } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import { quoteEtag } from "../../lib/etag";
import { httpDate } from "../../lib/http-date";
import { elementsOf, escapeXml, isElement, parseXml, serializeNodes, type XmlElement, XmlError } from "../../lib/xml";
import type { LockRow } from "../../storage/db/dav-locks";
import type { DeadProperty, FileFacts } from "../../storage/db/dav-properties";
import { DAV_NS, propertyTag } from "./multistatus";

export const OC_NS = "http://owncloud.org/ns";

/**
 * The ETag WebDAV answers: the stored one, cut to 32 hex digits (128 bits of the SHA-256
 * the local store keeps, still a strong validator). Some clients build `If` headers in
 * fixed-size buffers that a 64-digit tag overflows; S3's MD5 tags are 32 digits already.
 */
export const davEtag = (etag: string) => (etag.length > 32 ? etag.slice(0, 32) : etag);

export interface PropName {
  ns: string;
  name: string;
}

export type PropfindRequest =
  | { kind: "allprop"; include: PropName[] }
  | { kind: "propname" }
  | { kind: "prop"; props: PropName[]; prefixes: Map<string, string> };

/** Prefixes for the namespaces a request names, declared once at the document's root. */
function prefixesFor(props: PropName[]): Map<string, string> {
  const prefixes = new Map<string, string>();
  for (const { ns } of props) {
    if (ns !== "" && ns !== DAV_NS && !prefixes.has(ns)) prefixes.set(ns, `N${prefixes.size}`);
  }
  return prefixes;
}

/** What PROPFIND needs to know about one resource. */
export interface PropEntry {
  href: string;
  row: StoredEntry | null;
  isFolder: boolean;
  facts: FileFacts | null;
  dead: DeadProperty[];
  locks: LockRow[];
  /** The href of a lock's root, for lockdiscovery. */
  hrefOf: (path: string) => string;
  now: number;
}

/** The live properties lightd computes (RFC 4918 §15); allprop and propname list these. */
const LIVE = [
  "creationdate",
  "getcontentlength",
  "getcontenttype",
  "getetag",
  "getlastmodified",
  "resourcetype",
  "lockdiscovery",
  "supportedlock",
] as const;
export const LIVE_NAMES: ReadonlySet<string> = new Set(LIVE);

export function parseXmlBody(text: string): XmlElement {
  try {
    return parseXml(text);
  } catch (error) {
    if (error instanceof XmlError) throw badRequest(`Malformed XML body: ${error.message}`);
    throw error;
  }
}

/** The property names of a `DAV:prop`, each once. */
function namesOf(prop: XmlElement): PropName[] {
  const names = new Map<string, PropName>();
  for (const e of elementsOf(prop)) {
    const key = `${e.ns}\u0000${e.name}`;
    if (!names.has(key)) names.set(key, { ns: e.ns, name: e.name });
  }
  return [...names.values()];
}

/** A PROPFIND body (empty = allprop); 400 when it is not a DAV:propfind. */
export function parsePropfind(text: string): PropfindRequest {
  if (text.trim() === "") return { kind: "allprop", include: [] };
  const root = parseXmlBody(text);
  if (!isElement(root, DAV_NS, "propfind")) throw badRequest("Expected a DAV:propfind body");
  const children = elementsOf(root);
  const prop = children.find((c) => isElement(c, DAV_NS, "prop"));
  if (prop) {
    const props = namesOf(prop);
    return { kind: "prop", props, prefixes: prefixesFor(props) };
  }
  if (children.some((c) => isElement(c, DAV_NS, "propname"))) return { kind: "propname" };
  if (children.some((c) => isElement(c, DAV_NS, "allprop"))) {
    const include = children.find((c) => isElement(c, DAV_NS, "include"));
    return { kind: "allprop", include: include ? namesOf(include) : [] };
  }
  throw badRequest("A DAV:propfind needs prop, propname or allprop");
}

/** The client's modification time when it still describes the current content, else lightd's own. */
export function modifiedAt(row: StoredEntry | null, facts: FileFacts | null): number {
  if (!row) return 0;
  if (facts?.mtime != null && facts.etag === (row.etag ?? "")) return facts.mtime;
  return row.updated_at;
}

type LockView = Pick<PropEntry, "hrefOf" | "now">;

function activeLockXml(lock: LockRow, entry: LockView): string {
  const remaining = Math.max(0, Math.ceil((lock.expires_at - entry.now) / 1000));
  return (
    "<D:activelock><D:locktype><D:write/></D:locktype>" +
    `<D:lockscope>${lock.exclusive ? "<D:exclusive/>" : "<D:shared/>"}</D:lockscope>` +
    `<D:depth>${lock.deep ? "infinity" : "0"}</D:depth>` +
    (lock.owner ? `<D:owner>${lock.owner}</D:owner>` : "") +
    `<D:timeout>Second-${remaining}</D:timeout>` +
    `<D:locktoken><D:href>${lock.token}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${entry.hrefOf(lock.path)}</D:href></D:lockroot></D:activelock>`
  );
}

export function lockDiscoveryXml(locks: LockRow[], entry: LockView): string {
  return locks.map((lock) => activeLockXml(lock, entry)).join("");
}

const SUPPORTED_LOCK =
  "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>" +
  "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>";

/** The inner XML of a live property, or undefined when the resource has no such property. */
function liveValue(entry: PropEntry, name: string): string | undefined {
  const row = entry.row;
  const file = row !== null && !entry.isFolder;
  switch (name) {
    case "resourcetype":
      return entry.isFolder ? "<D:collection/>" : "";
    case "getcontentlength":
      return file ? String(row.size) : undefined;
    case "getcontenttype":
      return file ? (row.content_type ?? "application/octet-stream") : undefined;
    case "getetag":
      return file && row.etag ? quoteEtag(davEtag(row.etag)).replaceAll("&", "&amp;") : undefined;
    case "getlastmodified":
      return httpDate(modifiedAt(row, entry.facts));
    case "creationdate":
      return new Date(row?.created_at ?? 0).toISOString();
    case "lockdiscovery":
      return lockDiscoveryXml(entry.locks, entry);
    case "supportedlock":
      return SUPPORTED_LOCK;
  }
  return undefined;
}

/** The owncloud checksum rclone reads, when the client gave one for the current content. */
function checksumValue(entry: PropEntry): string | undefined {
  const facts = entry.facts;
  if (!entry.row || entry.isFolder || !facts?.checksum || facts.etag !== entry.row.etag) return undefined;
  return `<checksum xmlns="${OC_NS}">${escapeXml(facts.checksum)}</checksum>`;
}

function propertyValue(entry: PropEntry, prop: PropName): string | undefined {
  if (prop.ns === DAV_NS && LIVE_NAMES.has(prop.name)) return liveValue(entry, prop.name);
  if (prop.ns === OC_NS && prop.name === "checksums") return checksumValue(entry);
  return entry.dead.find((d) => d.ns === prop.ns && d.name === prop.name)?.value;
}

/** A wanted property's element, spelled once per request rather than once per member. */
interface Spelled {
  prop: PropName;
  /** The start and end tags around a value, and the empty element. */
  open: string;
  close: string;
  empty: string;
}

const spellings = new WeakMap<PropfindRequest, Spelled[]>();

/** The elements of the properties a `prop` or `allprop` request lists every member with. */
function spelledFor(request: PropfindRequest & { kind: "prop" | "allprop" }): Spelled[] {
  let spelled = spellings.get(request);
  if (spelled === undefined) {
    const wanted = request.kind === "prop" ? request.props : ALLPROP_LIVE;
    const prefixes = request.kind === "prop" ? request.prefixes : undefined;
    spelled = wanted.map((prop) => {
      // Property names and namespaces never hold a NUL, so it marks where the value goes.
      const around = propertyTag(prop.ns, prop.name, "\u0000", prefixes);
      const at = around.indexOf("\u0000");
      const empty = propertyTag(prop.ns, prop.name, null, prefixes);
      return { prop, open: around.slice(0, at), close: around.slice(at + 1), empty };
    });
    spellings.set(request, spelled);
  }
  return spelled;
}

const OK = "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>";
const NOT_FOUND = "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>";
const ALLPROP_LIVE = LIVE.map((name) => ({ ns: DAV_NS, name }));

/**
 * One PROPFIND `<D:response>`: found properties under 200, unknown ones under 404.
 * Built as one string per member with no intermediate collections: a Depth 1 listing of
 * a 10,000-entry folder renders 10,000 of these (bench/dav.ts).
 */
export function propfindResponse(entry: PropEntry, request: PropfindRequest): string {
  let found = "";
  let missing = "";
  if (request.kind === "propname") {
    for (const name of LIVE) if (liveValue(entry, name) !== undefined) found += `<D:${name}/>`;
    for (const d of entry.dead) found += propertyTag(d.ns, d.name, null);
  } else {
    for (const { prop, open, close, empty } of spelledFor(request)) {
      const value = propertyValue(entry, prop);
      if (value !== undefined) found += value === "" ? empty : `${open}${value}${close}`;
      else if (request.kind === "prop") missing += empty;
    }
    if (request.kind === "allprop") {
      for (const d of entry.dead) found += propertyTag(d.ns, d.name, d.value);
      for (const prop of request.include) {
        if (prop.ns === DAV_NS && LIVE_NAMES.has(prop.name)) continue;
        if (entry.dead.some((d) => d.ns === prop.ns && d.name === prop.name)) continue;
        const value = propertyValue(entry, prop);
        if (value !== undefined) found += propertyTag(prop.ns, prop.name, value);
      }
    }
  }
  let out = `<D:response><D:href>${escapeXml(entry.href)}</D:href>`;
  if (found !== "") out += `<D:propstat><D:prop>${found}</D:prop>${OK}`;
  if (missing !== "") out += `<D:propstat><D:prop>${missing}</D:prop>${NOT_FOUND}`;
  return `${out}</D:response>`;
}

/** A property element's value as stored: its content, written so that it keeps its namespaces. */
export function storedValue(element: XmlElement): string {
  return serializeNodes(element.children);
}
