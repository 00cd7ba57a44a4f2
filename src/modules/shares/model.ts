import { t } from "elysia";

export const ShareBody = t.Object({
  path: t.String({ description: "File path" }),
  ttl: t.Optional(
    t.Integer({ minimum: 1, maximum: 604_800, default: 3600, description: "Seconds (default 3600, max 604800)" }),
  ),
});

export const ShareResponse = t.Object({
  url: t.String({ description: "Public link; anyone holding it can download until it expires" }),
  token: t.String(),
  expires_at: t.Integer({ description: "Unix ms" }),
  ttl: t.Integer(),
});

// No length cap here: any unknown token, however long, is the seed's 401 (the service refuses > 128 chars unhashed).
export const ShareParams = t.Object({ token: t.String({ description: "Share token" }) });
