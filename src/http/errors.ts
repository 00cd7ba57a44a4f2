import { Elysia } from "elysia";
import { AppError, type ErrorCode, errorResponse, NotFoundError, OAuthError, oauthErrorResponse } from "../errors";
import type { Logger } from "../lib/logger";
import {
  BlobConflict,
  BlobError,
  BlobNotFound,
  BlobRequestInvalid,
  BlobTooLarge,
  RangeNotSatisfiable,
} from "../storage/blob/errors";
import { requestIdOf } from "./edge";

interface ValidationLike {
  type?: string;
  valueError?: { path?: string; message?: string };
}

function describeValidation(error: ValidationLike): string {
  const where = error.type === "params" ? "path parameter" : (error.type ?? "request");
  const field = error.valueError?.path?.replace(/^\//, "").replaceAll("/", ".");
  const reason = error.valueError?.message ?? "is invalid";
  return field ? `Invalid ${where} field '${field}': ${reason}` : `Invalid ${where}: ${reason}`;
}

/** Storage's own errors in HTTP terms: the only place they become statuses. */
function blobErrorResponse(error: BlobError): Response | null {
  if (error instanceof BlobNotFound) return errorResponse("not_found", error.message);
  if (error instanceof BlobTooLarge) return errorResponse("payload_too_large", error.message);
  if (error instanceof BlobConflict) return errorResponse("conflict", error.message);
  if (error instanceof BlobRequestInvalid) return errorResponse("bad_request", error.message);
  if (error instanceof RangeNotSatisfiable) {
    const headers: Record<string, string> =
      error.size === undefined ? {} : { "content-range": `bytes */${error.size}` };
    return errorResponse("range_not_satisfiable", error.message, headers);
  }
  return null;
}

const STORAGE_FULL = "The server's storage is full; nothing was changed. Try again after space is freed";

/** ENOSPC/EDQUOT from the filesystem, SQLITE_FULL from the database. */
function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL") return true;
  return error instanceof Error && /\b(ENOSPC|no space left on device|database or disk is full)\b/i.test(error.message);
}

/**
 * The one error renderer: every failure — thrown in a route, in a guard, or outside the app
 * at the request edge — leaves as `{"error", "message"}` JSON with the catalogue's status.
 * `phase` is Elysia's error code when Elysia caught it. Unknown errors become 500
 * `internal`; their cause is logged with the request id and never sent to the client.
 */
export function renderError(thrown: unknown, phase: string | undefined, requestId: string, logger: Logger): Response {
  // The auth guard runs in the parse phase; Elysia wraps what it throws in a ParseError.
  const cause = (thrown as { cause?: unknown } | null)?.cause;
  const error =
    phase === "PARSE" &&
    (cause instanceof AppError ||
      cause instanceof NotFoundError ||
      cause instanceof BlobError ||
      cause instanceof OAuthError)
      ? cause
      : thrown;
  if (error instanceof OAuthError) return oauthErrorResponse(error);
  if (error instanceof AppError) return errorResponse(error.code, error.message, error.headers);
  if (error instanceof NotFoundError) return errorResponse("not_found", error.message);
  if (error instanceof BlobError) {
    const fromStorage = blobErrorResponse(error);
    if (fromStorage) return fromStorage;
  }
  switch (phase) {
    case "VALIDATION":
      return errorResponse("bad_request", describeValidation(error as ValidationLike));
    case "PARSE":
      return errorResponse("bad_request", "Malformed request body");
    case "NOT_FOUND":
      return errorResponse("not_found", "Route not found");
    case "INVALID_COOKIE_SIGNATURE":
      return errorResponse("unauthorized", "Unauthorized");
  }
  // Absurdly nested JSON overflows the stack while it is parsed or validated: a bad request, not a crash.
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return errorResponse("bad_request", "Request body is nested too deeply");
  }
  // A full disk (or filesystem quota) is the server's storage, not the client's fault: 507, and
  // the write that hit it has already cleaned up after itself (temp files, rolled-back rows).
  if (isStorageFull(error)) {
    logger.error("storage full", { request_id: requestId, error: String(error) });
    return errorResponse("insufficient_storage", STORAGE_FULL);
  }
  const status = (error as { status?: number } | null)?.status;
  // Errors thrown by Bun for oversized bodies carry a status; keep their meaning.
  if (status === 413) return errorResponse("payload_too_large");
  const known: Record<number, ErrorCode> = {
    400: "bad_request",
    404: "not_found",
    415: "unsupported_media_type",
  };
  if (status && known[status]) return errorResponse(known[status]);
  logger.error("unhandled error", {
    request_id: requestId,
    code: String(phase ?? "EDGE"),
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return errorResponse("internal");
}

/** The renderer as the app's global error hook. */
export function errorRenderer(logger: Logger) {
  return new Elysia({ name: "error-renderer" }).onError({ as: "global" }, ({ code, error, request }) =>
    renderError(error, String(code), requestIdOf(request), logger),
  );
}
