import { t } from "elysia";

export const CreateTokenBody = t.Object({
  ttl: t.String({
    description: "Lifetime: a number and a unit, s m h or d (e.g. 30s, 15m, 1h, 7d); at most 365d",
    examples: ["1h"],
  }),
  remove_on_use: t.Optional(
    t.Boolean({
      default: false,
      description: "Token authenticates exactly once",
    }),
  ),
});

export const CreatedTokenResponse = t.Object({
  token: t.String({ description: "The token; shown once" }),
  expires_at: t.String({ format: "date-time", description: "ISO 8601 expiry" }),
});

export const CurrentCredentialResponse = t.Object({
  actor: t.String({ description: "Account the credential acts as; the master token is `admin`" }),
  source: t.Union([
    t.Literal("master"),
    t.Literal("token"),
    t.Literal("session"),
    t.Literal("key"),
    t.Literal("oauth"),
    t.Literal("anonymous"),
  ]),
  scopes: t.Array(t.String(), { description: "Effective scopes: the owner's permissions ∩ the credential's" }),
  prefix: t.String({ description: 'Path prefix the credential is limited to ("" = everything)' }),
  space: t.Union([t.Literal("live"), t.Literal("test")], { description: "Storage space: test keys see their own" }),
});
