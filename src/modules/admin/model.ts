import { t } from "elysia";
import { AccountType, Actor } from "../auth/model";

export const AccountView = t.Object({
  actor: t.String(),
  type: t.String(),
  email: t.Union([t.String(), t.Null()]),
  public_key: t.Union([t.String(), t.Null()], { description: "Base64 Ed25519 public key, or null" }),
  created_at: t.Integer({ description: "Unix ms" }),
});

export const AccountListResponse = t.Object({ accounts: t.Array(AccountView) });

export const CreateAccountBody = t.Object({
  actor: Actor,
  type: t.Optional(AccountType),
  public_key: t.Optional(t.String({ maxLength: 128, description: "Base64 Ed25519 public key (32 bytes)" })),
  email: t.Optional(t.String({ maxLength: 254, description: "Address for magic-link sign-in" })),
});

export const AccountNameParams = t.Object({ name: Actor });

export const DeletedAccountResponse = t.Object({
  deleted: t.Boolean(),
  actor: t.String(),
  objects: t.Integer({ description: "Stored objects removed with the account" }),
});
