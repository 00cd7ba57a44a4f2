/**
 * The one catalogue of errors lightd answers with, and the named errors every layer and
 * every front door throws. Each leaves the server as `{"error": code, "message": text}`
 * (rendered once, by the error renderer); causes are logged, never sent. A message that
 * more than one place needs is declared here once, by name.
 */
export const ERROR_CATALOGUE = {
  bad_request: { status: 400, message: "Invalid parameters or body" },
  unauthorized: { status: 401, message: "Unauthorized" },
  forbidden: { status: 403, message: "Forbidden" },
  not_found: { status: 404, message: "Resource not found" },
  not_acceptable: { status: 406, message: "Unsupported Accept media type" },
  method_not_allowed: { status: 405, message: "Method not allowed on this resource" },
  conflict: { status: 409, message: "Already exists" },
  precondition_failed: {
    status: 412,
    message: "The file changed: the If-Match or If-None-Match condition does not hold",
  },
  payload_too_large: { status: 413, message: "Request body too large" },
  unsupported_media_type: { status: 415, message: "Unsupported Content-Type" },
  upgrade_required: { status: 426, message: "Connect with a WebSocket client (Upgrade: websocket)" },
  range_not_satisfiable: { status: 416, message: "Requested range not satisfiable" },
  locked: { status: 423, message: "The resource is locked" },
  rate_limited: { status: 429, message: "Too many requests" },
  insufficient_storage: { status: 507, message: "Not enough storage space" },
  internal: { status: 500, message: "Internal server error" },
  bad_gateway: { status: 502, message: "Upstream service failed" },
  service_unavailable: { status: 503, message: "Not available until the server is configured for it" },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const AUTH_MESSAGES = {
  missing: "Missing or invalid authorization token",
  invalid: "Unauthorized",
  expired: "Token expired",
} as const;

/** An error with its catalogue code, its status and the text the client reads. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = "AppError";
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/** Thrown by repositories and blob stores for a missing row or object; rendered as 404 in one place. */
export class NotFoundError extends Error {
  constructor(message = "Resource not found") {
    super(message);
    this.name = "NotFoundError";
  }
}

// One constructor per code, for messages said in one place only.
export const badRequest = (message: string) => new AppError("bad_request", message);
export const forbidden = (message: string) => new AppError("forbidden", message);
export const conflict = (message: string) => new AppError("conflict", message);
export const unauthorized = (message: string = AUTH_MESSAGES.invalid, headers?: Record<string, string>) =>
  new AppError("unauthorized", message, headers);
export const rateLimited = (message: string, headers: Record<string, string>) =>
  new AppError("rate_limited", message, headers);

// Named errors: the rules every front door shares, each message written once.

/** A path outside the credential's prefix (the security rule of `requirePath`). */
export const pathNotAllowed = () => new AppError("forbidden", "Path not allowed");
export const missingScope = (scope: string) => new AppError("forbidden", `Missing scope '${scope}'`);
export const masterOnly = () => new AppError("forbidden", "Only the master token may do this");
export const adminOnly = () => new AppError("forbidden", "Only the admin may manage accounts");
/** A key asked to expire after the credential that makes it (see `requireLifetimeWithin`). */
export const outlivesCreator = (limit: number) =>
  new AppError(
    "forbidden",
    `A key cannot outlive the credential that makes it: it must expire by ${new Date(limit).toISOString()}`,
  );
export const ownSignInOnly = () =>
  new AppError(
    "forbidden",
    "Only you can do this, signed in as yourself (Ed25519 key, e-mail link or the master token): not with an API key, a programmatic token, an app's token or a session opened with one",
  );

/** Something named that does not exist: `notFound("API key")` → 404 "API key not found". */
export const notFound = (kind?: string) =>
  new AppError("not_found", kind === undefined ? undefined : `${kind} not found`);
/** A file or folder path that names nothing (folders end in `/`). */
export const entryNotFound = (path: string) => notFound(path.endsWith("/") ? "Folder" : "File");
/** A file path that names nothing while the folder of that name exists: say how to name it. */
export const fileIsFolder = (path: string) =>
  new AppError("not_found", `File not found: ${path}/ is a folder (folder paths end in /)`);

export const invalidPath = (reason: string, what = "path") => new AppError("bad_request", `Invalid ${what}: ${reason}`);
export const destinationExists = () => new AppError("conflict", "Destination already exists");
/** A file cannot be written where a folder of the same name is (`a` beside `a/`). */
export const folderAtPath = () => new AppError("conflict", "A folder exists at this path");
export const folderAtDestination = () => new AppError("conflict", "A folder exists at the destination");
/** A folder cannot be made where a file of its name is (`a/` beside `a`). */
export const fileAtPath = (path: string) => new AppError("conflict", `A file exists at '${path}'`);

/** A condition (If-Match, If-None-Match, If) that no longer holds: the resource changed. */
export const changed = (message?: string) => new AppError("precondition_failed", message);

export const bodyTooLarge = (limit: number) =>
  new AppError("payload_too_large", `Request body is larger than ${limit} bytes`);
export const bodyIncomplete = () => new AppError("bad_request", "The request body ended before it was complete");

export const insufficientStorage = (message?: string) => new AppError("insufficient_storage", message);

/** A change to what a WebDAV client has locked (the lock rule, domain/locks.ts), through any door. */
export const resourceLocked = (path: string, until: number) =>
  new AppError(
    "locked",
    `'${path === "" ? "/" : path}' is locked by a WebDAV client until ${new Date(until).toISOString()}; only that client, with its lock token, may change it`,
  );

/** Something looked up by its id that the caller does not have: `noSuch("OAuth application")`. */
export const noSuch = (what: string) => new AppError("not_found", `No such ${what}`);
/** A file that did not exist at the tx a version or restore names. */
export const nothingAt = (path: string, tx: number) =>
  new AppError("not_found", `Nothing was at '${path}' at tx ${tx}`);

/**
 * The error codes of RFC 6749 (§4.1.2.1, §5.2), RFC 7009 and RFC 7662 with their statuses. The
 * OAuth endpoints answer `{"error", "error_description"}` as those RFCs say, so standard client
 * libraries understand them; `rate_limited` keeps lightd's own name for a 429.
 */
export const OAUTH_ERROR_CATALOGUE = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  unsupported_token_type: 400,
  invalid_scope: 400,
  /** RFC 7591 §3.2.2, client registration. */
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  access_denied: 403,
  rate_limited: 429,
  server_error: 500,
  temporarily_unavailable: 503,
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_ERROR_CATALOGUE;

export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = "OAuthError";
    this.status = OAUTH_ERROR_CATALOGUE[code];
  }
}

const AS_OAUTH: Partial<Record<ErrorCode, OAuthErrorCode>> = {
  rate_limited: "rate_limited",
  service_unavailable: "temporarily_unavailable",
  unauthorized: "invalid_client",
  bad_request: "invalid_request",
};

/** A malformed or incomplete OAuth request (RFC 6749 `invalid_request`). */
export const invalidRequest = (description: string) => new OAuthError("invalid_request", description);

/**
 * The lightd errors an OAuth endpoint can meet on its way (rate limits, missing settings) in
 * RFC 6749 terms, where the RFC names the situation; null for the others (a body over the cap
 * stays a 413 `payload_too_large`, rendered in the RFC's body by the renderer).
 */
export function asOAuthError(error: unknown): OAuthError | null {
  if (error instanceof OAuthError) return error;
  if (!(error instanceof AppError)) return null;
  const code = AS_OAUTH[error.code] ?? (error.status >= 500 ? "server_error" : null);
  return code === null ? null : new OAuthError(code, error.message, error.headers);
}
