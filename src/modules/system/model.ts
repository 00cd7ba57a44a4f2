import { t } from "elysia";

export const PingResponse = t.Object({
  ok: t.Boolean(),
  name: t.String(),
  version: t.String(),
  time: t.Integer({ description: "Server time, Unix ms" }),
});
