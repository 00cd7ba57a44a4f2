import { AppError, errorResponse } from "../errors";

type Handler = (request: Request) => Response | Promise<Response>;

/** Bodies lightd parses in memory; streamed uploads (PUT, octet-stream) are limited where they are written. */
const PARSED_TYPES =
  /^(application\/json|application\/[\w.+-]*\+json|application\/x-www-form-urlencoded|multipart\/form-data|text\/)/i;

function countingStream(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > maxBytes) {
        await reader.cancel().catch(() => {});
        return controller.error(new AppError("payload_too_large", `Request body is larger than ${maxBytes} bytes`));
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

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
    return handler(new Request(request, { body: countingStream(request.body, max) }));
  };
}
