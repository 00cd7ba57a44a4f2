import { Elysia } from "elysia";
import type { AppGuard } from "../../http/guard-type";
import { errorResponses } from "../../http/schemas";
import {
  CreatedHook,
  CreateHookBody,
  DeletedHook,
  DeliveriesQuery,
  DeliveryList,
  HookIdParams,
  HookList,
} from "./model";
import type { HookService } from "./service";

/** Webhooks: each change the credential may read is POSTed, signed, to the hook's URL. */
export function hooksModule(guard: AppGuard, hooks: HookService) {
  return new Elysia({ tags: ["Webhooks"] })
    .use(guard)
    .post(
      "/hooks",
      async ({ body, principal, set }) => {
        const created = await hooks.create(principal, body);
        set.status = 201;
        return created;
      },
      {
        auth: "files:read",
        body: CreateHookBody,
        response: { 201: CreatedHook, ...errorResponses(400, 401, 403, 409, 429) },
        detail: {
          summary: "Create a webhook",
          description:
            "Every later change under `prefix` (and of the given `actions`) is POSTed to `url` as `{type, timestamp, data}` with `data` a /files/log event, " +
            "signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,…`) with the `secret` returned here once. " +
            "Deliveries are queued durably, sent in tx order, retried after 5 s, doubling up to 10 minutes apart, for 24 h. " +
            "URLs on private or loopback addresses are refused unless `webhooks.allow_private` is set. Scope `files:read`.",
        },
      },
    )
    .get("/hooks", async ({ principal }) => ({ hooks: await hooks.list(principal) }), {
      auth: "files:read",
      response: { 200: HookList, ...errorResponses(401, 403, 429) },
      detail: { summary: "List webhooks", description: "Never shows the secrets." },
    })
    .delete(
      "/hooks/:id",
      async ({ principal, params }) => {
        await hooks.remove(principal, params.id);
        return { id: params.id, deleted: true };
      },
      {
        auth: "files:read",
        params: HookIdParams,
        response: { 200: DeletedHook, ...errorResponses(401, 403, 404, 429) },
        detail: { summary: "Delete a webhook", description: "Its pending deliveries are dropped." },
      },
    )
    .get(
      "/hooks/:id/deliveries",
      async ({ principal, params, query }) => ({
        deliveries: await hooks.deliveries(principal, params.id, query.limit ?? 50),
      }),
      {
        auth: "files:read",
        params: HookIdParams,
        query: DeliveriesQuery,
        response: { 200: DeliveryList, ...errorResponses(401, 403, 404, 429) },
        detail: {
          summary: "List a webhook's deliveries",
          description: "Newest first, with each one's status and last attempt.",
        },
      },
    );
}
