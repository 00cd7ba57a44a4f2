import { Elysia } from "elysia";
import {
  AppError,
  ERROR_CATALOGUE,
  type ErrorCode,
  errorResponseIn,
  NotFoundError,
  OAuthError,
  oauthErrorResponse,
} from "../errors";
import type { Logger } from "../lib/logger";
import {
  BlobConflict,
  BlobError,
  BlobNotFound,
  BlobRequestInvalid,
  BlobTooLarge,
  RangeNotSatisfiable,
} from "../storage/blob/errors";
import { ReferenceGone, StorageFull, StorageUnavailable } from "../storage/errors";
import { requestIdOf } from "./edge";
import { type ErrorForm, errorFormOfRequest, isSharePath } from "./error-form";
import { escapeHtml, htmlPage } from "./html-page";
import { pathOfUrl } from "./url-path";

interface SchemaLike {
  anyOf?: SchemaLike[];
  const?: unknown;
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

interface ValidationLike {
  type?: string;
  valueError?: { path?: string; message?: string; schema?: SchemaLike };
}

function describeValidation(error: ValidationLike): string {
  const where = error.type === "params" ? "path parameter" : (error.type ?? "request");
  const field = error.valueError?.path?.replace(/^\//, "").replaceAll("/", ".");
  const schema = error.valueError?.schema;
  const reason = (schema && expected(schema)) ?? error.valueError?.message ?? "is invalid";
  return field ? `Invalid ${where} field '${field}': ${reason}` : `Invalid ${where}: ${reason}`;
}

/**
 * What a union field takes, in words: Elysia's integers are a union with their text form, and
 * enums a union of literals, which the validator reports only as "Expected union value".
 */
function expected(schema: SchemaLike): string | undefined {
  const choices = schema.anyOf;
  if (!choices) return undefined;
  if (choices.length > 0 && choices.every((c) => c.const !== undefined)) {
    return `expected one of ${choices.map((c) => JSON.stringify(c.const)).join(", ")}`;
  }
  const number = choices.find((c) => c.type === "integer" || c.type === "number");
  if (!number) return undefined;
  const kind = number.type === "integer" ? "an integer" : "a number";
  const { minimum: min, maximum: max } = number;
  if (min !== undefined && max !== undefined) return `expected ${kind} from ${min} to ${max}`;
  if (min !== undefined) return `expected ${kind} of at least ${min}`;
  if (max !== undefined) return `expected ${kind} of at most ${max}`;
  return `expected ${kind}`;
}

/** Storage's own errors in HTTP terms: the only place they become statuses. */
function blobErrorResponse(error: BlobError, reply: Reply): Response | null {
  if (error instanceof BlobNotFound) return reply("not_found", error.message);
  if (error instanceof BlobTooLarge) return reply("payload_too_large", error.message);
  if (error instanceof BlobConflict) return reply("conflict", error.message);
  if (error instanceof BlobRequestInvalid) return reply("bad_request", error.message);
  if (error instanceof RangeNotSatisfiable) {
    const headers: Record<string, string> =
      error.size === undefined ? {} : { "content-range": `bytes */${error.size}` };
    return reply("range_not_satisfiable", error.message, headers);
  }
  return null;
}

type Reply = (code: ErrorCode, message?: string, headers?: Record<string, string>) => Response;

/**
 * The one error renderer: every failure — thrown in a route, in a guard, or outside the app
 * at the request edge — leaves as `{"error", "message"}` JSON with the catalogue's status.
 * `phase` is Elysia's error code when Elysia caught it. Unknown errors become 500
 * `internal`; their cause is logged with the request id and never sent to the client.
 */
export function renderError(
  thrown: unknown,
  phase: string | undefined,
  requestId: string,
  logger: Logger,
  form: ErrorForm | "page" = "lightd",
): Response {
  const reply: Reply = (code, message, headers) =>
    form === "page"
      ? asPage(errorResponseIn("lightd", code, message, headers), code, message)
      : errorResponseIn(form, code, message, headers);
  // The auth guard runs in the parse phase; Elysia wraps what it throws in a ParseError.
  const cause = (thrown as { cause?: unknown } | null)?.cause;
  const error =
    phase === "PARSE" &&
    (cause instanceof AppError ||
      cause instanceof NotFoundError ||
      cause instanceof BlobError ||
      cause instanceof OAuthError ||
      cause instanceof StorageFull ||
      cause instanceof StorageUnavailable ||
      cause instanceof ReferenceGone)
      ? cause
      : thrown;
  if (error instanceof OAuthError) return oauthErrorResponse(error);
  if (error instanceof AppError) return reply(error.code, error.message, error.headers);
  if (error instanceof NotFoundError) return reply("not_found", error.message);
  if (error instanceof BlobError) {
    const fromStorage = blobErrorResponse(error, reply);
    if (fromStorage) return fromStorage;
  }
  // RFC 7591 §3.2.2 names the code of invalid client metadata, the only body Elysia validates
  // on OAuth's protocol endpoints (the registration's).
  if (form === "rfc6749" && phase === "VALIDATION" && (error as ValidationLike).type === "body") {
    return oauthErrorResponse(new OAuthError("invalid_client_metadata", describeValidation(error as ValidationLike)));
  }
  switch (phase) {
    case "VALIDATION":
      return reply("bad_request", describeValidation(error as ValidationLike));
    case "PARSE":
      return reply("bad_request", "Malformed request body");
    case "NOT_FOUND":
      return reply("not_found", "Route not found");
    case "INVALID_COOKIE_SIGNATURE":
      return reply("unauthorized", "Unauthorized");
  }
  // Absurdly nested JSON overflows the stack while it is parsed or validated: a bad request, not a crash.
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return reply("bad_request", "Request body is nested too deeply");
  }
  // A full disk, quota or database is the server's storage, not the client's fault: 507, and
  // the write that hit it has already cleaned up after itself (temp files, rolled-back rows).
  if (error instanceof StorageFull) {
    logger.error("storage full", { request_id: requestId, error: String(error.cause) });
    return reply("insufficient_storage", error.message);
  }
  // The metadata database or the bucket cannot be reached: 503, worth a retry.
  if (error instanceof StorageUnavailable) {
    logger.error("storage unavailable", { request_id: requestId, error: String(error.cause) });
    return reply("service_unavailable", error.message);
  }
  // What the change names was deleted meanwhile (its account, a revoked key): a conflict, not a crash.
  if (error instanceof ReferenceGone) return reply("conflict", error.message);
  const status = (error as { status?: number } | null)?.status;
  // Errors thrown by Bun for oversized bodies carry a status; keep their meaning.
  if (status === 413) return reply("payload_too_large");
  const known: Record<number, ErrorCode> = {
    400: "bad_request",
    404: "not_found",
    415: "unsupported_media_type",
  };
  if (status && known[status]) return reply(known[status]);
  logger.error("unhandled error", {
    request_id: requestId,
    code: String(phase ?? "EDGE"),
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return reply("internal");
}

const PAGE_STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}small{color:#666}";

/**
 * The JSON answer as a page for a person in a browser (see errorFormOfRequest): the same status
 * and headers (a 401's challenge, a 429's Retry-After), the catalogue's words, no script and no
 * external asset.
 */
function asPage(json: Response, code: ErrorCode, message: string | undefined): Response {
  const title = code === "unauthorized" ? "This link no longer works" : "This link cannot be opened";
  const page = htmlPage({
    title: `${title} · lightd`,
    style: PAGE_STYLE,
    status: json.status,
    body: `<main>
<h1>${title}</h1>
<p>${escapeHtml(message ?? ERROR_CATALOGUE[code].message)}</p>
<p>Shared links expire, can be revoked, and can be limited to a number of downloads. Ask whoever shared it for a new link.</p>
<p><small>${json.status} · ${code}</small></p>
</main>`,
  });
  const headers = new Headers(json.headers);
  for (const [name, value] of page.headers) headers.set(name, value);
  headers.set("vary", "accept");
  return new Response(page.body, { status: json.status, headers });
}

/** How `request` gets its errors, with `Vary: Accept` wherever the answer depends on it. */
export function renderErrorFor(
  request: Request,
  thrown: unknown,
  phase: string | undefined,
  requestId: string,
  logger: Logger,
) {
  const response = renderError(thrown, phase, requestId, logger, errorFormOfRequest(request));
  if (isSharePath(pathOfUrl(request.url))) response.headers.set("vary", "accept");
  return response;
}

/** The renderer as the app's global error hook. */
export function errorRenderer(logger: Logger) {
  return new Elysia({ name: "error-renderer" }).onError({ as: "global" }, ({ code, error, request }) =>
    renderErrorFor(request, error, String(code), requestIdOf(request), logger),
  );
}
