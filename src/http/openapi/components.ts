import { ERROR_CATALOGUE, type ErrorCode } from "../../errors";
import { SESSION_COOKIE } from "../auth";
import type { ErrorForm } from "../error-form";

/** Every way lightd accepts a credential (src/http/auth.ts `extractToken`), as OpenAPI security schemes. */
export const securitySchemes = {
  bearer: {
    type: "http",
    scheme: "bearer",
    description: "`Authorization: Bearer <token>`: the master token, a programmatic token, a session or an API key.",
  },
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "`Authorization: ApiKey <token>`: the same tokens as Bearer, under the scheme name personal tokens use.",
  },
  queryToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description:
      "`?token=<token>` where a header is impossible (download links). Used only when no Authorization header is sent.",
  },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description:
      "The HttpOnly session cookie a browser gets from a magic link. Used only when no header or query token is sent.",
  },
} as const;

/** Any one scheme is enough (alternatives, not a combination). */
export const anyCredential = Object.keys(securitySchemes).map((name) => ({ [name]: [] }));

/** Name of the shared response for an error status, e.g. 404 → `not_found`. */
export function errorCodeOf(status: number): ErrorCode | undefined {
  return (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).find((code) => ERROR_CATALOGUE[code].status === status);
}

/** The shared response for an error code, in the body its route speaks (src/http/error-form.ts). */
export const errorRef = (code: ErrorCode, form: ErrorForm = "lightd") => ({
  $ref: `#/components/responses/${form === "lightd" ? code : `rfc6749_${code}`}`,
});

/** A hand-written operation's error answers, by status: each the catalogue's shared response. */
export const errorAnswers = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), errorRef(errorCodeOf(status) as ErrorCode)]));

const rateLimitHeaders = {
  "Retry-After": { description: "Seconds until a request may succeed", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Limit": { description: "Requests the bucket holds", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Remaining": { description: "Requests left in the bucket", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Reset": { description: "Seconds until the bucket is full again", schema: { type: "integer", minimum: 0 } },
};

/**
 * One response per catalogue code: `{"error": code, "message": text}` with that status, and its
 * twin `rfc6749_<code>`, `{"error": code, "error_description": text}`, for OAuth's protocol endpoints.
 */
const challengeHeader = {
  description:
    'How to authenticate (RFC 6750 §3): `Bearer realm="lightd"`, with `error="invalid_token"` when the credential presented is unknown, wrong or expired.',
  schema: { type: "string" },
};

function errorResponses() {
  const out: Record<string, unknown> = {};
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    const headers =
      code === "rate_limited"
        ? { headers: rateLimitHeaders }
        : code === "range_not_satisfiable"
          ? { headers: { "Content-Range": { description: "`bytes */<size>`", schema: { type: "string" } } } }
          : {};
    const challenge = code === "unauthorized" ? { headers: { "WWW-Authenticate": challengeHeader } } : {};
    const body = (schema: string) => ({
      "application/json": {
        schema: {
          allOf: [
            { $ref: `#/components/schemas/${schema}` },
            { type: "object", properties: { error: { enum: [code] } } },
          ],
        },
      },
    });
    out[code] = { description: `\`${code}\`: ${entry.message}`, ...headers, ...challenge, content: body("Error") };
    out[`rfc6749_${code}`] = {
      description: `\`${code}\`: ${entry.message} (RFC 6749 form)`,
      ...headers,
      content: body("OAuthError"),
    };
  }
  return out;
}

export function components() {
  return {
    securitySchemes,
    schemas: {
      Error: {
        type: "object",
        description: "Every error lightd answers: a code from one catalogue and a human message.",
        required: ["error", "message"],
        properties: {
          error: { type: "string", enum: Object.keys(ERROR_CATALOGUE), description: "Machine-readable code" },
          message: { type: "string", description: "Human-readable text" },
        },
      },
      OAuthError: {
        type: "object",
        description:
          "Every error of OAuth's protocol endpoints (metadata, token, revocation, introspection, client registration), whoever refuses: RFC 6749 §5.2 / RFC 7591 §3.2.2. The code is the RFC's where one names the situation, else lightd's catalogue code.",
        required: ["error", "error_description"],
        properties: {
          error: { type: "string", description: "Machine-readable code" },
          error_description: { type: "string", description: "Human-readable text" },
        },
      },
    },
    responses: errorResponses(),
  };
}
