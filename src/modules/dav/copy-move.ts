import { requireAccess } from "../../domain/access";
import { badRequest, changed, forbidden, notFound } from "../../domain/errors";
import type { WriteConditions } from "../../lib/conditions";
import { checkPreconditions, depthOf, requireSourceMatch, writeConditions } from "./conditions";
import { type DavCall, destinationOf } from "./resource";
import { assertParentExists } from "./write";

function overwriteOf(request: Request): boolean {
  const value = request.headers.get("overwrite")?.trim().toUpperCase() ?? "T";
  if (value !== "T" && value !== "F") throw badRequest("Overwrite must be T or F");
  return value === "T";
}

/**
 * COPY and MOVE (RFC 4918 §9.8–9.9) through the file service's copy and move, so each is
 * one tx with one `copy` or `move` event. An existing destination is replaced only with
 * `Overwrite: T` (the default) and the `files:delete` scope, by the file service in the same
 * tx as the copy or move (RFC 4918 §9.8.4, §9.9.3): all of it happens or none of it.
 * Answers 201 when the destination is new, 204 when it was replaced.
 * If-Match names the source and If-None-Match the destination, as on REST (412 when one
 * does not hold, and nothing changes).
 */
export async function copyOrMove(call: DavCall, kind: "copy" | "move"): Promise<Response> {
  const { dav, principal, request, resource: source } = call;
  if (!source.exists) throw notFound();
  if (source.isRoot) throw forbidden(`The mount root cannot be ${kind === "copy" ? "copied" : "moved"}`);
  const depth = depthOf(request);
  if (depth === "1" || (kind === "move" && depth !== "infinity")) {
    throw badRequest(`${kind.toUpperCase()} takes Depth: ${kind === "move" ? "infinity" : "0 or infinity"}`);
  }
  const overwrite = overwriteOf(request);
  const target = await destinationOf(dav.files, principal, request);
  if (target.isRoot) throw forbidden("The destination cannot be the mount root");
  // The destination takes the source's kind: a folder path ends with "/", a file path does not.
  const bare = target.path.endsWith("/") ? target.path.slice(0, -1) : target.path;
  const to = source.isFolder ? `${bare}/` : bare;
  const replacing = target.exists ? target.path : null;
  if (to === source.path || replacing === source.path) {
    throw forbidden("Source and destination are the same");
  }
  if (source.isFolder && to.startsWith(source.path)) {
    throw forbidden("A folder cannot be copied or moved into itself");
  }
  await assertParentExists(dav, principal, to);
  if (replacing !== null && !overwrite) {
    throw changed("The destination exists and Overwrite is F");
  }
  const conditions = writeConditions(request, source, target);
  const touched = [{ path: replacing ?? to, withMembers: true, membership: true }];
  if (kind === "move") touched.push({ path: source.path, withMembers: true, membership: true });
  await checkPreconditions(dav, principal, request, source, touched);

  const replace = { replace: true };
  let tx: number;
  if (kind === "move") {
    tx = (await dav.files.move(principal, source.path, to, undefined, conditions, replace)).tx;
  } else if (source.isFolder && depth === "0") {
    tx = await copyFolderAlone(call, source.path, to, replacing, conditions);
  } else {
    tx = (await dav.files.copy(principal, source.path, to, undefined, conditions, replace)).tx;
    await dav.copyProperties(principal, source.path, to, true);
  }
  return new Response(null, { status: replacing === null ? 201 : 204, headers: { "x-lightd-tx": String(tx) } });
}

/**
 * COPY of a folder with Depth 0: an empty folder at `to`. The file service has no such copy,
 * so it is a mkdir, and a destination it replaces is deleted first as a change of its own;
 * the source's If-Match is looked at before, so a refused request changes nothing.
 */
async function copyFolderAlone(
  { dav, principal, resource: source }: DavCall,
  from: string,
  to: string,
  replacing: string | null,
  conditions: WriteConditions,
): Promise<number> {
  requireSourceMatch(conditions, source);
  if (replacing !== null) {
    requireAccess(principal, "files:delete");
    await dav.files.remove(principal, replacing, {
      ifNoneMatch: conditions.ifNoneMatch,
      lockTokens: conditions.lockTokens,
    });
  }
  const tx = (await dav.files.mkdir(principal, to, conditions.lockTokens)).tx ?? 0;
  await dav.copyProperties(principal, from, to, false);
  return tx;
}
