import { AppError } from "../errors";
import { guardedBody } from "./body-stream";

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
 */
export function uploadBodyOf(request: Request, maxBytes: number): UploadBody {
  const header = request.headers.get("content-length");
  const declaredBytes = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    throw new AppError("payload_too_large", `Uploads are limited to ${maxBytes} bytes`);
  }
  return { body: guardedBody(request.body), maxBytes, declaredBytes };
}
