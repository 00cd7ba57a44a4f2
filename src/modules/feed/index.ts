import { Elysia, t } from "elysia";
import type { Config } from "../../config";
import { AppError, badRequest } from "../../domain/errors";
import { parsePrefix } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import { extractToken } from "../../http/auth";
import { keepOpen, upgradeToWebSocket } from "../../http/edge";
import type { AppGuard } from "../../http/guard-type";
import { crossOriginUpgradeRefusal } from "../../http/same-origin";
import { errorResponses } from "../../http/schemas";
import { FeedQuery, SpaceParams } from "./model";
import type { FeedService } from "./service";
import type { FeedSocketData } from "./socket";
import { feedEventStream } from "./sse";

const Errors = errorResponses(400, 401, 403, 426);

/** A token that authenticated now, checked again later: see CredentialVerifier.validityCheck. */
export type ValidityCheck = (token: string | null) => () => Promise<boolean>;

const WS_DESCRIPTION =
  "Upgrade to a WebSocket (auth by `?token=`, `Authorization` or the session cookie; a bad credential is refused with 401 before the upgrade). " +
  "Each message is one `ChangeEvent` (as in `/files/log`; `path` is null for a move or copy into a prefix key's prefix from outside), in tx order. Close codes: 1001 server shutting down, 1008 credential revoked or expired, " +
  "4008 slow consumer (reconnect with `since_tx` = the last tx received). Needs scope `files:read`.";

/**
 * Routes of the live change feed. They authenticate and check permissions like any route
 * (so refusals are ordinary JSON errors before an upgrade), then hand the connection to
 * the FeedService: WebSockets through the server's upgrade, SSE as a streamed response.
 */
export function feedModule(
  guard: AppGuard,
  feed: FeedService,
  validityCheck: ValidityCheck,
  maxBuffer: () => number,
  server: () => Pick<Config["server"], "public_url" | "trust_proxy">,
) {
  const upgrade = async (request: Request, principal: Principal, query: typeof FeedQuery.static, space?: string) => {
    // A browser opens WebSockets from any page with the cookie, and CORS does not apply.
    const refusal = crossOriginUpgradeRefusal(request, server());
    if (refusal) throw refusal;
    const prefix = query.prefix === undefined ? undefined : parsePrefix(query.prefix);
    const prepared = await feed.checkSubscription(principal, { prefix, sinceTx: query.since_tx, space });
    const data: FeedSocketData = { request: prepared, stillValid: validityCheck(extractToken(request)) };
    if (!upgradeToWebSocket(request, data)) throw new AppError("upgrade_required");
    // Bun has taken the connection over; this response is never sent.
    return new Response(null, { status: 101 });
  };

  return new Elysia({ tags: ["Live feed"] })
    .use(guard)
    .get("/ws/events", ({ request, principal, query }) => upgrade(request, principal, query), {
      auth: "files:read",
      query: FeedQuery,
      response: { 101: t.Any({ description: "Switching to the WebSocket protocol" }), ...Errors },
      detail: { summary: "Live change feed (WebSocket)", description: WS_DESCRIPTION },
    })
    .get("/ws/:space", ({ request, principal, query, params }) => upgrade(request, principal, query, params.space), {
      auth: "files:read",
      query: FeedQuery,
      params: SpaceParams,
      response: { 101: t.Any({ description: "Switching to the WebSocket protocol" }), ...Errors },
      detail: {
        summary: "Live change feed of one space (WebSocket)",
        description: `The form \`ws://host/ws/:id?token=\`: \`live\` or \`test\`, which must be the credential's own space (403 otherwise). ${WS_DESCRIPTION}`,
      },
    })
    .get(
      "/events",
      async ({ request, principal, query }) => {
        const prefix = query.prefix === undefined ? undefined : parsePrefix(query.prefix);
        const resumed = lastEventId(request);
        const prepared = await feed.checkSubscription(principal, {
          prefix,
          sinceTx: resumed ?? query.since_tx,
          name: resumed === undefined ? "since_tx" : "Last-Event-ID",
        });
        keepOpen(request);
        const body = feedEventStream(feed, prepared, validityCheck(extractToken(request)), maxBuffer());
        return new Response(body, {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            "x-accel-buffering": "no",
          },
        });
      },
      {
        auth: "files:read",
        query: FeedQuery,
        response: {
          200: t.String({ description: "The event stream", contentMediaType: "text/event-stream" }),
          ...errorResponses(400, 401, 403),
        },
        detail: {
          summary: "Live change feed (Server-Sent Events)",
          description:
            "The WebSocket feed as `text/event-stream`: `id:` is the tx, `data:` the `ChangeEvent` (as in `/files/log`; `path` may be null); resume with `Last-Event-ID` (it wins over `since_tx`). " +
            "A stream the server ends gets a last `event: close` with `{code, reason}` (the WebSocket close codes). Comments (`: ping`) are heartbeats.",
        },
      },
    );
}

/** The tx in a `Last-Event-ID` header, as EventSource sends it on reconnect; 400 when it is not one. */
function lastEventId(request: Request): number | undefined {
  const value = request.headers.get("last-event-id")?.trim();
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest("Last-Event-ID must be a tx number");
  return Number(value);
}
