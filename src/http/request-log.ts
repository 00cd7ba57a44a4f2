import type { Logger } from "../lib/logger";
import { assignRequestId } from "./request-id";

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * Wraps the app's fetch handler at the server boundary: assigns the request id,
 * echoes it as `X-Request-Id`, and writes one structured line per request with
 * method, path (never the query, which may carry `?token=`), status and ms.
 */
export function withRequestLog(handler: Handler, logger: Logger, enabled: () => boolean): Handler {
  return async (request) => {
    const start = performance.now();
    const id = assignRequestId(request);
    let response: Response;
    try {
      response = await handler(request);
    } catch (error) {
      logger.error("request failed outside the app", {
        request_id: id,
        error: String(error),
      });
      response = new Response('{"error":"internal","message":"Internal server error"}', {
        status: 500,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    try {
      response.headers.set("x-request-id", id);
    } catch {
      // Immutable headers (a proxied upstream response): the id is still in the log line.
    }
    if (enabled()) {
      const url = request.url;
      const pathStart = url.indexOf("/", url.indexOf("//") + 2);
      const queryStart = url.indexOf("?", pathStart);
      logger.info("request", {
        request_id: id,
        method: request.method,
        path: queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart),
        status: response.status,
        ms: Math.round((performance.now() - start) * 100) / 100,
      });
    }
    return response;
  };
}
