import { Elysia } from "elysia";
import type { Config } from "../../config";
import { AppError, asOAuthError, OAuthError } from "../../domain/errors";
import { type Authorizer, extractToken } from "../../http/auth";
import type { AppGuard } from "../../http/guard-type";
import { openApiDetail } from "../../http/openapi/contract";
import type { RateLimits } from "../../http/rate-limit";
import { errorResponses } from "../../http/schemas";
import { dashboardPage } from "../dashboard/page";
import { oauthApiModule } from "./api";
import { type AuthorizationRequest, readParams, redirectWith, UnsafeRedirectError } from "./authorize";
import { BASIC_CHALLENGE, clientCredentialsOf, NO_STORE, readOAuthForm } from "./form";
import { ConsentDetails, IntrospectionAnswer, OAuthErrorBody, RevokeAnswer, TokenAnswer } from "./model";
import { authorizeError } from "./pages";
import { SCOPE_WORDS } from "./scopes";
import { MISSING_ISSUER, type OAuthService } from "./service";

export interface OAuthModuleDeps {
  guard: AppGuard;
  authorizer: Authorizer;
  oauth: OAuthService;
  limits: RateLimits;
  config: () => Config;
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE, ...headers },
  });

/** RFC 9700 §4.11: after the consent POST, 303 so the browser never re-posts the form to the app. */
const seeOther = (location: string) =>
  new Response(null, {
    status: 303,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });

/** Where the consent form's 303 leads, for the page's form-action (scheme-only for private-use schemes). */
function formTargetOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

/**
 * An OAuth endpoint's failure in RFC 6749 form. Failed client or grant checks are charged to the
 * client address by the same rate rule as failed token authentications.
 */
async function oauthFailure(error: unknown, request: Request, limits: RateLimits): Promise<unknown> {
  const failure = asOAuthError(error);
  if (!failure) return error;
  if (failure.code === "invalid_client" || failure.code === "invalid_grant") await limits.failed(request);
  if (failure.code === "invalid_client" && !failure.headers["www-authenticate"]) {
    return new OAuthError(failure.code, failure.description, { ...failure.headers, ...BASIC_CHALLENGE });
  }
  return failure;
}

const tokenErrors = { 400: OAuthErrorBody, 401: OAuthErrorBody, 429: OAuthErrorBody, 503: OAuthErrorBody };

/** A form body (RFC 6749 §3.2) in the contract: the route reads it itself (`parse: "none"`). */
const formBody = (properties: Record<string, object>, required: string[]) => ({
  required: true,
  content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties, required } } },
});
const clientFields = {
  client_id: { type: "string", description: "Public apps, or confidential ones not using HTTP Basic" },
  client_secret: { type: "string", description: "Confidential apps not using HTTP Basic" },
};
const tokenFields = { token: { type: "string" }, token_type_hint: { type: "string" }, ...clientFields };

/**
 * The OAuth 2.0 authorization server (RFC 6749 + RFC 9700): discovery, the authorization
 * endpoint with its consent page, and the token, revocation and introspection endpoints. It
 * calls the existing rules — the credential verifier, the authorizer of the signed-in person,
 * the rate limits — and keeps none of its own.
 */
