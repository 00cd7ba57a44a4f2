import { AppError, badRequest, conflict, forbidden, notFound } from "../../domain/errors";
import { nameOf, parentOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import { uploadBodyOf } from "../../http/upload-body";
import { quoteEtag } from "../../lib/etag";
import { checkPreconditions, depthOf, hasBody, writeConditions } from "./conditions";
import { davEtag } from "./properties";
import type { DavCall } from "./resource";
import type { DavService } from "./service";
import { verifyChecksum } from "./upload-checks";

/** 409 unless the folder a new resource goes into exists (WebDAV never creates missing parents). */
export async function assertParentExists(dav: DavService, principal: Principal, path: string): Promise<void> {
  const parent = parentOf(path);
  if (parent === principal.prefix) return;
  if (!parent.startsWith(principal.prefix) || !(await dav.files.find(principal, parent))) {
    throw conflict("The parent folder does not exist");
  }
}

/** Finder's `.DS_Store` and `._*` AppleDouble files (refused when `webdav.refuse_mac_metadata` is set). */
export function isMacMetadata(path: string): boolean {
  const name = nameOf(path);
  return name === ".DS_Store" || name.startsWith("._");
}

/** `X-OC-Mtime` (seconds since the epoch, as rclone and ownCloud clients send it) → ms, or null. */
function clientMtime(request: Request): number | null {
  const header = request.headers.get("x-oc-mtime");
  if (header === null) return null;
  const seconds = Number(header.trim());
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 253_402_300_799) {
    throw badRequest("X-OC-Mtime must be seconds since 1970");
  }
  return Math.round(seconds * 1000);
}

/** PUT: streamed through the REST one-step upload path (same durability, one tx, one `upload` event). */
export async function put({ dav, principal, request, resource, config }: DavCall): Promise<Response> {
  if (resource.isFolder) throw new AppError("method_not_allowed", "Cannot PUT to a collection");
  if (config.webdav.refuse_mac_metadata && isMacMetadata(resource.path)) {
    throw forbidden("macOS metadata files are not stored on this server");
  }
  await assertParentExists(dav, principal, resource.path);
  const conditions = writeConditions(request, resource);
  await checkPreconditions(dav, principal, request, resource, [{ path: resource.path, membership: !resource.exists }]);
  const mtime = clientMtime(request);
  const upload = uploadBodyOf(request, config.server.max_upload_bytes);
  const checked = verifyChecksum(upload.body, request.headers.get("oc-checksum"));
  const result = await dav.files.putStream(principal, resource.path, checked.body, {
    contentType: request.headers.get("content-type"),
    maxBytes: upload.maxBytes,
    declaredBytes: upload.declaredBytes,
    conditions,
  });
  const row = await dav.files.find(principal, result.path);
  if (row) await dav.recordFacts(row, { mtime, checksum: checked.checksum() });
  const headers: Record<string, string> = { "x-lightd-tx": String(result.tx) };
  if (row?.etag) {
    headers.etag = quoteEtag(davEtag(row.etag));
    headers["oc-etag"] = headers.etag;
  }
  if (mtime !== null) headers["x-oc-mtime"] = "accepted";
  return new Response(null, { status: resource.exists ? 204 : 201, headers });
}

/** MKCOL: 201, 405 when something exists there, 409 without a parent, 415 with a body. */
export async function mkcol({ dav, principal, request, resource }: DavCall): Promise<Response> {
  if (hasBody(request)) throw new AppError("unsupported_media_type", "MKCOL with a body is not supported");
  if (resource.exists) throw new AppError("method_not_allowed", "Something already exists at this URL");
  const folder = resource.path.endsWith("/") ? resource.path : `${resource.path}/`;
  await assertParentExists(dav, principal, folder);
  const tokens = await checkPreconditions(dav, principal, request, resource, [{ path: folder, membership: true }]);
  const result = await dav.files.mkdir(principal, folder, tokens);
  return new Response(null, { status: 201, headers: result.tx ? { "x-lightd-tx": String(result.tx) } : {} });
}

/** DELETE: a file, or a folder with everything in it (one tx, one `delete` event); If-Match / If-None-Match as on REST. */
export async function remove({ dav, principal, request, resource }: DavCall): Promise<Response> {
  if (resource.isRoot) throw forbidden("The mount root cannot be deleted");
  if (!resource.exists) throw notFound();
  if (resource.isFolder && depthOf(request) !== "infinity") {
    throw badRequest("DELETE of a collection needs Depth: infinity");
  }
  const conditions = writeConditions(request, resource);
  await checkPreconditions(dav, principal, request, resource, [
    { path: resource.path, withMembers: true, membership: true },
  ]);
  // The file service drops the locks on what it deleted.
  const result = await dav.files.remove(principal, resource.path, conditions);
  return new Response(null, { status: 204, headers: { "x-lightd-tx": String(result.tx) } });
}
