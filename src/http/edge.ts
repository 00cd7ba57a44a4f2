import type { Principal } from "../domain/principal";
import type { Awaitable } from "../lib/awaitable";
import { randomBase62 } from "../lib/ids";

/**
 * What only the Bun server that received a request can do for it: tell its peer address,
 * upgrade it to a WebSocket, lift the idle timeout. Requests made in-process with
 * `app.handle` have no server (no address; an upgrade then answers 426).
 */
export interface EdgeServer {
  requestIP(request: Request): { address: string } | null;
  upgrade(request: Request, options: { data: unknown }): boolean;
  timeout(request: Request, seconds: number): void;
}

/**
 * Everything lightd keeps about one request besides the Request itself: set once at the
 * edge, where the server hands the request over, and shared by every Request object made
 * from it (a HEAD run as a GET, a body wrapped for the size cap, a URL rebuilt for a bad
 * Host), so the id, the client and the one authentication follow the request through.
 */
export interface RequestMeta {
  /** A sane `X-Request-Id` from the client, or a fresh id; echoed and logged. */
  readonly id: string;
  /** `performance.now()` when the request arrived, for the log's duration. */
  readonly start: number;
  /** This GET answers a HEAD: handlers send headers only and skip work on the body. */
  head: boolean;
  /** The server that received the request, and the Request it received. */
  server: EdgeServer | undefined;
  received: Request | undefined;
  /** The peer address once looked up (a syscall a warm authenticated request never needs); undefined until then. */
  address: string | null | undefined;
  /** The request's one authentication, shared by the guard's parse, transform and resolve hooks. */
  auth: Awaitable<Principal> | undefined;
  /** The per-IP rate limit of the route has been charged. */
  ipCharged: boolean;
}

/**
 * The meta rides on the Request itself, under a symbol no one else holds: a WeakMap entry
 * per request cost a hash insert on the hot path and ephemeron work in every collection.
 */
const META = Symbol("lightd.request-meta");
type Carrier = Request & { [META]?: RequestMeta };

// Request ids must be unique, not secret: a random prefix per process and a counter cost
// nothing per request (random bytes for each one were ~1 µs of the hot path).
const PROCESS_PREFIX = randomBase62(8);
let counter = 0;
const SANE_ID = /^[\w.:-]{1,64}$/;

/** Starts a request's life at the edge: its id, its arrival time, the server that received it. */
export function enterEdge(request: Request, server?: EdgeServer, received: Request = request): RequestMeta {
  const given = request.headers.get("x-request-id");
  const meta: RequestMeta = {
    id: given !== null && SANE_ID.test(given) ? given : `${PROCESS_PREFIX}-${(counter++).toString(36)}`,
    start: performance.now(),
    head: false,
    server,
    received: server ? received : undefined,
    address: undefined,
    auth: undefined,
    ipCharged: false,
  };
  (request as Carrier)[META] = meta;
  return meta;
}

/** The request's meta; a request that did not come through the edge (a bare `app.handle`) gets its own. */
export function metaOf(request: Request): RequestMeta {
  return (request as Carrier)[META] ?? enterEdge(request);
}

/** A Request made from another one (HEAD as GET, a wrapped body, a rebuilt URL) is the same request. */
export function carryMeta(from: Request, to: Request): void {
  const meta = (from as Carrier)[META];
  if (meta) (to as Carrier)[META] = meta;
}

export function requestIdOf(request: Request): string {
  return metaOf(request).id;
}

/** True when this GET is serving a HEAD: handlers answer with headers only and skip work on the body. */
export function isHeadRequest(request: Request): boolean {
  return (request as Carrier)[META]?.head === true;
}

/**
 * The address rate limits key on. Behind a proxy (`server.trust_proxy: true`) it is the
 * right-most `X-Forwarded-For` entry — the one the trusted proxy appended, which a
 * client cannot forge. Null when nothing is known (in-process requests).
 */
export function clientIpOf(request: Request, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for");
    if (forwarded) {
      const last = forwarded.split(",").pop()?.trim();
      if (last) return last;
    }
  }
  const meta = metaOf(request);
  if (meta.address === undefined) {
    meta.address = (meta.received && meta.server?.requestIP(meta.received)?.address) || null;
  }
  return meta.address;
}

/** Upgrades the request to a WebSocket carrying `data`; false when that is impossible. */
export function upgradeToWebSocket(request: Request, data: unknown): boolean {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return false;
  const { server, received } = metaOf(request);
  return (received && server?.upgrade(received, { data })) ?? false;
}

/** Lifts the server's idle timeout for a long-lived response (an event stream). */
export function keepOpen(request: Request): void {
  const { server, received } = metaOf(request);
  if (server && received) server.timeout(received, 0);
}
