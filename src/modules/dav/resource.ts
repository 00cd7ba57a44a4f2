import type { Config } from "../../config";
import { AppError, badRequest, forbidden, notFound } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import { decodeUrlPart, isFolderPath, parsePath } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { FileService } from "../files/service";
import type { DavService } from "./service";

export const DAV_ROOT = "/dav/";

/**
 * A request URL mapped onto the file tree. The mount root is the credential's path
 * prefix: a key limited to `docs/` sees the contents of `docs/` at `/dav/`, so nothing
 * outside its prefix can even be named. `path` is the storage path (a folder ends with
 * '/'; "" is the account's root); `row` is null for the mount root and for unmapped URLs.
 */
export interface DavResource {
  path: string;
  row: StoredEntry | null;
  isRoot: boolean;
  exists: boolean;
  isFolder: boolean;
}

/** One WebDAV request, resolved: the service, who asks, what the URL names, and the settings it runs under. */
export interface DavCall {
  dav: DavService;
  principal: Principal;
  request: Request;
  resource: DavResource;
  config: Config;
}

/** The part of a URL path after `/dav/`, still percent-encoded; null when the URL is not under /dav. */
function davPart(pathname: string): string | null {
  if (pathname === "/dav" || pathname === DAV_ROOT) return "";
  return pathname.startsWith(DAV_ROOT) ? pathname.slice(DAV_ROOT.length) : null;
}

function rawPathname(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

/** The storage path a `/dav/...` URL path names, relative to the mount root; 400 for bad paths. */
export function storagePathOf(principal: Principal, encodedPathname: string): string | null {
  const part = davPart(encodedPathname);
  if (part === null) return null;
  const relative = decodeUrlPart(part);
  if (relative === "") return principal.prefix;
  return parsePath(principal.prefix + relative);
}

/** Finds what a storage path names: a file, a folder (with or without the trailing slash), or nothing. */
export async function resolveResource(files: FileService, principal: Principal, path: string): Promise<DavResource> {
  if (path === principal.prefix) return { path, row: null, isRoot: true, exists: true, isFolder: true };
  const find = (p: string) => files.find(principal, p);
  if (isFolderPath(path)) {
    const row = await find(path);
    return { path, row, isRoot: false, exists: row !== null, isFolder: true };
  }
  const file = await find(path);
  if (file) return { path, row: file, isRoot: false, exists: true, isFolder: false };
  const folder = await find(`${path}/`);
  if (folder) return { path: `${path}/`, row: folder, isRoot: false, exists: true, isFolder: true };
  return { path, row: null, isRoot: false, exists: false, isFolder: false };
}

export async function requestResource(
  files: FileService,
  principal: Principal,
  request: Request,
): Promise<DavResource> {
  // A fragment is never part of a Request-URI; one that arrives anyway must not widen a DELETE.
  if (request.url.includes("#")) throw badRequest("The request URL must not contain a fragment");
  const path = storagePathOf(principal, rawPathname(request.url));
  if (path === null) throw notFound("Route");
  return resolveResource(files, principal, path);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A header's value as the client's bytes spelled it: header bytes arrive as Latin-1, so a
 * raw UTF-8 URL (curl sends `résumé` unencoded) is decoded as UTF-8, as the request path
 * is; 400 when the bytes are not UTF-8.
 */
function utf8HeaderValue(name: string, value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, "latin1"));
  } catch {
    throw badRequest(`${name} is not valid UTF-8`);
  }
}

/**
 * The resource a `Destination` header names. Security rule: it must be a /dav/ URL on
 * this server, and it is mapped under the same credential's mount root, so a copy or
 * move can never leave the account, the space or the key's prefix.
 */
export async function destinationOf(files: FileService, principal: Principal, request: Request): Promise<DavResource> {
  const header = request.headers.get("destination");
  if (!header) throw badRequest("Destination header is required");
  const url = URL.parse(utf8HeaderValue("Destination", header), request.url);
  if (!url) throw badRequest("Destination is not a valid URL");
  if (url.host !== new URL(request.url).host && url.host !== request.headers.get("host")) {
    throw new AppError("bad_gateway", "Destination is on another server");
  }
  const path = storagePathOf(principal, url.pathname);
  if (path === null) throw forbidden("Destination must be under /dav/");
  return resolveResource(files, principal, path);
}

/** The URL path a client uses for a storage path (relative to the mount root); folders end with '/'. */
export function hrefOf(principal: Principal, path: string): string {
  return DAV_ROOT + path.slice(principal.prefix.length).split("/").map(encodeURIComponent).join("/");
}
