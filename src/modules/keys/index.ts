import { Elysia } from "elysia";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import {
  CreatedKeyResponse,
  CreateKeyBody,
  DeletedKeyResponse,
  KeyIdParams,
  KeyListResponse,
  RotateKeyBody,
} from "./model";
import type { ApiKeyService, IssuedKey } from "./service";

function created(key: IssuedKey) {
  return {
    id: key.id,
    token: key.token,
    name: key.name,
    prefix: key.prefix,
    expires_at: key.expires_at,
    scopes: key.scopes,
    environment: key.environment,
  };
}

export function keysModule(guard: AppGuard, keys: ApiKeyService) {
  return new Elysia({ tags: ["Keys"] })
    .use(guard)
    .post(
      "/auth/keys",
      async ({ body, principal, set }) => {
        const key = await keys.create(principal, {
          name: body.name,
          prefix: body.prefix,
          scopes: body.scopes,
          environment: body.environment,
          expiresAt: body.expires_at,
          expiresIn: body.expires_in,
        });
        set.status = 201;
        return created(key);
      },
      {
        auth: "keys:write",
        body: CreateKeyBody,
        response: { 201: CreatedKeyResponse, ...errorResponses(400, 401, 403, 429) },
        detail: {
          summary: "Create an API key",
          description:
            "Returns the key's token exactly once. Its power is the owner's permissions ∩ `scopes` ∩ `prefix`, and never more than the calling credential's; a test key creates only test keys. An expiry is at most 365 days ahead, and never after the calling credential's own (unless that is the person's own sign-in): without one, the key gets the caller's. Scope `keys:write`.",
        },
      },
    )
    .get("/auth/keys", async ({ principal }) => ({ keys: await keys.list(principal) }), {
      auth: "keys:read",
      response: { 200: KeyListResponse, ...errorResponses(401, 403, 429) },
      detail: {
        summary: "List API keys",
        description:
          "Metadata only (never secrets) for the account's keys within the caller's power, with usage counts. Scope `keys:read`.",
      },
    })
    .delete(
      "/auth/keys/:id",
      async ({ params, principal }) => {
        await keys.revoke(principal, params.id);
        return { deleted: true };
      },
      {
        auth: "keys:write",
        params: KeyIdParams,
        response: { 200: DeletedKeyResponse, ...errorResponses(401, 403, 404, 429) },
        detail: {
          summary: "Delete an API key",
          description: "Revokes the key; its very next request is 401. Scope `keys:write`.",
        },
      },
    )
    .post(
      "/auth/keys/:id/rotate",
      async ({ params, body, principal }) =>
        created(await keys.rotate(principal, params.id, body.expires_at, body.expires_in)),
      {
        auth: "keys:write",
        params: KeyIdParams,
        body: RotateKeyBody,
        response: { 200: CreatedKeyResponse, ...errorResponses(400, 401, 403, 404, 429) },
        detail: {
          summary: "Rotate an API key",
          description:
            "Issues a new secret with a new expiry; the old secret stops working at once. Keys without an expiry cannot be rotated, and a key rotates at most once an hour (429). Scope `keys:write`.",
        },
      },
    );
}
