import { t } from "elysia";
import { SCOPES } from "../../domain/principal";

const ScopeName = t.Union(
  SCOPES.map((s) => t.Literal(s)),
  { description: "files:read, files:write, files:delete, share, keys:read, keys:write, admin" },
);

const Environment = t.Union([t.Literal("live"), t.Literal("test")], {
  description: "`live` keys see the account's files; `test` keys a separate, empty space",
});

const ExpiresAt = t.Union([t.Integer({ minimum: 0 }), t.String({ maxLength: 40 })], {
  description: "Expiry as Unix ms or an ISO 8601 date-time",
});

export const CreateKeyBody = t.Object({
  name: t.Optional(t.String({ maxLength: 100, description: "Label to recognise the key by" })),
  prefix: t.Optional(
    t.String({
      maxLength: 1024,
      description: "Restrict to paths under this folder (e.g. `docs/`); defaults to the creator's prefix",
    }),
  ),
  expires_in: t.Optional(t.Integer({ minimum: 1, description: "Seconds until expiry" })),
  expires_at: t.Optional(ExpiresAt),
  scopes: t.Optional(
    t.Array(ScopeName, {
      minItems: 1,
      uniqueItems: true,
      description: "Scopes, a subset of the creator's; defaults to the creator's",
    }),
  ),
  environment: t.Optional(Environment),
});

export const RotateKeyBody = t.Object({
  expires_at: t.Optional(ExpiresAt),
  expires_in: t.Optional(t.Integer({ minimum: 1, description: "Seconds until expiry" })),
});

export const KeyIdParams = t.Object({ id: t.String({ maxLength: 64 }) });

export const CreatedKeyResponse = t.Object({
  id: t.String(),
  token: t.String({ description: "Store securely — not shown again" }),
  name: t.String(),
  prefix: t.String(),
  expires_at: t.Union([t.Integer(), t.Null()], { description: "Unix ms, or null for no expiry" }),
  scopes: t.Array(t.String()),
  environment: t.String(),
});

export const KeyMetadata = t.Object({
  id: t.String(),
  name: t.String(),
  prefix: t.String(),
  scopes: t.Array(t.String()),
  environment: t.String(),
  created_at: t.Integer({ description: "Unix ms" }),
  expires_at: t.Union([t.Integer(), t.Null()], { description: "Unix ms, or null" }),
  last_used_at: t.Union([t.Integer(), t.Null()], { description: "Unix ms, or null if never used" }),
  use_count: t.Integer(),
});

export const KeyListResponse = t.Object({ keys: t.Array(KeyMetadata) });

export const DeletedKeyResponse = t.Object({ deleted: t.Boolean() });
