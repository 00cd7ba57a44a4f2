import { Elysia } from "elysia";
import { type ObjectSource, serveObject } from "../../http/download";
import { isHeadRequest } from "../../http/edge";
import { ErrorResponse } from "../../http/schemas";
import { uploadBodyOf } from "../../http/upload-body";
import { contentDisposition } from "../../lib/content-disposition";
import { quoteEtag } from "../../lib/etag";
import { BlobParams, UploadResponse } from "./model";
import { blobDownload, blobUpload } from "./openapi";
import type { BlobGateway } from "./service";
import { BLOB_ROUTE } from "./urls";

function queryOf(request: Request): URLSearchParams {
  const q = request.url.indexOf("?");
  return new URLSearchParams(q === -1 ? "" : request.url.slice(q + 1));
}

/**
 * The public routes that lightd-signed URLs point at (local store; S3 with serve_downloads). No bearer auth: the
 * signature is the credential (see BlobGateway.authorize). Bodies are never parsed
 * by Elysia (`parse: "none"`) so uploads stream straight to disk.
 */
export function blobsModule(gateway: BlobGateway, objects: ObjectSource, maxUploadBytes: () => number) {
  // Bytes, ranges and signatures are beyond `t` models: the contract for these routes is ./openapi.ts.
  const download = { params: BlobParams, detail: blobDownload };
  return new Elysia({ tags: ["Blobs"] })
    .get(
      BLOB_ROUTE,
      // HEAD arrives here as a marked GET (src/http/head.ts): answer headers without opening the object.
      ({ params, request }) => {
        const granted = gateway.download(params.key, queryOf(request));
        return serveObject(objects, params.key, request.headers, !isHeadRequest(request), {
          contentType: granted.contentType,
          stat: granted.stat,
          disposition: granted.filename !== undefined ? contentDisposition(granted.filename) : "inline",
        });
      },
      download,
    )
    .put(
      BLOB_ROUTE,
      async ({ params, request, set }) => {
        const bound = gateway.authorize("PUT", params.key, queryOf(request));
        const result = await gateway.upload(params.key, bound, {
          ...uploadBodyOf(request, maxUploadBytes()),
          contentType: request.headers.get("content-type") ?? undefined,
        });
        set.headers.etag = quoteEtag(result.etag);
        return result;
      },
      {
        parse: "none",
        params: BlobParams,
        response: {
          200: UploadResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
          413: ErrorResponse,
          507: ErrorResponse,
        },
        detail: blobUpload,
      },
    );
}
