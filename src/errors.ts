/**
 * The renderer's half of the error catalogue: an error body as JSON. The catalogue and the
 * named errors live in domain/errors.ts, where every layer and front door can reach them.
 */
import { AUTH_MESSAGES, ERROR_CATALOGUE, type ErrorCode, type OAuthError } from "./domain/errors";

// The shapes the renderers and storage match on; named errors are imported from domain/errors.ts.
export {
  AppError,
  ERROR_CATALOGUE,
  type ErrorCode,
  NotFoundError,
  OAuthError,
} from "./domain/errors";

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: code, message: message ?? ERROR_CATALOGUE[code].message };
}

/**
 * RFC 9110 §15.5.2: a 401 names how to authenticate. lightd's credentials are bearer tokens
 * (RFC 6750 §3): a presented one that is unknown, wrong or expired is `invalid_token`; a
 * request that presented none gets the bare challenge. Front doors with their own scheme
 * (WebDAV's Basic) send theirs.
 */
function challengeOf(message: string | undefined): string {
  if (message === AUTH_MESSAGES.invalid || message === AUTH_MESSAGES.expired) {
    return `Bearer realm="lightd", error="invalid_token", error_description="${message}"`;
  }
  return 'Bearer realm="lightd"';
}

/** The one renderer: an error body as a JSON Response. */
export function errorResponse(code: ErrorCode, message?: string, headers: Record<string, string> = {}): Response {
  const challenge: Record<string, string> =
    code === "unauthorized" && !Object.keys(headers).some((name) => name.toLowerCase() === "www-authenticate")
      ? { "www-authenticate": challengeOf(message) }
      : {};
  return new Response(JSON.stringify(errorBody(code, message)), {
    status: ERROR_CATALOGUE[code].status,
    headers: { "content-type": "application/json; charset=utf-8", ...challenge, ...headers },
  });
}

/** The RFC 6749 §5.2 body: never cached, as the RFC asks of token answers. */
function rfcErrorResponse(code: string, description: string, status: number, headers: Record<string, string>) {
  return new Response(JSON.stringify({ error: code, error_description: description }), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      pragma: "no-cache",
      ...headers,
    },
  });
}

/** The renderer's form for OAuth endpoints (RFC 6749 §5.2). */
export function oauthErrorResponse(error: OAuthError): Response {
  return rfcErrorResponse(error.code, error.description, error.status, error.headers);
}

/**
 * A catalogue error in the body its route speaks (src/http/error-form.ts): lightd's
 * `{error, message}`, or `{error, error_description}` on OAuth's protocol endpoints.
 */
export function errorResponseIn(
  form: "lightd" | "rfc6749",
  code: ErrorCode,
  message?: string,
  headers: Record<string, string> = {},
): Response {
  if (form === "lightd") return errorResponse(code, message, headers);
  return rfcErrorResponse(code, message ?? ERROR_CATALOGUE[code].message, ERROR_CATALOGUE[code].status, headers);
}
