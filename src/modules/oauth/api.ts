import { Elysia } from "elysia";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import {
  AuthorizedAppList,
  ClientInformation,
  ClientList,
  Deleted,
  IdParams,
  OAuthErrorBody,
  RegisterClientBody,
} from "./model";
import type { OAuthService } from "./service";

/**
 * The registration endpoint's refusals are RFC 7591 bodies, the guard's too (src/http/error-form.ts);
 * its 401 and 429 are added to the contract in that form with their headers.
 */
const refused = { 403: OAuthErrorBody, 404: OAuthErrorBody };

/**
 * The signed-in person's side of OAuth: the apps they registered (RFC 7591 shapes; the secret
 * is shown once) and the apps they authorized. Managing either is managing credentials, so it
 * takes the key scopes.
 */
export function oauthApiModule(guard: AppGuard, oauth: OAuthService) {
  return new Elysia({ tags: ["OAuth"] })
    .use(guard)
    .post(
      "/oauth/clients",
      async ({ body, principal, set }) => {
        const created = await oauth.clients.register(principal, body);
        set.status = 201;
        set.headers["cache-control"] = "no-store";
        return created;
      },
      {
        auth: "keys:write",
        body: RegisterClientBody,
        response: { 201: ClientInformation, 400: OAuthErrorBody, 403: OAuthErrorBody },
        detail: {
          summary: "Register an OAuth application",
          description:
            "RFC 7591 registration by a signed-in account: `client_name`, `redirect_uris` and `token_endpoint_auth_method` (`none` for public apps, `client_secret_basic` by default). Answers `client_id`, `client_id_issued_at` and, for confidential apps, `client_secret` — shown this once, stored only as an argon2id hash. Scope `keys:write`.",
        },
      },
    )
    .get("/oauth/clients", async ({ principal }) => ({ clients: await oauth.clients.list(principal) }), {
      auth: "keys:read",
      response: { 200: ClientList, 403: OAuthErrorBody },
      detail: {
        summary: "List your OAuth applications",
        description: "The account's registered apps, never their secrets. Scope `keys:read`.",
      },
    })
    .delete(
      "/oauth/clients/:id",
      async ({ params, principal }) => {
        await oauth.clients.delete(principal, params.id);
        return { deleted: true };
      },
      {
        auth: "keys:write",
        params: IdParams,
        response: { 200: Deleted, ...refused },
        detail: {
          summary: "Delete an OAuth application",
          description: "Every authorization, code and token of the app ends at once. Scope `keys:write`.",
        },
      },
    )
    .post(
      "/oauth/clients/:id/secret",
      async ({ params, principal, set }) => {
        set.headers["cache-control"] = "no-store";
        return oauth.clients.rotateSecret(principal, params.id);
      },
      {
        auth: "keys:write",
        params: IdParams,
        response: { 200: ClientInformation, 400: OAuthErrorBody, ...refused },
        detail: {
          summary: "Rotate an OAuth application's secret",
          description:
            "Issues a new `client_secret` (shown this once); the old one stops working at once. Public apps have none (400). Scope `keys:write`.",
        },
      },
    )
    .get("/oauth/authorizations", async ({ principal }) => ({ authorizations: await oauth.apps.list(principal) }), {
      auth: "keys:read",
      response: { 200: AuthorizedAppList, ...errorResponses(401, 403, 429) },
      detail: {
        summary: "List the apps you authorized",
        description:
          "Each app with its scopes, when it was allowed and when its tokens were last used. Scope `keys:read`.",
      },
    })
    .delete(
      "/oauth/authorizations/:id",
      async ({ params, principal }) => {
        await oauth.apps.revoke(principal, params.id);
        return { deleted: true };
      },
      {
        auth: "keys:write",
        params: IdParams,
        response: { 200: Deleted, ...errorResponses(401, 403, 404, 429) },
        detail: {
          summary: "Revoke an app's access",
          description: "Its access and refresh tokens are refused from their very next request. Scope `keys:write`.",
        },
      },
    );
}
