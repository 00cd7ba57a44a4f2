import type { Logger } from "../lib/logger";
import { withBodyLimit } from "./body-limit";
import { withCors } from "./cors";
import { type EdgeServer, enterEdge, type RequestMeta } from "./edge";
import { renderErrorFor } from "./errors";
import type { FastPath } from "./fast-path";
import { withHeadSupport } from "./head";
import { logRequest } from "./request-log";

type Handler = (request: Request) => Response | Promise<Response>;

/** The request edge as the server calls it: the request, and the server and Request it received. */
export type EdgeHandler = (request: Request, server?: EdgeServer, received?: Request) => Response | Promise<Response>;

export interface EdgeOptions {
  maxBodyBytes: () => number;
  corsOrigins?: () => readonly string[];
  logger: Logger;
  /** `log.requests`: one line per request. */
  logRequests?: () => boolean;
  /** Resolves once every metadata commit made so far survives a power loss (group commit). */
  durable?: () => Promise<void>;
}

const NO_ORIGINS: readonly string[] = [];
/** Methods that never change anything: their answers need not wait for the disk. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const NEVER = () => false;

/**
 * The request edge the server runs (and the tests call): the request's meta (id, client,
 * HEAD) set once, the cross-cutting rules that must see the raw request first — CORS
 * (preflights never reach the app), HEAD without reading bodies, the in-memory body cap —
 * then the app; whatever escapes is rendered by the one renderer, the id is echoed as
 * `X-Request-Id` and the request is logged.
 *
 * The durability rule lives here too: an answer to a request that may have changed something
 * (any method but GET, HEAD, OPTIONS) goes out only once every metadata commit made so far
 * survives a power loss. Commits do not wait for the disk themselves; concurrent requests
 * share one log fsync (group commit, storage/db/sqlite/wal-sync.ts). Reads pay nothing, and
 * a read the app answered at once goes back to the server without a promise.
 */
export function createHandler(app: { handle: Handler; fastPath?: FastPath }, options: EdgeOptions): EdgeHandler {
  const handle: Handler = (request) => app.handle(request);
  const fast = app.fastPath;
  const dispatch: Handler = fast ? (request) => fast(request, handle) : handle;
  const inner = withCors(
    withHeadSupport(withBodyLimit(dispatch, options.maxBodyBytes, options.logger)),
    options.corsOrigins ?? (() => NO_ORIGINS),
  );
  const logging = options.logRequests ?? NEVER;
  const rendered = (request: Request, meta: RequestMeta, error: unknown) =>
    renderErrorFor(request, error, undefined, meta.id, options.logger);
  const finish = (request: Request, meta: RequestMeta, response: Response): Response => {
    try {
      response.headers.set("x-request-id", meta.id);
    } catch {
      // Immutable headers (a proxied upstream response): the id is still in the log line.
    }
    if (logging()) logRequest(options.logger, request, meta, response.status);
    return response;
  };
  const settle = async (request: Request, meta: RequestMeta, pending: Promise<Response>): Promise<Response> => {
    let response: Response;
    try {
      response = await pending;
      if (options.durable && !READS.has(request.method)) await options.durable();
    } catch (error) {
      response = rendered(request, meta, error);
    }
    return finish(request, meta, response);
  };
  return (request, server, received) => {
    const meta = enterEdge(request, server, received);
    let response: Response | Promise<Response>;
    try {
      response = inner(request);
    } catch (error) {
      return finish(request, meta, rendered(request, meta, error));
    }
    if (response instanceof Promise || (options.durable && !READS.has(request.method))) {
      return settle(request, meta, Promise.resolve(response));
    }
    return finish(request, meta, response);
  };
}
