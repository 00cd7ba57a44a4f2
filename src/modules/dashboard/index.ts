import { Elysia } from "elysia";
import type { Config } from "../../config";
import { noSuch } from "../../domain/errors";
import { ASSETS, dashboardPage, SECURITY_HEADERS } from "./page";

function gzipAccepted(request: Request): boolean {
  return /\bgzip\b/i.test(request.headers.get("accept-encoding") ?? "");
}

/** Serves the web dashboard at `/` and its assets under `/ui/assets/`; it talks only to the public API. */
export function dashboardModule(config: () => Config) {
  const page = () => dashboardPage(config());
  return new Elysia({ name: "dashboard" }).get("/", page, { detail: { hide: true } }).get(
    "/ui/assets/:name",
    ({ params, request }) => {
      const found = ASSETS.get(params.name);
      if (!found) throw noSuch("dashboard asset");
      const gzip = gzipAccepted(request);
      return new Response(gzip ? found.gzip : found.plain, {
        headers: {
          "content-type": found.type,
          "cache-control": "public, max-age=31536000, immutable",
          vary: "accept-encoding",
          ...(gzip ? { "content-encoding": "gzip" } : {}),
          ...SECURITY_HEADERS,
        },
      });
    },
    { detail: { hide: true } },
  );
}
