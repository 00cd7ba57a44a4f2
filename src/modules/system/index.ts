import { Elysia } from "elysia";
import { PingResponse } from "./model";

export function systemModule(version: string) {
  return new Elysia({ tags: ["System"] }).get(
    "/api/v1/public/ping",
    () => ({ ok: true, name: "lightd", version, time: Date.now() }),
    {
      response: { 200: PingResponse },
      detail: { summary: "Health check (public)", security: [] },
    },
  );
}
