import { Elysia } from "elysia";
import type { AppGuard } from "../../http/guard-type";
import { ErrorResponse } from "../system/model";
import {
  AccountListResponse,
  AccountNameParams,
  AccountView,
  CreateAccountBody,
  DeletedAccountResponse,
} from "./model";
import { type AdminService, requireAdmin } from "./service";

const denied = { 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse };

export function adminModule(guard: AppGuard, admin: AdminService) {
  return new Elysia({ tags: ["Admin"] })
    .use(guard)
    .get(
      "/admin/accounts",
      ({ principal }) => {
        requireAdmin(principal);
        return { accounts: admin.list() };
      },
      {
        auth: "admin",
        response: { 200: AccountListResponse, ...denied },
        detail: { summary: "List accounts", description: "Every account, including `admin`. Master token only." },
      },
    )
    .post(
      "/admin/accounts",
      ({ body, principal, set }) => {
        requireAdmin(principal);
        set.status = 201;
        return admin.create(body.actor, body.type ?? "human", body.public_key, body.email);
      },
      {
        auth: "admin",
        body: CreateAccountBody,
        response: { 201: AccountView, 400: ErrorResponse, 409: ErrorResponse, ...denied },
        detail: {
          summary: "Create an account",
          description:
            "Creates an account that signs in with its Ed25519 key (`public_key`) or by magic link (`email`). Master token only.",
        },
      },
    )
    .delete(
      "/admin/accounts/:name",
      async ({ params, principal }) => {
        requireAdmin(principal);
        const result = await admin.delete(params.name);
        return { deleted: true, actor: result.actor, objects: result.objects };
      },
      {
        auth: "admin",
        params: AccountNameParams,
        response: { 200: DeletedAccountResponse, 400: ErrorResponse, 404: ErrorResponse, ...denied },
        detail: {
          summary: "Delete an account",
          description:
            "Removes the account with its sessions, keys, files, events, uploads, shares and stored bytes. `admin` cannot be deleted. Master token only.",
        },
      },
    );
}
