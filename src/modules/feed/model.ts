import { t } from "elysia";

export const FeedQuery = t.Object({
  since_tx: t.Optional(
    t.Integer({
      minimum: 0,
      description: "Replay every event after this tx from the log, then continue live. Without it: live from now.",
    }),
  ),
  prefix: t.Optional(t.String({ description: "Only events under this folder or prefix (within the key's prefix)" })),
  token: t.Optional(t.String({ description: "The credential, where a header is impossible (browsers' WebSocket)" })),
});

export const SpaceParams = t.Object({
  space: t.Union([t.Literal("live"), t.Literal("test")], { description: "The credential's storage space" }),
});
