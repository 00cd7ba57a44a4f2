import { Elysia } from "elysia";
import type { Config } from "../../config";
import { decodeUrlPart, parsePath } from "../../domain/paths";
import { prefersHtml } from "../../http/accept";
import { notModified } from "../../http/download";
import { isHeadRequest } from "../../http/edge";
import type { AppGuard } from "../../http/guard-type";
import { publicOriginOf } from "../../http/links";
import { errorResponses } from "../../http/schemas";
import { RevokeResponse, ShareBody, ShareIdParams, ShareListResponse, ShareResponse } from "./model";
import { sharePage } from "./page";
import type { ShareOpening, ShareService } from "./service";

/**
 * The token and what follows `/s/{token}/` (decoded once; "" for none), from the raw URL.
 * The token is taken as sent: a real one is plain base62, so anything the router would have
 * to decode is simply unknown (401); a badly encoded path after it is a 400.
 */
function shareTargetOf(request: Request): { token: string; relative: string } {
  const url = request.url;
  const start = url.indexOf("/s/", url.indexOf("//") + 2) + "/s/".length;
  const query = url.indexOf("?", start);
  const rest = url.slice(start, query === -1 ? undefined : query);
  const slash = rest.indexOf("/");
  if (slash === -1) return { token: rest, relative: "" };
  return { token: rest.slice(0, slash), relative: decodeUrlPart(rest.slice(slash + 1)) };
}

/** The answer to a share URL; every one says no-store and sends no referrer (the token is in the URL). */
function shareResponse(opening: ShareOpening, request: Request): Response {
  const common = { "cache-control": "no-store", "referrer-policy": "no-referrer" };
  switch (opening.kind) {
    case "download":
      return new Response(null, { status: 302, headers: { ...common, location: opening.url } });
    case "head": {
      // The file's headers, under the conditions its download answers to (as HEAD /files/{path}).
      const file = opening.file;
      const headers: Record<string, string> = { ...common };
      if (file.etag) headers.etag = `"${file.etag}"`;
      if (notModified(request.headers, file.etag)) return new Response(null, { status: 304, headers });
      headers["content-type"] = file.content_type ?? "application/octet-stream";
      headers["content-length"] = String(file.size);
      return new Response(null, { status: 200, headers });
    }
    case "listing": {
      const { kind: _, ...listing } = opening;
      if (prefersHtml(request.headers.get("accept"))) {
        return sharePage(listing);
      }
      return Response.json(listing, { headers: { ...common, vary: "accept" } });
    }
  }
}

export function sharesModule(guard: AppGuard, shares: ShareService, config: () => Config) {
  const open = async (request: Request) => {
    const { token, relative } = shareTargetOf(request);
    const head = isHeadRequest(request);
    return shareResponse(
      await shares.open(token, relative, publicOriginOf(request, config().server), { head }),
      request,
    );
  };
  return (
    new Elysia({ tags: ["Sharing"] })
      .use(guard)
      .post(
        "/files/share",
        ({ body, principal, request, set }) => {
          set.status = 201;
          return shares.create(
            principal,
            parsePath(body.path),
            { ttl: body.ttl, maxDownloads: body.max_downloads },
            publicOriginOf(request, config().server),
          );
        },
        {
          auth: "share",
          body: ShareBody,
          response: { 201: ShareResponse, ...errorResponses(400, 401, 403, 404) },
          detail: {
            summary: "Share a file or folder",
            description:
              "Creates a temporary public link (default 1 h, max 7 days), optionally limited to `max_downloads`. The link follows its file or folder through moves; it dies when that is deleted, or when a shared file's bytes are replaced.",
          },
        },
      )
      .get(
        "/files/shares",
        async ({ principal, request }) => ({
          shares: await shares.list(principal, publicOriginOf(request, config().server)),
        }),
        {
          auth: "share",
          response: { 200: ShareListResponse, ...errorResponses(401, 403) },
          detail: {
            summary: "List share links",
            description:
              "The caller's live links (not expired, revoked or used up) to paths its key's prefix allows, newest first.",
          },
        },
      )
      .delete("/files/shares/:id", ({ params, principal }) => shares.revoke(principal, params.id), {
        auth: "share",
        params: ShareIdParams,
        response: { 200: RevokeResponse, ...errorResponses(400, 401, 403, 404) },
        detail: {
          summary: "Revoke a share link",
          description: "The link stops working at the next request. 404 for a link the caller cannot see.",
        },
      })
      // No `params` model: the token is read from the raw URL, so any token, however long or badly
      // encoded, is simply unknown (the seed's 401) rather than a validation error.
      // Documented by hand in ./openapi.ts (public, JSON or HTML, and the wildcard path).
      .get("/s/:token", ({ request }) => open(request))
      .get("/s/:token/*", ({ request }) => open(request))
  );
}
