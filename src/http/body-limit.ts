import { bodyTooLarge } from "../domain/errors";
import type { Logger } from "../lib/logger";
import { guardedBody } from "./body-stream";
import { carryMeta, metaOf } from "./edge";
import { renderErrorFor } from "./errors";

type Handler = (request: Request) => Response | Promise<Response>;

/** Bodies lightd parses in memory; streamed uploads (PUT, octet-stream) are limited where they are written. */
const PARSED_TYPES =
  /^(application\/json|application\/[\w.+-]*\+json|application\/x-www-form-urlencoded|multipart\/form-data|text\/)/i;

/** PUT routes whose body is a file's bytes: limited by `server.max_upload_bytes` where they are written. */
const UPLOAD_PUT = /^\/(files|blobs|dav)(\/|$)/;

/** The path of a request URL, without parsing the whole URL on the hot path. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : url.slice(start);
}

/**
 * Caps request bodies that are parsed in memory (JSON, forms, text) at
 * `server.max_body_bytes`: by Content-Length up front, and by counting the bytes
 * read when the body is chunked, so no anonymous caller can make lightd hold a
 * large body. Uploads (PUT of a file's bytes) are limited by `server.max_upload_bytes`; any
 * other PUT (a JSON setting such as a quota) is capped here like a POST.
 */
export function withBodyLimit(handler: Handler, maxBytes: () => number, logger: Logger): Handler {
  return (request) => {
    if (request.method === "GET" || request.method === "HEAD" || request.body === null) return handler(request);
    if (request.method === "PUT" && UPLOAD_PUT.test(pathOf(request.url))) return handler(request);
    const max = maxBytes();
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      if (Number(declared) <= max) return handler(request);
      return renderErrorFor(request, bodyTooLarge(max), undefined, metaOf(request).id, logger);
    }
    if (!PARSED_TYPES.test(request.headers.get("content-type") ?? "")) return handler(request);
    // The counted body travels on a new Request: it is the same request (id, client, limits).
    const counted = new Request(request, { body: guardedBody(request.body, max) });
    carryMeta(request, counted);
    return handler(counted);
  };
}
