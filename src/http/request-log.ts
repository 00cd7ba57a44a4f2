import type { Logger } from "../lib/logger";
import type { RequestMeta } from "./edge";
import { pathOfUrl } from "./url-path";

/**
 * Paths whose next segment is a credential: a share link (`/s/{token}/…`) is its token. The
 * query, where `?token=`, magic-link tokens and signed URLs' signatures go, is never logged.
 */
const CREDENTIAL_SEGMENTS = ["/s/"];
const REDACTED = "[redacted]";

/** Security rule "tokens never appear in the log": a path with its credential segment replaced. */
function loggedPath(path: string): string {
  for (const prefix of CREDENTIAL_SEGMENTS) {
    if (!path.startsWith(prefix) || path.length === prefix.length) continue;
    const end = path.indexOf("/", prefix.length);
    return `${prefix}${REDACTED}${end === -1 ? "" : path.slice(end)}`;
  }
  return path;
}

/**
 * One structured line per request with method, path (never the query, which may carry
 * `?token=`, nor a token inside the path), status and ms.
 */
export function logRequest(logger: Logger, request: Request, meta: RequestMeta, status: number): void {
  logger.info("request", {
    request_id: meta.id,
    method: request.method,
    path: loggedPath(pathOfUrl(request.url)),
    status,
    ms: Math.round((performance.now() - meta.start) * 100) / 100,
  });
}
