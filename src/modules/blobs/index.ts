import { Elysia } from "elysia";
import { type ObjectSource, serveObject } from "../../http/download";
import { isHeadRequest } from "../../http/edge";
import type { FastRoute } from "../../http/fast-path";
import { errorResponses } from "../../http/schemas";
import { uploadBodyOf } from "../../http/upload-body";
import { contentDisposition } from "../../lib/content-disposition";
import { quoteEtag } from "../../lib/etag";
import { BlobParams, UploadResponse } from "./model";
import { blobDownload, blobUpload } from "./openapi";
import type { BlobGateway } from "./service";
import { BLOB_ROUTE } from "./urls";

/** The raw query string: the signer reads its parameters itself, in one pass. */
function queryOf(request: Request): string {
  const q = request.url.indexOf("?");
  return q === -1 ? "" : request.url.slice(q + 1);
}

/** GET (or HEAD, marked by the edge) of a signed download URL: the signature, then the bytes. */
function download(
  gateway: BlobGateway,
  objects: ObjectSource,
  key: string,
  request: Request,
): Response | Promise<Response> {
  const granted = gateway.download(key, queryOf(request));
  // HEAD arrives here as a marked GET (src/http/head.ts): answer headers without opening the object.
  return serveObject(objects, key, request.headers, !isHeadRequest(request), {
    contentType: granted.contentType,
    stat: granted.stat,
    disposition: granted.filename !== undefined ? contentDisposition(granted.filename) : "inline",
  });
}

/**
 * GET /blobs/:key answered at the edge (src/http/fast-path.ts). A key that needs decoding
 * goes to the app's route, which decodes path parameters its own way.
 */
export function blobFastGet(gateway: BlobGateway, objects: ObjectSource): FastRoute {
  return {
    path: "/blobs/",
    appPath: BLOB_ROUTE,
    takes: (key) => key !== "" && !key.includes("/") && !key.includes("%"),
    answer: (request, key) => download(gateway, objects, key, request),
  };
}

/**
 * The public routes that lightd-signed URLs point at (local store; S3 with serve_downloads). No bearer auth: the
 * signature is the credential (see BlobGateway.authorize). Bodies are never parsed
 * by Elysia (`parse: "none"`) so uploads stream straight to disk.
 */
export function blobsModule(gateway: BlobGateway, objects: ObjectSource, maxUploadBytes: () => number) {
  // Bytes, ranges and signatures are beyond `t` models: the contract for these routes is ./openapi.ts.
  return new Elysia({ tags: ["Blobs"] })
    .get(BLOB_ROUTE, ({ params, request }) => download(gateway, objects, params.key, request), {
      params: BlobParams,
      detail: blobDownload,
    })
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
        response: { 200: UploadResponse, ...errorResponses(403, 404, 409, 413, 507) },
        detail: blobUpload,
      },
    );
}
