import { badRequest, notFound } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import { elementsOf, isElement, serializeNodes } from "../../lib/xml";
import type { LockRow } from "../../storage/db/dav-locks";
import { checkPreconditions, depthOf, readSmallBody } from "./conditions";
import { parseIfHeader, submittedTokens } from "./if-header";
import { parseTimeout } from "./locks";
import { DAV_NS, xmlResponse } from "./multistatus";
import { lockDiscoveryXml, parseXmlBody } from "./properties";
import { type DavCall, hrefOf } from "./resource";
import type { DavService } from "./service";
import { assertParentExists } from "./write";

/** The LOCK answer: the lock's lockdiscovery, and for a new lock its token in `Lock-Token`. */
function lockResponse(dav: DavService, principal: Principal, lock: LockRow, status: number, created: boolean) {
  const discovery = lockDiscoveryXml([lock], { hrefOf: (path) => hrefOf(principal, path), now: dav.now() });
  return xmlResponse(
    status,
    `<D:prop xmlns:D="DAV:"><D:lockdiscovery>${discovery}</D:lockdiscovery></D:prop>`,
    created ? { "lock-token": `<${lock.token}>` } : {},
  );
}

/**
 * LOCK (RFC 4918 §9.10): a new exclusive or shared write lock (201 when it creates an
 * empty file at an unmapped URL, as RFC 4918 replaced lock-null resources), or, with no
 * body, a refresh of the lock whose token is in the If header.
 */
export async function lock({ dav, principal, request, resource, config }: DavCall): Promise<Response> {
  const body = await readSmallBody(request, config.server.max_body_bytes);
  const timeout = parseTimeout(request.headers.get("timeout"));
  if (body.trim() === "") {
    const header = request.headers.get("if");
    if (!header) throw badRequest("A LOCK without a body refreshes a lock: send its token in If");
    if (!resource.exists) throw notFound();
    const refreshed = await dav.locks.refresh(
      principal,
      resource.path,
      submittedTokens(parseIfHeader(header)),
      timeout,
    );
    return lockResponse(dav, principal, refreshed, 200, false);
  }
  const root = parseXmlBody(body);
  if (!isElement(root, DAV_NS, "lockinfo")) throw badRequest("Expected a DAV:lockinfo body");
  const parts = elementsOf(root);
  const scope = parts.find((e) => isElement(e, DAV_NS, "lockscope"));
  const type = parts.find((e) => isElement(e, DAV_NS, "locktype"));
  const owner = parts.find((e) => isElement(e, DAV_NS, "owner"));
  const exclusive = scope ? elementsOf(scope).some((e) => isElement(e, DAV_NS, "exclusive")) : false;
  const shared = scope ? elementsOf(scope).some((e) => isElement(e, DAV_NS, "shared")) : false;
  if (exclusive === shared) throw badRequest("lockscope must be exclusive or shared");
  if (!type || !elementsOf(type).some((e) => isElement(e, DAV_NS, "write"))) {
    throw badRequest("Only write locks are supported");
  }
  const depth = depthOf(request);
  if (depth === "1") throw badRequest("LOCK takes Depth: 0 or infinity");
  const ownerXml = owner ? serializeNodes(owner.children) : "";
  if (ownerXml.length > 4096) throw badRequest("The lock owner is longer than 4096 bytes");

  let path = resource.path;
  let status = 200;
  if (!resource.exists) {
    await assertParentExists(dav, principal, path);
    const lockTokens = await checkPreconditions(dav, principal, request, resource, [{ path, membership: true }]);
    path = (await dav.files.putStream(principal, path, new Blob([]).stream(), { conditions: { lockTokens } })).path;
    status = 201;
  } else {
    await checkPreconditions(dav, principal, request, resource, []);
  }
  const taken = await dav.locks.lock(principal, path, {
    exclusive,
    deep: depth === "infinity" && resource.isFolder,
    owner: ownerXml,
    timeoutSeconds: timeout,
  });
  return lockResponse(dav, principal, taken, status, true);
}

/** UNLOCK: removes the lock named by `Lock-Token` (204); 400 without the header, 409 when it is not on this resource. */
export async function unlock({ dav, principal, resource, request }: DavCall): Promise<Response> {
  const header = request.headers.get("lock-token")?.trim();
  const token = header?.replace(/^<(.*)>$/, "$1");
  if (!token) throw badRequest("Lock-Token header is required");
  if (!resource.exists) throw notFound();
  await dav.locks.unlock(principal, resource.path, token);
  return new Response(null, { status: 204 });
}
