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
