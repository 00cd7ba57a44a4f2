import { t } from "elysia";
import { AccountType, Actor, InviteView } from "../auth/model";

export const AccountView = t.Object({
  actor: t.String(),
  type: t.String(),
  email: t.Union([t.String(), t.Null()]),
  public_key: t.Union([t.String(), t.Null()], { description: "Base64 Ed25519 public key, or null" }),
  created_at: t.Integer({ description: "Unix ms" }),
  quota_bytes: t.Nullable(t.Integer({ description: "Most bytes the account may store; null = no limit" })),
  quota_files: t.Nullable(t.Integer({ description: "Most files the account may store; null = no limit" })),
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

const QuotaLimit = (what: string) =>
  t.Nullable(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `Most ${what}; null = no limit` }));

export const QuotaBody = t.Object({ bytes: QuotaLimit("bytes"), files: QuotaLimit("files") });

export const QuotaResponse = t.Object({
  actor: t.String(),
  quota: t.Object({
    bytes: t.Nullable(t.Integer()),
    files: t.Nullable(t.Integer()),
    used_bytes: t.Integer(),
    used_files: t.Integer(),
  }),
});

export const CreateInviteBody = t.Object({
  note: t.Optional(t.String({ maxLength: 200, description: "Who the invite is for (shown in the list)" })),
  expires_in: t.Optional(
    t.Integer({ minimum: 60, maximum: 365 * 86_400, description: "Seconds until the code expires (default 7 days)" }),
  ),
});

export const CreatedInvite = t.Object({
  ...InviteView.properties,
  code: t.String({
    description: "The invite code (`lightd_inv_…`), shown once: pass it as `invite` to /auth/register",
  }),
});

export const InviteListResponse = t.Object({ invites: t.Array(InviteView) });
export const InviteParams = t.Object({ id: t.String({ maxLength: 64 }) });
export const RevokedInviteResponse = t.Object({ revoked: t.Boolean() });
