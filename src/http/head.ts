import { carryMeta as carry, metaOf } from "./edge";

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * Answers HEAD by running the GET route and sending its status and headers with no body.
 * Elysia's own HEAD fallback reads the whole GET body to count its length (a full file
 * read for a download); here the body is cancelled unread and the handler's own
 * Content-Length stands. The GET is the same request (one RequestMeta), marked as a HEAD.
 */
export function withHeadSupport(handler: Handler): Handler {
  const head = async (request: Request): Promise<Response> => {
    const get = new Request(request.url, { method: "GET", headers: request.headers, signal: request.signal });
    const meta = metaOf(request);
    meta.head = true;
    // Per-IP limits (the bad-token throttle among them) see the client behind a HEAD too.
    carry(request, get);
    const response = await handler(get);
    await response.body?.cancel().catch(() => {});
    return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  // Not async itself: other methods go straight through, without a promise of their own.
  return (request) => (request.method === "HEAD" ? head(request) : handler(request));
}
