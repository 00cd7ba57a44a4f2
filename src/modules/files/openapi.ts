import { errorAnswers } from "../../http/openapi/components";
import { headerParameter, pathParameter, queryParameter } from "../../http/openapi/parameters";
import { downloadHeaders, downloadResponses, readConditionHeaders } from "../blobs/openapi";
import { CommitResponse, ConditionalWriteHeaders, DeleteResponse, FileMetadata, LogEvent } from "./model";

/**
 * `GET|HEAD|PUT|DELETE /files/{path}` in the contract. The routes are Elysia wildcards
 * (`/files/*`), which the swagger plugin leaves out, so their operations are written here from
 * the same `t` models the routes answer with. `{path}` may hold `/` as is or as `%2F`
 * (generated clients encode it); both name the same file.
 */
const path = pathParameter(
  "path",
  "File path (`docs/report.pdf`), or a folder path ending with `/` for DELETE. `/` may be sent as `%2F`.",
  { type: "string", minLength: 1 },
  { examples: { file: { value: "docs/report.pdf" } } },
);

/** `?tx=N`: the file as it was at tx N (an older version), answered exactly like the current one. */
const tx = queryParameter(
  "tx",
  "Read the version that was current at this tx (see `GET /files/versions`); 404 when nothing was at the path then, 400 for a tx after the space's newest.",
  false,
  { type: "integer", minimum: 1 },
);

/** `?redirect=false`: the bytes in this answer instead of a 302 (the one-request download). */
const redirect = queryParameter(
  "redirect",
  "`false` streams the file's bytes in this answer instead of redirecting (one request; same as `Accept: application/octet-stream`).",
  false,
  { type: "string", enum: ["true", "false"] },
);

const json = (schema: unknown) => ({ "application/json": { schema } });
const readErrors = errorAnswers(400, 403, 404);

const fileHeaders = {
  "Content-Type": { description: "The file's media type", schema: { type: "string" } },
  "Content-Length": { description: "The file's size in bytes", schema: { type: "integer", minimum: 0 } },
  ETag: { description: "Quoted entity tag of the file's bytes", schema: { type: "string" } },
  "Last-Modified": { description: "HTTP date of the last change", schema: { type: "string" } },
  "X-Lightd-Tx": { description: "tx number of the file's last change", schema: { type: "integer", minimum: 0 } },
};

/**
 * Models the contract names: an event of the log, the live feed (WebSocket messages, SSE
 * `data:`) and webhook deliveries alike, so clients type them once.
 */
export const fileSchemas = { ChangeEvent: LogEvent };

export const filePathOperations = {
  "/files/{path}": {
    get: {
      operationId: "getFile",
      tags: ["Files"],
      summary: "Retrieve a file",
      description:
        "By default, 302 to a short-lived signed download URL (`/blobs/…` on lightd, or an S3 presigned URL); the download there honours `Range`, `If-Match`, `If-None-Match` and `If-Range` (the 302 itself does not look at them). With `Accept: application/json` (or the versioned `application/vnd.pkglatv1+json`), the metadata and the same URL as JSON. With `?redirect=false` or `Accept: application/octet-stream`, the bytes themselves in one request, answered exactly like the signed download (ranges, conditions, headers).",
      parameters: [
        path,
        tx,
        redirect,
        headerParameter(
          "Accept",
          "`application/json` for the metadata; `application/octet-stream` for the bytes in this answer; anything else (or none) for the redirect.",
          // What the /swagger UI sends by default, so its "try it" downloads the file.
          { example: "*/*" },
        ),
        ...downloadHeaders,
      ],
      responses: {
        ...downloadResponses,
        "200": {
          description:
            "The metadata (with `Accept: application/json`), or the whole file (with `?redirect=false` or `Accept: application/octet-stream`)",
          headers: downloadResponses["200"].headers,
          content: { ...json(FileMetadata), ...downloadResponses["200"].content },
        },
        "302": {
          description: "Redirect to a signed download URL, valid for a short time",
          headers: { Location: { description: "The signed download URL", schema: { type: "string", format: "uri" } } },
        },
        ...readErrors,
      },
    },
    head: {
      operationId: "headFile",
      tags: ["Files"],
      summary: "Retrieve a file's metadata as headers",
      description:
        "The file's size, type, ETag and tx as headers, without a body. `If-Match` and `If-None-Match` are decided as for the download (412, 304).",
      parameters: [path, tx, ...readConditionHeaders],
      responses: {
        "200": { description: "The file exists; its metadata are in the headers", headers: fileHeaders },
        "304": {
          description: "Not modified: `If-None-Match` matched the ETag",
          headers: { ETag: fileHeaders.ETag, "X-Lightd-Tx": fileHeaders["X-Lightd-Tx"] },
        },
        ...readErrors,
        ...errorAnswers(412),
      },
    },
    put: {
      operationId: "putFile",
      tags: ["Files"],
      summary: "Upload a file in one step",
      description:
        "Streams the request body to storage and makes the file visible only once it is complete (`curl -T`). The body's `Content-Type` becomes the file's type. Replaces an existing file at the path. `If-Match: \"etag\"` replaces only that version, `If-None-Match: *` only creates; otherwise 412 `precondition_failed`, decided atomically with the write.",
      parameters: [
        path,
        ...ConditionalWriteHeaders,
        queryParameter("message", "Commit message for the upload", false, { type: "string", maxLength: 1000 }),
      ],
      requestBody: {
        required: true,
        description: "The file's bytes, of any media type.",
        content: {
          "application/octet-stream": { schema: { type: "string", format: "binary" } },
          "*/*": { schema: { type: "string", format: "binary" } },
        },
      },
      responses: {
        "200": { description: "Stored and visible", content: json(CommitResponse) },
        ...errorAnswers(400, 403, 409, 412, 413, 507),
      },
    },
    delete: {
      operationId: "deleteFile",
      tags: ["Files"],
      summary: "Delete a file or folder",
      description:
        'A path ending with `/` deletes the folder and everything in it; `deleted` counts the files removed. `If-Match: "etag"` deletes only that version (412 `precondition_failed` otherwise).',
      parameters: [path, ...ConditionalWriteHeaders],
      responses: {
        "200": { description: "Deleted", content: json(DeleteResponse) },
        ...errorAnswers(400, 403, 404, 412),
      },
    },
  },
};
