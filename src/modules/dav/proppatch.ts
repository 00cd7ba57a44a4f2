import { badRequest, notFound } from "../../domain/errors";
import { elementsOf, isElement, textOf } from "../../lib/xml";
import { checkPreconditions, readSmallBody } from "./conditions";
import { DAV_NS, multistatus, propertyTag, responseXml } from "./multistatus";
import { LIVE_NAMES, parseXmlBody, storedValue } from "./properties";
import { type DavCall, hrefOf } from "./resource";
import { MAX_PROPERTY_BYTES, type PropertyChange } from "./service";

interface Outcome {
  change: PropertyChange | { mtime: number };
  status: number;
  tag: string;
}

/**
 * PROPPATCH (RFC 4918 §9.2): dead properties are stored; live properties are protected
 * (403), except `getlastmodified` on a file, which sets the modification time clients
 * see (rclone). All or nothing: when one change fails, the others answer 424 and
 * nothing is stored.
 */
export async function proppatch({ dav, principal, request, resource, config }: DavCall): Promise<Response> {
  const root = parseXmlBody(await readSmallBody(request, config.server.max_body_bytes));
  if (!isElement(root, DAV_NS, "propertyupdate")) throw badRequest("Expected a DAV:propertyupdate");
  if (!resource.exists) throw notFound();
  await checkPreconditions(dav, principal, request, resource, [{ path: resource.path }]);
  const row = resource.row;
  const outcomes: Outcome[] = [];
  for (const action of elementsOf(root)) {
    const set = isElement(action, DAV_NS, "set");
    if (!set && !isElement(action, DAV_NS, "remove")) continue;
    for (const prop of elementsOf(action).filter((e) => isElement(e, DAV_NS, "prop"))) {
      for (const element of elementsOf(prop)) {
        const tag = propertyTag(element.ns, element.name, null);
        const live = element.ns === DAV_NS && LIVE_NAMES.has(element.name);
        const named = { ns: element.ns, name: element.name };
        if (live && set && element.name === "getlastmodified" && row && !resource.isFolder) {
          const mtime = Date.parse(textOf(element).trim());
          outcomes.push({ change: { mtime }, status: Number.isNaN(mtime) ? 409 : 200, tag });
        } else if (live || !row) {
          outcomes.push({ change: { set: false, ...named }, status: 403, tag });
        } else if (set) {
          const value = storedValue(element);
          const status = Buffer.byteLength(value) > MAX_PROPERTY_BYTES ? 507 : 200;
          outcomes.push({ change: { set: true, property: { ...named, value } }, status, tag });
        } else {
          outcomes.push({ change: { set: false, ...named }, status: 200, tag });
        }
      }
    }
  }
  const failed = outcomes.some((o) => o.status !== 200);
  if (!failed && row) {
    const changes = outcomes.map((o) => o.change).filter((c): c is PropertyChange => "set" in c);
    await dav.patch(row, changes);
    for (const o of outcomes) if ("mtime" in o.change) await dav.setModifiedTime(row, o.change.mtime);
  }
  const byStatus = new Map<number, string[]>();
  for (const o of outcomes) {
    const status = failed && o.status === 200 ? 424 : o.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), o.tag]);
  }
  return multistatus(responseXml(hrefOf(principal, resource.path), byStatus));
}
