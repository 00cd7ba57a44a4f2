import { queryParameter } from "../../http/openapi/parameters";
import { OAuthErrorBody, ServerMetadata } from "./model";
import { OAUTH_SCOPES } from "./scopes";

/**
 * The OAuth operations the swagger plugin cannot describe, written here: the RFC 8414 metadata
 * (the plugin leaves out paths that start with a dot segment) and the authorization endpoint,
 * whose answers are a browser page, a 303 back to the app, and refusals that are a page for a
 * browser and lightd's JSON error for any other client.
 */

const string = { type: "string" };
/** The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3), as query or form fields. */
const requestFields = {
  response_type: { type: "string", enum: ["code"], description: "Only the authorization code flow" },
  client_id: { type: "string", description: "The registered app" },
  redirect_uri: {
    type: "string",
    description:
      "Exactly one of the app's registered URIs (a loopback `http://127.0.0.1` or `http://[::1]` URI may change its port, RFC 8252 §7.3). May be left out when the app registered exactly one.",
  },
  scope: { type: "string", description: `Space-separated, any of: ${OAUTH_SCOPES.join(" ")}` },
  state: { type: "string", description: "Sent back unchanged with the answer" },
  code_challenge: { type: "string", description: "BASE64URL(SHA-256(code_verifier)), 43 characters" },
  code_challenge_method: { type: "string", enum: ["S256"], description: "`plain` is refused" },
};
const REQUIRED = ["response_type", "client_id", "scope", "code_challenge", "code_challenge_method"];

const html = { "text/html": { schema: { type: "string" } } };
const lightdError = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
/** A refusal that is never sent back to the app: a page for a browser, JSON for anything else. */
const refusal = (code: string, when: string) => ({
  description: `${when}. A browser (Accept preferring text/html) gets a page saying so, never a redirect; other clients get lightd's \`{"error": "${code}", "message"}\`.`,
  headers: { "Cache-Control": { description: "`no-store`", schema: string } },
  content: { ...html, ...lightdError },
});
const backToApp = (what: string) => ({
  description: `${what} The answer goes to the app's redirect URI, with \`state\` as sent and \`iss\` (RFC 9207), as a 303 so the browser never re-posts a form there.`,
  headers: {
    Location: {
      description:
        "The redirect URI with `code`, `state` and `iss`, or `error`, `error_description`, `state` and `iss`",
      schema: { type: "string", format: "uri" },
    },
    "Cache-Control": { description: "`no-store`", schema: string },
    "Referrer-Policy": { description: "`no-referrer`", schema: string },
  },
});
const noIssuer = refusal(
  "service_unavailable",
  "`server.public_url` is not set: the page and the error name the setting",
);
const unsafeRedirect = refusal(
  "bad_request",
  "Unknown or missing `client_id`, or a `redirect_uri` the app did not register (or one left out when it registered several), or either given twice",
);

export const oauthPathOperations = {
  "/.well-known/oauth-authorization-server": {
    get: {
      operationId: "getOauthAuthorizationServerMetadata",
      tags: ["OAuth"],
      summary: "OAuth authorization server metadata",
      description:
        'RFC 8414 metadata: issuer (`server.public_url`), endpoints, scopes, `code_challenge_methods_supported: ["S256"]` and `authorization_response_iss_parameter_supported: true`. 503 names the missing setting when `server.public_url` is not set.',
      security: [],
      responses: {
        "200": { description: "The metadata", content: { "application/json": { schema: ServerMetadata } } },
        "503": {
          description: "`server.public_url` is not set",
          content: { "application/json": { schema: OAuthErrorBody } },
        },
      },
    },
  },
  "/oauth/authorize": {
    get: {
      operationId: "getOauthAuthorize",
      tags: ["OAuth"],
      summary: "Authorization endpoint (the consent page)",
      description:
        "RFC 6749 §4.1.1 with PKCE S256 (RFC 7636, RFC 9700), opened by the app in the person's browser. When `client_id` and `redirect_uri` are safe to answer to, every other problem (no PKCE, `plain`, another response type, an unknown scope) goes back to the app as a 303 with RFC 6749 error parameters; otherwise a page explains the refusal. A valid request gets the consent page: it signs the person in if needed, names the app, the host its answer goes to and each scope in words, and posts Allow or Deny to `POST /oauth/authorize`. The page cannot be framed.",
      security: [],
      parameters: [
        queryParameter("response_type", "`code`", true, requestFields.response_type),
        queryParameter("client_id", "The registered app", true),
        queryParameter("redirect_uri", requestFields.redirect_uri.description),
        queryParameter("scope", requestFields.scope.description, true),
        queryParameter("state", requestFields.state.description),
        queryParameter("code_challenge", requestFields.code_challenge.description, true),
        queryParameter("code_challenge_method", "`S256`", true, requestFields.code_challenge_method),
      ],
      responses: {
        "200": {
          description:
            "The consent page (the dashboard's, which signs the person in first when needed). `Content-Security-Policy` has `frame-ancestors 'none'` and lets its form reach only lightd and the app's redirect origin.",
          headers: {
            "Content-Security-Policy": { description: "Includes `frame-ancestors 'none'`", schema: string },
            "X-Frame-Options": { description: "`DENY`", schema: string },
          },
          content: html,
        },
        "303": backToApp(
          "The request is refused with RFC 6749 §4.1.2.1 parameters (`invalid_request`, `unsupported_response_type`, `invalid_scope`).",
        ),
        "400": unsafeRedirect,
        "503": noIssuer,
      },
    },
    post: {
      operationId: "postOauthAuthorize",
      tags: ["OAuth"],
      summary: "Answer the consent page (Allow or Deny)",
      description:
        "What the consent page's form posts, with the signed-in person's session cookie (a cookie-authenticated post from another site is refused 403, as every such write is). Only the person's own sign-in answers it — a session opened by signing in or with the master token, or the master token; an API key, a programmatic or OAuth token, or a session opened with one, is refused 403. The authorization request's parameters are checked again exactly as `GET /oauth/authorize` checks them. Allow issues a code that works once, for 10 minutes, for this client, redirect URI and PKCE challenge, with the scopes the person can grant (asking for more than they have answers `invalid_scope`); Deny answers `access_denied`.",
      requestBody: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: {
              type: "object",
              properties: {
                ...requestFields,
                decision: { type: "string", enum: ["allow", "deny"], description: "The button the person pressed" },
              },
              required: [...REQUIRED, "decision"],
            },
          },
        },
      },
      responses: {
        "303": backToApp("Allow: `code` (RFC 6749 §4.1.2); Deny or a refused request: RFC 6749 error parameters."),
        "400": unsafeRedirect,
        "401": refusal("unauthorized", "Nobody is signed in (no valid session or token)"),
        "403": refusal(
          "forbidden",
          "Not the person's own sign-in: an API key, a programmatic or OAuth token, or a session opened with one",
        ),
        "415": refusal("unsupported_media_type", "The form is not `application/x-www-form-urlencoded`"),
        "429": {
          ...refusal("rate_limited", "Too many requests from this client or credential"),
          headers: {
            "Cache-Control": { description: "`no-store`", schema: string },
            "Retry-After": {
              description: "Seconds until a request may succeed",
              schema: { type: "integer", minimum: 0 },
            },
          },
        },
        "503": noIssuer,
      },
    },
  },
};
