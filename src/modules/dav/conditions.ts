import { badRequest, changed } from "../../domain/errors";
import { covers } from "../../domain/locks";
import type { Principal } from "../../domain/principal";
import { guardedBody } from "../../http/body-stream";
import { writeConditionsOf } from "../../http/conditions";
import { ifMatchHolds, type TagCondition, type WriteConditions } from "../../lib/conditions";
import { unquoteEtag } from "../../lib/etag";
import { type IfList, parseIfHeader, submittedTokens } from "./if-header";
import type { LockedTarget } from "./locks";
import { davEtag } from "./properties";
import { type DavResource, resolveResource, storagePathOf } from "./resource";
import type { DavService } from "./service";

const sameTag = (header: string, etag: string) => unquoteEtag(header.trim()) === davEtag(etag);

/** RFC 4918 §10.4: one list holds when all its conditions hold; the header holds when any list does. */
async function ifHolds(
  dav: DavService,
  principal: Principal,
  request: Request,
  target: DavResource,
  lists: IfList[],
): Promise<boolean> {
  const locks = await dav.locks.active(principal);
  const resourceOf = async (tag: string | null): Promise<DavResource | null> => {
    if (tag === null) return target;
    let path: string | null;
    try {
      path = storagePathOf(principal, new URL(tag, request.url).pathname);
    } catch {
      return null;
    }
    return path === null ? null : resolveResource(dav.files, principal, path);
  };
  for (const list of lists) {
    const resource = await resourceOf(list.resource);
    if (!resource) continue;
    const holds = list.conditions.every((condition) => {
      const holds =
        condition.kind === "token"
          ? locks.some((lock) => lock.token === condition.value && covers(lock, resource.path))
          : resource.row?.etag != null && !resource.isFolder && sameTag(condition.value, resource.row.etag);
      return holds !== condition.not;
    });
    if (holds) return true;
  }
  return false;
}

/**
 * The preconditions of a change: the `If` header must hold (else 412), and every lock on
 * what the change touches must be matched by a submitted token (else 423). Returns the
 * submitted tokens (LOCK refreshes with them).
 */
export async function checkPreconditions(
  dav: DavService,
  principal: Principal,
  request: Request,
  target: DavResource,
  touched: LockedTarget[],
): Promise<Set<string>> {
  const header = request.headers.get("if");
  const lists = header ? parseIfHeader(header) : [];
  if (lists.length > 0 && !(await ifHolds(dav, principal, request, target, lists))) {
    throw changed("The If header does not hold");
  }
  const tokens = submittedTokens(lists);
  await dav.locks.assertUnlocked(principal, touched, tokens);
  return tokens;
}

/**
 * `If-Match` / `If-None-Match` and the submitted lock tokens for the file service, which
 * decides them inside the transaction of the write. WebDAV hands out shortened ETags (see davEtag), so a tag
 * naming the current file is widened back to the stored one first. On COPY and MOVE,
 * as on REST's copy and move, If-Match names the source and If-None-Match the destination.
 */
export function writeConditions(
  request: Request,
  resource: DavResource,
  destination: DavResource = resource,
): WriteConditions {
  const conditions = writeConditionsOf(request);
  const header = request.headers.get("if");
  const lockTokens = submittedTokens(header ? parseIfHeader(header) : []);
  const widen = (condition: TagCondition | undefined, named: DavResource): TagCondition | undefined => {
    const stored = named.isFolder ? null : (named.row?.etag ?? null);
    if (condition === undefined || condition === "*" || stored === null) return condition;
    return condition.map((t) => (t.tag === davEtag(stored) ? { ...t, tag: stored } : t));
  };
  return {
    ifMatch: widen(conditions.ifMatch, resource),
    ifNoneMatch: widen(conditions.ifNoneMatch, destination),
    lockTokens,
  };
}

/**
 * A first look at a COPY's If-Match (412 when it does not hold) where the file service's copy
 * cannot decide it: copying a folder without its members is a mkdir, which may first delete
 * the destination, and a refused request must change nothing.
 */
export function requireSourceMatch(conditions: WriteConditions, source: DavResource): void {
  if (!ifMatchHolds(conditions.ifMatch, source.row)) throw changed("The source changed (If-Match)");
}

/** The `Depth` header: "0", "1" or "infinity" (the default when it is absent); 400 otherwise. */
export function depthOf(request: Request): "0" | "1" | "infinity" {
  const value = request.headers.get("depth")?.trim().toLowerCase() ?? "infinity";
  if (value === "0" || value === "1" || value === "infinity") return value;
  throw badRequest("Depth must be 0, 1 or infinity");
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A small XML request body, read whole up to `maxBytes` (PROPFIND, PROPPATCH, LOCK
 * bodies are a few hundred bytes; anything larger is refused with 413, never buffered).
 */
export async function readSmallBody(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const bytes = await new Response(guardedBody(request.body, maxBytes)).bytes();
  try {
    return decoder.decode(bytes);
  } catch {
    throw badRequest("Request body is not valid UTF-8");
  }
}

/** True when the request carries a body (MKCOL refuses one with 415). */
export function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.headers.has("transfer-encoding") || request.body !== null;
}
