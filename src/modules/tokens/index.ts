import { Elysia } from "elysia";
import { badRequest } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { FastRoute } from "../../http/fast-path";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import { parseTtl } from "../../lib/ttl";
import { CreatedTokenResponse, CreateTokenBody, CurrentCredentialResponse } from "./model";
import type { TokenService } from "./service";

/** GET /auth/me: who the presented credential acts as and what it may do. */
const credentialView = (principal: Principal) => ({
  actor: principal.actor,
  source: principal.source,
  scopes: [...principal.scopes],
  prefix: principal.prefix,
  space: principal.space,
});

/** GET /auth/me answered at the edge (src/http/fast-path.ts); any query goes to the app's route. */
export const credentialFastGet: FastRoute = {
  path: "/auth/me",
  appPath: "/auth/me",
  auth: true,
  takes: (_rest, query) => query === "",
  answer: (_request, _rest, principal) => Response.json(credentialView(principal as Principal)),
};

export function tokensModule(guard: AppGuard, tokens: TokenService) {
  return new Elysia({ tags: ["Tokens"] })
    .use(guard)
    .post(
      "/auth/tokens",
      async ({ body }) => {
        const ttlMs = parseTtl(body.ttl);
        if (ttlMs === null)
          throw badRequest("Invalid ttl: use a number and a unit s, m, h or d (e.g. 30s, 15m, 1h, 7d), at most 365d");
        const created = await tokens.create(ttlMs, body.remove_on_use ?? false);
        return {
          token: created.token,
          expires_at: new Date(created.expiresAt).toISOString(),
        };
      },
      {
        auth: "master",
        body: CreateTokenBody,
        response: { 200: CreatedTokenResponse, ...errorResponses(400, 401, 403) },
        detail: {
          summary: "Create a programmatic token",
          description: "Mints a token with a TTL, optionally single use. Master token only.",
        },
      },
    )
    .get("/auth/me", ({ principal }) => credentialView(principal), {
      auth: true,
      response: { 200: CurrentCredentialResponse, ...errorResponses(401) },
      detail: {
        summary: "Describe the calling credential",
        description: "Who the presented token acts as and what it may do. Consumes a single-use token.",
      },
    });
}
