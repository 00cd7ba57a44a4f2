import { Elysia, t } from "elysia";
import type { Config } from "../../config";
import { baseUrlOf } from "../../http/base-url";
import type { AppGuard } from "../../http/guard-type";
import { requestPath } from "../files/service";
import { ErrorResponse } from "../system/model";
import { ShareBody, ShareParams, ShareResponse } from "./model";
import type { ShareService } from "./service";

export function sharesModule(guard: AppGuard, shares: ShareService, config: () => Config) {
  return new Elysia({ tags: ["Sharing"] })
    .use(guard)
    .post(
      "/files/share",
      ({ body, principal, request, set }) => {
        set.status = 201;
        return shares.create(principal, requestPath(body.path, "file"), body.ttl, baseUrlOf(request, config().server));
      },
      {
        auth: "share",
        body: ShareBody,
        response: {
          201: ShareResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
        detail: { summary: "Share a file", description: "Creates a temporary public link (default 1 h, max 7 days)." },
      },
    )
    .get(
      "/s/:token",
      async ({ params, request }) =>
        new Response(null, {
          status: 302,
          headers: {
            location: await shares.resolve(params.token, baseUrlOf(request, config().server)),
            "cache-control": "no-store",
          },
        }),
      {
        params: ShareParams,
        response: {
          302: t.Void({ description: "Redirect to a signed download URL" }),
          401: ErrorResponse,
          404: ErrorResponse,
        },
        detail: { summary: "Access a shared file (public)", security: [] },
      },
    );
}
