import { Elysia } from "elysia";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import type { InviteService } from "../auth/invites";
import {
  AccountListResponse,
  AccountNameParams,
  AccountView,
  CreateAccountBody,
  CreatedInvite,
  CreateInviteBody,
  DeletedAccountResponse,
  InviteListResponse,
  InviteParams,
  QuotaBody,
  QuotaResponse,
  RevokedInviteResponse,
} from "./model";
import type { AdminService } from "./service";

export function adminModule(guard: AppGuard, admin: AdminService, invites: InviteService) {
  return new Elysia({ tags: ["Admin"] })
    .use(guard)
    .put(
      "/admin/accounts/:name/quota",
      ({ params, body }) => admin.setQuota(params.name, { bytes: body.bytes, files: body.files }),
      {
        auth: "admin",
        params: AccountNameParams,
        body: QuotaBody,
        response: { 200: QuotaResponse, ...errorResponses(400, 401, 403, 404, 429) },
        detail: {
          summary: "Set an account's quota",
          description:
            "Most bytes and files the account may store over its live and test spaces (null = no limit). Files already stored stay; writes that would pass the quota answer 507. Master token only.",
        },
      },
    )
    .post(
      "/admin/invites",
      ({ body, set }) => {
        set.status = 201;
        return invites.create(body.note ?? "", body.expires_in);
      },
      {
        auth: "admin",
        body: CreateInviteBody,
        response: { 201: CreatedInvite, ...errorResponses(400, 401, 403, 429) },
        detail: {
          summary: "Create an invite",
          description:
            "A single-use code for `/auth/register` when `accounts.registration` is `invite`. The code is shown once. Master token only.",
        },
      },
    )
    .get("/admin/invites", async () => ({ invites: await invites.list() }), {
      auth: "admin",
      response: { 200: InviteListResponse, ...errorResponses(401, 403, 429) },
      detail: {
        summary: "List invites",
        description: "Every invite, used or not (never the code). Master token only.",
      },
    })
    .delete(
      "/admin/invites/:id",
      async ({ params }) => {
        await invites.revoke(params.id);
        return { revoked: true };
      },
      {
        auth: "admin",
        params: InviteParams,
        response: { 200: RevokedInviteResponse, ...errorResponses(401, 403, 404, 429) },
        detail: {
          summary: "Revoke an invite",
          description: "Deletes the invite; its code stops working at once. Master token only.",
        },
      },
    )
    .get("/admin/accounts", async () => ({ accounts: await admin.list() }), {
      auth: "admin",
      response: { 200: AccountListResponse, ...errorResponses(401, 403, 429) },
      detail: { summary: "List accounts", description: "Every account, including `admin`. Master token only." },
    })
    .post(
      "/admin/accounts",
      ({ body, set }) => {
        set.status = 201;
        return admin.create(body.actor, body.type ?? "human", body.public_key, body.email);
      },
      {
        auth: "admin",
        body: CreateAccountBody,
        response: { 201: AccountView, ...errorResponses(400, 401, 403, 409, 429) },
        detail: {
          summary: "Create an account",
          description:
            "Creates an account that signs in with its Ed25519 key (`public_key`) or by magic link (`email`). Master token only.",
        },
      },
    )
    .delete(
      "/admin/accounts/:name",
      async ({ params }) => {
        const result = await admin.delete(params.name);
        return { deleted: true, actor: result.actor, objects: result.objects };
      },
      {
        auth: "admin",
        params: AccountNameParams,
        response: { 200: DeletedAccountResponse, ...errorResponses(400, 401, 403, 404, 429) },
        detail: {
          summary: "Delete an account",
          description:
            "Removes the account with its sessions, keys, files, events, uploads, shares and stored bytes. `admin` cannot be deleted. Master token only.",
        },
      },
    );
}
