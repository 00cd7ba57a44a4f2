import { shareClientAddress } from "./client-ip";

type Handler = (request: Request) => Response | Promise<Response>;

const headRequests = new WeakSet<Request>();

/** True when this GET is serving a HEAD: handlers answer with headers only and skip work on the body. */
export function isHeadRequest(request: Request): boolean {
  return headRequests.has(request);
}

/**
 * Answers HEAD by running the GET route and sending its status and headers with no body.
 * Elysia's own HEAD fallback reads the whole GET body to count its length (a full file
 * read for a download); here the body is cancelled unread and the handler's own
 * Content-Length stands.
 */
export function withHeadSupport(handler: Handler): Handler {
  const head = async (request: Request): Promise<Response> => {
    const get = new Request(request.url, { method: "GET", headers: request.headers, signal: request.signal });
    headRequests.add(get);
    // Per-IP limits (the bad-token throttle among them) must see the client behind a HEAD too.
    shareClientAddress(request, get);
    const response = await handler(get);
    await response.body?.cancel().catch(() => {});
    return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  // Not async itself: other methods go straight through, without a promise of their own.
  return (request) => (request.method === "HEAD" ? head(request) : handler(request));
}
