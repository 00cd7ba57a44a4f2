import { t } from "elysia";

export const ACTOR_PATTERN = "^[A-Za-z0-9_-]{1,64}$";

export const Actor = t.String({
  pattern: ACTOR_PATTERN,
  minLength: 1,
  maxLength: 64,
  description: "Account name: 1–64 letters, digits, `-` or `_` (case-insensitive, unique)",
  examples: ["alice"],
});

export const AccountType = t.Union([t.Literal("human"), t.Literal("agent")], {
  description: "Kind of account; defaults to human",
});

export const RegisterBody = t.Object({
  actor: Actor,
  type: t.Optional(AccountType),
  public_key: t.String({
    maxLength: 128,
    description: "Base64 Ed25519 public key: exactly 32 raw bytes (44 chars with padding)",
    examples: ["11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
  }),
  invite: t.Optional(
    t.String({ maxLength: 256, description: "An invite code from the admin (`lightd_inv_…`); needed in invite mode" }),
  ),
});

export const RegisterResponse = t.Object({
  actor: t.String(),
  type: t.String(),
});

export const ChallengeBody = t.Object({ actor: Actor });

export const ChallengeResponse = t.Object({
  challenge_id: t.String(),
  nonce: t.String({
    description: "Sign exactly these characters, as UTF-8 bytes, with the account's Ed25519 key",
  }),
  expires_at: t.Integer({ description: "Unix ms; the challenge works once, for 5 minutes" }),
});

export const VerifyBody = t.Object({
  challenge_id: t.String({ maxLength: 64 }),
  actor: Actor,
  signature: t.String({
    maxLength: 128,
    description: "Base64 detached Ed25519 signature (64 bytes) of the nonce's UTF-8 bytes",
  }),
});

export const SessionResponse = t.Object({
  token: t.String({ description: "Session token; use as `Authorization: Bearer <token>`" }),
  actor: t.String(),
  expires_at: t.Integer({ description: "Unix ms" }),
});

export const OpenSessionBody = t.Object({
  token: t.String({ maxLength: 512, description: "A master token, programmatic token, live API key or session token" }),
});

export const OpenSessionResponse = t.Object({
  actor: t.String(),
  expires_at: t.Integer({ description: "Unix ms" }),
});

export const LogoutResponse = t.Object({ ok: t.Boolean() });

export const MagicLinkBody = t.Object({
  email: t.String({ maxLength: 254, description: "Address to send the sign-in link to" }),
  "cf-turnstile-response": t.Optional(
    t.String({ maxLength: 4096, description: "Turnstile token (browser clients); required when Turnstile is on" }),
  ),
});

export const MagicLinkResponse = t.Object({ message: t.String() });

export const MagicLinkVerifyQuery = t.Object({
  token: t.String({ maxLength: 256, description: "The token from the e-mailed link" }),
});

/** An invite as the admin sees it (the invites are the registration rule's, served by the admin routes). */
export const InviteView = t.Object({
  id: t.String(),
  note: t.String(),
  created_at: t.Integer({ description: "Unix ms" }),
  expires_at: t.Integer({ description: "Unix ms" }),
  used_at: t.Nullable(t.Integer({ description: "Unix ms; null while unused" })),
  used_by: t.Nullable(t.String({ description: "The account it created" })),
});
