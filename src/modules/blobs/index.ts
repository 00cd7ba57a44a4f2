import { Elysia } from "elysia";
import type { AppContext } from "../../context";
import { isHeadRequest } from "../../http/head";
import { quoteEtag } from "../../lib/etag";
import { ErrorResponse } from "../system/model";
import { BlobParams, UploadResponse } from "./model";
import { blobDownload, blobUpload } from "./openapi";
import { BlobGateway } from "./service";

function queryOf(request: Request): URLSearchParams {
  const q = request.url.indexOf("?");
  return new URLSearchParams(q === -1 ? "" : request.url.slice(q + 1));
}

/**
 * The public routes that lightd-signed URLs point at (local store; S3 with serve_downloads). No bearer auth: the
 * signature is the credential (see BlobGateway.authorize). Bodies are never parsed
 * by Elysia (`parse: "none"`) so uploads stream straight to disk.
 */
export function blobsModule(ctx: AppContext) {
  const gateway = new BlobGateway(
    ctx.blobs,
    ctx.signer,
    () => ctx.config.current.server.max_upload_bytes,
    (key) => ctx.uploads.quotaForObject(key),
  );
  // Bytes, ranges and signatures are beyond `t` models: the contract for these routes is ./openapi.ts.
  const download = { params: BlobParams, detail: blobDownload };
  return new Elysia({ tags: ["Blobs"] })
    .get(
      "/blobs/:key",
      // HEAD arrives here as a marked GET (src/http/head.ts): answer headers without opening the object.
      ({ params, request }) => gateway.download(params.key, queryOf(request), request.headers, !isHeadRequest(request)),
      download,
    )
    .put(
      "/blobs/:key",
      async ({ params, request, set }) => {
        const result = await gateway.upload(params.key, queryOf(request), request);
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
