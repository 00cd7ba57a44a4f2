import type { Logger } from "../lib/logger";
import type { RequestMeta } from "./edge";

/**
 * One structured line per request with method, path (never the query, which may carry
 * `?token=`), status and ms.
 */
export function logRequest(logger: Logger, request: Request, meta: RequestMeta, status: number): void {
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const queryStart = url.indexOf("?", pathStart);
  logger.info("request", {
    request_id: meta.id,
    method: request.method,
    path: queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart),
    status,
    ms: Math.round((performance.now() - meta.start) * 100) / 100,
  });
}
