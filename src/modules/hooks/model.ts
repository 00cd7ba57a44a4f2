import { t } from "elysia";
import { EVENT_ACTIONS } from "../../storage/db/events";

const Action = t.Union(
  EVENT_ACTIONS.map((a) => t.Literal(a)),
  { description: "An action name of the event log" },
);

export const CreateHookBody = t.Object({
  url: t.String({ maxLength: 2048, description: "http(s) URL that receives a signed POST per event" }),
  prefix: t.Optional(t.String({ maxLength: 1024, description: "Only events under this folder or prefix" })),
  actions: t.Optional(
    t.Array(Action, { minItems: 1, uniqueItems: true, description: "Only these actions (default: all)" }),
  ),
});

const HookFields = {
  id: t.String(),
  url: t.String(),
  prefix: t.String({ description: '"" = every path the credential may read' }),
  actions: t.Array(t.String()),
  created_at: t.Integer({ description: "Unix ms" }),
};

export const Hook = t.Object(HookFields);

export const CreatedHook = t.Object({
  ...HookFields,
  secret: t.String({ description: "The signing secret (`whsec_…`), shown only in this answer" }),
});

export const HookList = t.Object({ hooks: t.Array(Hook) });

export const HookIdParams = t.Object({ id: t.String({ maxLength: 64 }) });

export const DeletedHook = t.Object({ id: t.String(), deleted: t.Boolean() });

export const DeliveriesQuery = t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 50 })) });

export const DeliveryList = t.Object({
  deliveries: t.Array(
    t.Object({
      id: t.String({ description: "The `webhook-id` header, the same on every attempt" }),
      tx: t.Integer(),
      status: t.Union([t.Literal("pending"), t.Literal("delivered"), t.Literal("failed")]),
      attempts: t.Integer(),
      next_attempt_at: t.Nullable(t.Integer({ description: "Unix ms of the next attempt while pending" })),
      last_status: t.Nullable(t.Integer({ description: "HTTP status of the last attempt" })),
      last_error: t.Nullable(t.String()),
      created_at: t.Integer(),
      delivered_at: t.Nullable(t.Integer()),
    }),
  ),
});
