import type { UrlSigner } from "../../lib/url-signer";
import type { SignOptions } from "./blob-store";

/**
 * A URL on lightd's own `/blobs/{key}` route, HMAC-signed for one method on one object
 * until it expires (the local store's URLs, and S3 downloads with `serve_downloads`).
 * Security rule: the signature binds the Content-Type and, for GET, the file name.
 */
export function lightdBlobUrl(signer: UrlSigner, key: string, options: SignOptions): string {
  const params = signer.sign({
    method: options.method,
    key,
    expiresIn: options.expiresIn,
    bound: {
      content_type: options.contentType,
      filename: options.method === "GET" ? options.filename : undefined,
    },
  });
  return `${options.baseUrl.replace(/\/+$/, "")}/blobs/${key}?${params}`;
}
