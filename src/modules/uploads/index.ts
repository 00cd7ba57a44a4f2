import { Elysia } from "elysia";
import type { Config } from "../../config";
import { parsePath } from "../../domain/paths";
import { writeConditionsOf } from "../../http/conditions";
import type { AppGuard } from "../../http/guard-type";
import { publicOriginOf } from "../../http/links";
import { errorResponses } from "../../http/schemas";
import { CommitResponse, ConditionalWriteHeaders } from "../files/model";
import {
  AbortMultipartBody,
  AbortMultipartResponse,
  CompleteMultipartBody,
  CompleteUploadBody,
  CreateMultipartBody,
  CreateMultipartResponse,
  CreateUploadBody,
  CreateUploadResponse,
} from "./model";
import type { UploadService } from "./service";

// The errors each route really answers (the contract test provokes every one).
const Errors = errorResponses(400, 401, 403, 404, 409, 412, 507);
/** Creating an upload checks the path, the caller's power, the conditions (412) and the account's room (507 when full). */
const CreateErrors = errorResponses(400, 401, 403, 412, 507);
const EARLY_CONDITIONS =
  " With `If-Match` / `If-None-Match: *` the file at `path` must have that ETag / not exist yet (else 412), checked here before any byte is sent and again at complete.";
/** Aborting gives room back: it checks only the path and the caller's power. */
const AbortErrors = errorResponses(400, 401, 403, 404);

export function uploadsModule(guard: AppGuard, uploads: UploadService, config: () => Config) {
  return new Elysia({ tags: ["Uploads"] })
    .use(guard)
    .post(
      "/files/uploads",
      ({ body, principal, request }) =>
        uploads.create(
          principal,
          parsePath(body.path, "file"),
          body.content_type,
          publicOriginOf(request, config().server),
          writeConditionsOf(request),
        ),
      {
        auth: "files:write",
        body: CreateUploadBody,
        response: { 200: CreateUploadResponse, ...CreateErrors },
        detail: {
          summary: "Create an upload",
          description: `Returns a signed PUT URL (1 h); then call complete.${EARLY_CONDITIONS}`,
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .post(
      "/files/uploads/complete",
      ({ body, principal, request }) =>
        uploads.complete(principal, parsePath(body.path, "file"), body.message, writeConditionsOf(request)),
      {
        auth: "files:write",
        body: CompleteUploadBody,
        response: { 200: CommitResponse, ...Errors },
        detail: {
          summary: "Complete an upload",
          description:
            "Checks the bytes arrived and makes the file visible. With `If-Match` / `If-None-Match: *` the commit happens only if the file at `path` still has that ETag / does not exist yet (else 412, and the upload stays pending).",
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .post(
      "/files/uploads/multipart",
      ({ body, principal, request }) =>
        uploads.createMultipart(
          principal,
          parsePath(body.path, "file"),
          body.content_type,
          body.part_count ?? 1,
          publicOriginOf(request, config().server),
          writeConditionsOf(request),
        ),
      {
        auth: "files:write",
        body: CreateMultipartBody,
        response: { 200: CreateMultipartResponse, ...CreateErrors },
        detail: {
          summary: "Create a multipart upload",
          description: `Returns a signed PUT URL per part.${EARLY_CONDITIONS}`,
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .post(
      "/files/uploads/multipart/complete",
      ({ body, principal, request }) =>
        uploads.completeMultipart(
          principal,
          parsePath(body.path, "file"),
          body.upload_id,
          body.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })),
          body.message,
          writeConditionsOf(request),
        ),
      {
        auth: "files:write",
        body: CompleteMultipartBody,
        response: { 200: CommitResponse, ...Errors },
        detail: {
          summary: "Complete a multipart upload",
          description:
            "Assembles the listed parts, checking each ETag. `If-Match` / `If-None-Match: *` apply to the file at `path` as on PUT (412).",
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .post(
      "/files/uploads/multipart/abort",
      ({ body, principal }) => uploads.abortMultipart(principal, parsePath(body.path, "file"), body.upload_id),
      {
        auth: "files:write",
        body: AbortMultipartBody,
        response: { 200: AbortMultipartResponse, ...AbortErrors },
        detail: { summary: "Abort a multipart upload" },
      },
    );
}
