import { errorAnswers } from "../../http/openapi/components";
import { openApiDetail } from "../../http/openapi/contract";
import { headerParameter, pathParameter, queryParameter } from "../../http/openapi/parameters";
import { UploadResponse } from "./model";

/**
 * The signed `/blobs/{key}` URLs in the contract: their bytes, ranges and conditional answers,
 * which the `t` models cannot express. Clients never build these URLs; they follow the ones
 * lightd hands out, whose query carries the signature and what it binds.
 */
const key = pathParameter("key", "Internal object key (from a signed URL)");
const signature = [
  key,
  queryParameter("expires", "Unix seconds when the URL stops working (signed)", true),
  queryParameter("sig", "HMAC signature over the method, key and bound parameters", true),
  queryParameter("content_type", "Media type bound into the URL (signed)"),
  queryParameter("filename", "Download file name bound into the URL (signed)"),
  queryParameter("size", "The object's size bound into a download URL (signed)"),
  queryParameter("etag", "The object's ETag bound into a download URL (signed)"),
];
/** The conditions a read of a file answers to (its download, and HEAD /files/{path}). */
export const readConditionHeaders = [
  headerParameter("If-Match", "A quoted ETag (or `*`): 412 unless it is the current one (strong comparison)."),
  headerParameter("If-None-Match", "A quoted ETag (or `*`): 304 when it matches."),
];
/** The request headers every download of bytes honours (here and the one-request `GET /files/{path}`). */
export const downloadHeaders = [
  headerParameter(
    "Range",
    "One byte range, `bytes=first-last` or `bytes=-suffix`; several ranges get the whole object (200).",
  ),
  ...readConditionHeaders,
  headerParameter("If-Range", "Honour `Range` only while the ETag still matches."),
];
const bytes = { "*/*": { schema: { type: "string", format: "binary" } } };
const objectHeaders = {
  ETag: { description: "Quoted entity tag of the object", schema: { type: "string" } },
  "Content-Length": { description: "Bytes in this answer", schema: { type: "integer", minimum: 0 } },
  "Content-Disposition": {
    description: "`attachment` with the bound file name, else `inline`",
    schema: { type: "string" },
  },
  "Accept-Ranges": { description: "Always `bytes`", schema: { type: "string" } },
};

/** The answers of every download of bytes (here and the one-request `GET /files/{path}`). */
export const downloadResponses = {
  "200": {
    description: "The whole object, in its stored (or bound) media type",
    headers: objectHeaders,
    content: bytes,
  },
  "206": {
    description: "The requested range",
    headers: {
      ...objectHeaders,
      "Content-Range": { description: "`bytes first-last/size`", schema: { type: "string" } },
    },
    content: bytes,
  },
  "304": {
    description: "Not modified: `If-None-Match` matched the ETag",
    headers: { ETag: objectHeaders.ETag },
  },
  ...errorAnswers(403, 404, 412, 416),
};

export const blobDownload = openApiDetail({
  summary: "Download through a signed URL",
  description:
    "Streams the object. Honours a single `Range` (206/416; several ranges get the whole object with 200), `If-Match` (412), `If-None-Match` (304) and `If-Range`. The signature is the credential.",
  security: [],
  parameters: [...signature, ...downloadHeaders],
  responses: downloadResponses,
});

export const blobUpload = openApiDetail({
  summary: "Upload through a signed URL",
  description:
    "Streams the body to the object (or, with `upload_id` and `part` bound, to one multipart part) and answers its ETag. When the URL binds `content_type`, the request must send exactly that `Content-Type`. A whole-object URL writes once (409 on a replay).",
  security: [],
  parameters: [
    ...signature,
    queryParameter("upload_id", "Multipart upload the part belongs to (signed)"),
    queryParameter("part", "Part number, from 1 (signed)"),
  ],
  requestBody: { required: true, description: "The object's (or part's) bytes", content: bytes },
  responses: {
    "200": {
      description: "Stored",
      headers: { ETag: objectHeaders.ETag },
      content: { "application/json": { schema: UploadResponse } },
    },
    ...errorAnswers(403, 404, 409, 413, 507),
  },
});

/** HEAD of a signed download URL (answered by the GET route, src/http/head.ts). */
export const blobPathOperations = {
  "/blobs/{key}": {
    head: {
      operationId: "headBlob",
      tags: ["Blobs"],
      summary: "Check a signed download URL",
      description: "The download's headers without its body.",
      security: [],
      parameters: [...signature, ...downloadHeaders],
      responses: {
        "200": { description: "The object exists", headers: objectHeaders },
        "206": downloadResponses["206"],
        "304": downloadResponses["304"],
        ...errorAnswers(403, 404, 412, 416),
      },
    },
  },
};
