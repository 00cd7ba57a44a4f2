import { Elysia } from "elysia";
import type { Config } from "../../config";
import type { Authorizer, AuthRequirement } from "../../http/auth";
import { davPrincipal } from "./auth";
import { copyOrMove } from "./copy-move";
import { lock, unlock } from "./lock";
import { proppatch } from "./proppatch";
import { get, options, propfind } from "./read";
import { type DavCall, requestResource } from "./resource";
import type { DavService } from "./service";
import { mkcol, put, remove } from "./write";

type Method = { need: AuthRequirement; answer: (call: DavCall) => Response | Promise<Response> };

/** Each method's handler and the scope it needs, exactly as the REST routes ask for the same change. */
const METHODS: Record<string, Method> = {
  OPTIONS: { need: true, answer: options },
  GET: { need: "files:read", answer: get },
  PROPFIND: { need: "files:read", answer: propfind },
  PUT: { need: "files:write", answer: put },
  MKCOL: { need: "files:write", answer: mkcol },
  PROPPATCH: { need: "files:write", answer: proppatch },
  COPY: { need: "files:write", answer: (call) => copyOrMove(call, "copy") },
  MOVE: { need: "files:write", answer: (call) => copyOrMove(call, "move") },
  LOCK: { need: "files:write", answer: lock },
  UNLOCK: { need: "files:write", answer: unlock },
  DELETE: { need: "files:delete", answer: remove },
};

/**
 * The WebDAV server at /dav/ (RFC 4918 class 1 and 2): one more front door over the
 * same file service, credentials, scopes and prefixes as the REST routes. Bodies are
 * never parsed by Elysia: PUT streams to storage and XML bodies are read with a cap.
 */
export function davModule(authorize: Authorizer, dav: DavService, config: () => Config) {
  const handle = async ({ request }: { request: Request }): Promise<Response> => {
    const name = request.method.toUpperCase();
    const method = METHODS[name];
    if (method === undefined) {
      return new Response(JSON.stringify({ error: "method_not_allowed", message: `${name} is not supported` }), {
        status: 405,
        headers: { allow: Object.keys(METHODS).join(", "), "content-type": "application/json; charset=utf-8" },
      });
    }
    const current = config();
    const principal = await davPrincipal(authorize, request, method.need, current);
    // OPTIONS describes the server, not a resource: it is answered before the URL is resolved.
    if (name === "OPTIONS") return options();
    const resource = await requestResource(dav.files, principal, request);
    return method.answer({ dav, principal, request, resource, config: current });
  };
  const hook = { parse: "none" as const, detail: { hide: true } };
  return new Elysia({ name: "dav" }).all("/dav", handle, hook).all("/dav/*", handle, hook);
}
