import { t } from "elysia";

export const ErrorResponse = t.Object(
  {
    error: t.String({ description: "Machine-readable code, e.g. not_found" }),
    message: t.String({ description: "Human-readable text" }),
  },
  { description: "Error" },
);

export const PingResponse = t.Object({
  ok: t.Boolean(),
  name: t.String(),
  version: t.String(),
  time: t.Integer({ description: "Server time, Unix ms" }),
});