export function oauthModule(deps: OAuthModuleDeps) {
  const { oauth, limits } = deps;

  /** The answer to an authorization request goes back to the app's redirect URI, with `iss` (RFC 9207). */
  const answer = (
    request: Pick<AuthorizationRequest, "redirectUri">,
    state: string | undefined,
    fields: Record<string, string>,
  ) => seeOther(redirectWith(request.redirectUri, { ...fields, state, iss: oauth.issuer() }));
  const errorAnswer = (redirectUri: string, state: string | undefined, error: OAuthError) =>
    answer({ redirectUri }, state, { error: error.code, error_description: error.description });

  /** Runs a token-endpoint style handler: configured issuer, failure limit before argon2, RFC errors. */
  const protocol =
    (handler: (request: Request, params: Map<string, string>) => Promise<Response>) =>
    async ({ request }: { request: Request }) => {
      try {
        oauth.issuer();
        await limits.beforeVerify(request);
        return await handler(request, await readOAuthForm(request));
      } catch (error) {
        throw await oauthFailure(error, request, limits);
      }
    };

  return (
    new Elysia({ tags: ["OAuth"] })
      .use(deps.guard)
      // Documented by hand in ./openapi.ts: the swagger plugin leaves dot-segment paths out.
      .get(
        "/.well-known/oauth-authorization-server",
        () => json(oauth.metadata(), { "cache-control": "max-age=300" }),
        {
          detail: { hide: true },
        },
      )
      // Documented by hand in ./openapi.ts: a page, a 303 and refusals in two media types.
      .get(
        "/oauth/authorize",
        async ({ request }) => {
          if (!oauth.hasIssuer()) return authorizeError(request, "service_unavailable", MISSING_ISSUER);
          const params = readParams(new URL(request.url).searchParams);
          let target: string;
          try {
            target = (await oauth.authorization.resolveClient(params)).redirectUri;
          } catch (error) {
            if (error instanceof UnsafeRedirectError) return authorizeError(request, "bad_request", error.message);
            throw error;
          }
          try {
            await oauth.authorization.validate(params);
          } catch (error) {
            if (error instanceof OAuthError) return errorAnswer(target, params.get("state") ?? undefined, error);
            throw error;
          }
          // The consent page is a dashboard page: it asks who is signed in (or signs the person in) itself.
          return dashboardPage(deps.config(), [formTargetOf(target)]);
        },
        { detail: { summary: "Authorization endpoint" } },
      )
      .get(
        "/oauth/consent",
        async ({ request, principal }) => {
          // A lightd route (the dashboard's), so lightd's error body: see src/http/error-form.ts.
          if (!oauth.hasIssuer()) throw new AppError("service_unavailable", MISSING_ISSUER);
          let checked: AuthorizationRequest;
          try {
            checked = await oauth.authorization.validate(readParams(new URL(request.url).searchParams));
          } catch (error) {
            if (error instanceof UnsafeRedirectError) throw new AppError("bad_request", error.message);
            if (error instanceof OAuthError) throw new AppError("bad_request", error.description);
            throw error;
          }
          const target = new URL(checked.redirectUri);
          return {
            client_id: checked.client.id,
            client_name: checked.client.name,
            redirect_uri: checked.redirectUri,
            redirect_host: target.host || target.protocol.replace(/:$/, ""),
            actor: principal.actor,
            prefix: principal.prefix,
            scopes: checked.scopes.map((scope) => ({
              scope,
              description: SCOPE_WORDS[scope],
              granted: principal.scopes.has(scope),
            })),
          };
        },
        {
          auth: "own-sign-in",
          response: { 200: ConsentDetails, ...errorResponses(400, 401, 403, 429, 503) },
          detail: {
            summary: "Describe an authorization request",
            description:
              "For the consent page: takes the query of a `/oauth/authorize` request and names the app, where its answer goes and each scope in words, marking scopes the signed-in credential cannot grant. Only the person's own sign-in may answer the page (403 for an API key, a programmatic or OAuth token, or a session opened with one).",
          },
        },
      )
      .post(
        "/oauth/authorize",
        async ({ request }) => {
          // Who answers comes first: without the person signed in nothing else is worth telling.
          let principal: Awaited<ReturnType<Authorizer>>;
          try {
            principal = await deps.authorizer(request, "own-sign-in", extractToken(request));
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            const reason =
              error.code === "unauthorized"
                ? "Sign in to lightd first, then open the app's link again."
                : error.message;
            return authorizeError(request, error.code, reason, error.headers);
          }
          if (!oauth.hasIssuer()) return authorizeError(request, "service_unavailable", MISSING_ISSUER);
          if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) {
            return authorizeError(
              request,
              "unsupported_media_type",
              "The consent form must be posted as application/x-www-form-urlencoded.",
            );
          }
          const params = readParams(new URLSearchParams(await request.text()));
          const decision = params.get("decision");
          params.delete("decision");
          let target: string;
          try {
            target = (await oauth.authorization.resolveClient(params)).redirectUri;
          } catch (error) {
            if (error instanceof UnsafeRedirectError) return authorizeError(request, "bad_request", error.message);
            throw error;
          }
          const state = params.get("state") ?? undefined;
          try {
            const checked = await oauth.authorization.validate(params);
            if (decision !== "allow") throw new OAuthError("access_denied", "The person declined the request");
            return answer(checked, state, { code: await oauth.authorization.issueCode(principal, checked) });
          } catch (error) {
            if (error instanceof OAuthError) return errorAnswer(target, state, error);
            throw error;
          }
        },
        { parse: "none", detail: { summary: "Answer the consent page" } },
      )
      .post(
        "/oauth/token",
        protocol(async (request, params) => {
          const client = await oauth.clients.authenticate(clientCredentialsOf(request, params));
          const grantType = params.get("grant_type");
          if (grantType === "authorization_code") return json(await oauth.tokens.exchangeCode(client, params));
          if (grantType === "refresh_token") return json(await oauth.tokens.refresh(client, params));
          if (grantType === undefined) throw new OAuthError("invalid_request", "grant_type is required");
          throw new OAuthError("unsupported_grant_type", "Use grant_type authorization_code or refresh_token");
        }),
        {
          parse: "none",
          response: { 200: TokenAnswer, ...tokenErrors },
          detail: openApiDetail({
            summary: "Token endpoint",
            description:
              "RFC 6749 §4.1.3 and §6, form-encoded. `authorization_code` needs `code`, `redirect_uri` (as in the authorization request) and `code_verifier`; a code works once, for 10 minutes, and a second use revokes what the first issued. `refresh_token` rotates: the old refresh token is spent, and presenting it again revokes the whole authorization (a duplicate within 2 seconds gets the same answer). Confidential apps authenticate the way they registered (`client_secret_basic`: HTTP Basic; `client_secret_post`: `client_secret` in the body; the other way is refused); public apps send `client_id` only. Access tokens live 1 hour; refresh tokens expire after 30 days unused.",
            security: [],
            requestBody: formBody(
              {
                grant_type: { type: "string", enum: ["authorization_code", "refresh_token"] },
                code: { type: "string" },
                redirect_uri: { type: "string" },
                code_verifier: { type: "string" },
                refresh_token: { type: "string" },
                ...clientFields,
              },
              ["grant_type"],
            ),
          }),
        },
      )
      .post(
        "/oauth/revoke",
        protocol(async (request, params) => {
          const client = await oauth.clients.authenticate(clientCredentialsOf(request, params));
          const token = params.get("token");
          if (!token) throw new OAuthError("invalid_request", "token is required");
          await oauth.tokens.revoke(client, token);
          return json({});
        }),
        {
          parse: "none",
          response: { 200: RevokeAnswer, ...tokenErrors },
          detail: openApiDetail({
            summary: "Revoke a token",
            description:
              "RFC 7009: a refresh token ends the whole authorization (its access tokens too), an access token only itself. Unknown or foreign tokens are answered 200 as well.",
            security: [],
            requestBody: formBody(tokenFields, ["token"]),
          }),
        },
      )
      .post(
        "/oauth/introspect",
        protocol(async (request, params) => {
          const client = await oauth.clients.authenticate(clientCredentialsOf(request, params));
          const token = params.get("token");
          if (!token) throw new OAuthError("invalid_request", "token is required");
          return json(await oauth.tokens.introspect(client, token, (id) => oauth.actorOf(id), oauth.issuer()));
        }),
        {
          parse: "none",
          response: { 200: IntrospectionAnswer, ...tokenErrors },
          detail: openApiDetail({
            summary: "Introspect a token",
            description:
              'RFC 7662, for confidential apps about their own tokens: `active`, `scope`, `client_id`, `username`, `exp`, `iat`. Anything not live answers only `{"active": false}`.',
            security: [],
            requestBody: formBody(tokenFields, ["token"]),
          }),
        },
      )
      .use(oauthApiModule(deps.guard, oauth))
  );
}
