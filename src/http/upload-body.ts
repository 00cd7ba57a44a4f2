import { badRequest, bodyIncomplete } from "../domain/errors";
import { AppError } from "../errors";
import { markChunksOwned } from "../lib/owned-chunks";
import { SMALL_BODY_BYTES } from "../storage/blob/small-write";
import { guardedBody } from "./body-stream";
import { metaOf } from "./edge";

/** An upload's body with the size rule applied: what every PUT route hands to its service. */
export interface UploadBody {
  body: ReadableStream<Uint8Array>;
  /** `server.max_upload_bytes`: the store stops the body as soon as it passes this. */
  maxBytes: number;
  /** The Content-Length the client declared, when it sent a sane one. */
  declaredBytes?: number;
}

/**
 * The one upload size rule (PUT to /files, signed /blobs URLs, WebDAV): a declared
 * Content-Length over `server.max_upload_bytes` is 413 before a byte is read; a body of
 * unknown length is stopped by the store the moment it passes the same limit.
 * A PUT with `Content-Range` is 400 (RFC 9110 §14.5): lightd does no partial PUT, and
 * storing the fragment as the whole file would lose the rest of it.
 */
export function uploadBodyOf(request: Request, maxBytes: number): UploadBody {
  if (request.headers.has("content-range")) {
    throw badRequest("Content-Range on a PUT is not supported: send the whole file");
  }
  const header = request.headers.get("content-length");
  const declaredBytes = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    throw new AppError("payload_too_large", `Uploads are limited to ${maxBytes} bytes`);
  }
  // A small body the store holds whole anyway is read whole here too, in one native call.
  const body =
    declaredBytes !== undefined && declaredBytes <= SMALL_BODY_BYTES ? wholeBody(request) : guardedBody(request.body);
  // Read from the socket (not built in process): its chunks are fresh buffers the store may free.
  return { body: metaOf(request).server ? markChunksOwned(body) : body, maxBytes, declaredBytes };
}

/**
 * A small body of declared length as a one-chunk stream: read whole by one native call when
 * the store first asks, which costs about half the CPU of reading the socket's stream chunk
 * by chunk. A read failure is the same 400 as guardedBody's.
 */
function wholeBody(request: Request): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let bytes: Uint8Array;
      try {
        bytes = await request.bytes();
      } catch {
        controller.error(bodyIncomplete());
        return;
      }
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
    cancel: (reason) => request.body?.cancel(reason).catch(() => {}),
  });
}
