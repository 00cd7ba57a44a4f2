import type { LightdUrlBuilder, SignOptions } from "./blob-store";

/**
 * A signed URL on lightd itself for one method on one object until it expires (the local
 * store's URLs, and S3 downloads with `serve_downloads`), built by the builder the
 * composition root handed in. Security rule: the signature binds the Content-Type and,
 * for GET, the file name and the object's size and etag when the caller knows them (the
 * download then answers from the URL without reading anything beside the bytes).
 */
export function lightdObjectUrl(build: LightdUrlBuilder, key: string, options: SignOptions): string {
  return build(key, {
    method: options.method,
    expiresIn: options.expiresIn,
    baseUrl: options.baseUrl,
    bound: {
      content_type: options.contentType,
      filename: options.method === "GET" ? options.filename : undefined,
      size: options.method === "GET" && options.stat ? String(options.stat.size) : undefined,
      etag: options.method === "GET" ? options.stat?.etag : undefined,
    },
  });
}
