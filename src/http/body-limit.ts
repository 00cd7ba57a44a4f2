import { errorResponse } from "../errors";
import { guardedBody } from "./body-stream";

type Handler = (request: Request) => Response | Promise<Response>;

/** Bodies lightd parses in memory; streamed uploads (PUT, octet-stream) are limited where they are written. */
const PARSED_TYPES =
  /^(application\/json|application\/[\w.+-]*\+json|application\/x-www-form-urlencoded|multipart\/form-data|text\/)/i;

/**
 * Caps request bodies that are parsed in memory (JSON, forms, text) at
 * `server.max_body_bytes`: by Content-Length up front, and by counting the bytes
 * read when the body is chunked, so no anonymous caller can make lightd hold a
 * large body. PUT bodies are uploads and are limited by `server.max_upload_bytes`.
 */
export function withBodyLimit(handler: Handler, maxBytes: () => number): Handler {
  return (request) => {
    if (request.method === "GET" || request.method === "HEAD" || request.method === "PUT" || request.body === null) {
      return handler(request);
    }
    const max = maxBytes();
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      if (Number(declared) > max) return errorResponse("payload_too_large", `Request body is larger than ${max} bytes`);
      return handler(request);
    }
    if (!PARSED_TYPES.test(request.headers.get("content-type") ?? "")) return handler(request);
    return handler(new Request(request, { body: guardedBody(request.body, max) }));
  };
}
