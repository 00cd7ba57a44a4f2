import { Elysia } from "elysia";
import { AppError } from "../errors";

/**
 * Caps request bodies that are parsed in memory (JSON, forms). Streaming uploads use
 * PUT and are limited by `server.max_upload_bytes` where they are written instead.
 */
export function bodyLimit(maxBytes: () => number) {
  return new Elysia({ name: "body-limit" }).onRequest(({ request }) => {
    if (request.method === "GET" || request.method === "HEAD" || request.method === "PUT") return;
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > maxBytes()) throw new AppError("payload_too_large", `Request body is larger than ${maxBytes()} bytes`);
  });
}
