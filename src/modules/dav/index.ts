import { Elysia } from "elysia";
import type { Config } from "../../config";
import type { Authorizer, AuthRequirement } from "../../http/auth";
import { davPrincipal } from "./auth";
import { copyOrMove } from "./copy-move";
import { lock, unlock } from "./lock";
import { proppatch } from "./proppatch";
import { get, options, propfind } from "./read";
import { requestResource } from "./resource";
import type { DavService } from "./service";
import { mkcol, put, remove } from "./write";

/** The scope each method needs, exactly as the REST routes ask for the same change. */
const REQUIREMENT: Record<string, AuthRequirement> = {
  OPTIONS: true,
  GET: "files:read",
  PROPFIND: "files:read",
  PUT: "files:write",
  MKCOL: "files:write",
  PROPPATCH: "files:write",
  COPY: "files:write",
  MOVE: "files:write",
  LOCK: "files:write",
  UNLOCK: "files:write",
  DELETE: "files:delete",
};

/**
 * The WebDAV server at /dav/ (RFC 4918 class 1 and 2): one more front door over the
 * same file service, credentials, scopes and prefixes as the REST routes. Bodies are
 * never parsed by Elysia: PUT streams to storage and XML bodies are read with a cap.
 */
export function davModule(authorize: Authorizer, dav: DavService, config: () => Config) {
  const handle = async ({ request }: { request: Request }): Promise<Response> => {
    const method = request.method.toUpperCase();
    const requirement = REQUIREMENT[method];
    if (requirement === undefined) {
      return new Response(JSON.stringify({ error: "method_not_allowed", message: `${method} is not supported` }), {
        status: 405,
        headers: { allow: Object.keys(REQUIREMENT).join(", "), "content-type": "application/json; charset=utf-8" },
      });
    }
    const current = config();
    const principal = await davPrincipal(authorize, request, requirement, current);
    if (method === "OPTIONS") return options();
    const resource = await requestResource(dav.files, principal, request);
    const maxBody = current.server.max_body_bytes;
    switch (method) {
      case "GET":
        return get(dav, principal, request, resource);
      case "PROPFIND":
        return propfind(dav, principal, request, resource, maxBody);
      case "PROPPATCH":
        return proppatch(dav, principal, request, resource, maxBody);
      case "PUT":
        return put(dav, principal, request, resource, current);
      case "MKCOL":
        return mkcol(dav, principal, request, resource);
      case "DELETE":
        return remove(dav, principal, request, resource);
      case "COPY":
        return copyOrMove(dav, principal, request, resource, "copy");
      case "MOVE":
        return copyOrMove(dav, principal, request, resource, "move");
      case "LOCK":
        return lock(dav, principal, request, resource, maxBody);
      default:
        return unlock(dav, principal, request, resource);
    }
  };
  const hook = { parse: "none" as const, detail: { hide: true } };
  return new Elysia({ name: "dav" }).all("/dav", handle, hook).all("/dav/*", handle, hook);
}
