import { Elysia, t } from "elysia";
import type { Config } from "../../config";
import type { FileEntry, StoredEntry } from "../../domain/files";
import { parsePath, parsePrefix, parseUrlPath } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import { wantsJson } from "../../http/accept";
import { writeConditionsOf } from "../../http/conditions";
import { notModified, type ObjectSource, serveObject } from "../../http/download";
import { isHeadRequest } from "../../http/edge";
import type { FastRoute } from "../../http/fast-path";
import type { AppGuard } from "../../http/guard-type";
import { publicOriginOf } from "../../http/links";
import { queryPathOf } from "../../http/query-path";
import { errorResponses } from "../../http/schemas";
import { uploadBodyOf } from "../../http/upload-body";
import { andThen } from "../../lib/awaitable";
import { contentDisposition } from "../../lib/content-disposition";
import { httpDate } from "../../lib/http-date";
import {
  CommitResponse,
  ConditionalWriteHeaders,
  CopyBody,
  CopyResponse,
  DeleteResponse,
  FileMetadata,
  ListQuery,
  ListResponse,
  LogQuery,
  LogResponse,
  logEventView,
  MkdirBody,
  MkdirResponse,
  MoveBody,
  MoveResponse,
  PutQuery,
  SearchQuery,
  SearchResponse,
  StatsResponse,
} from "./model";
import type { FileService } from "./service";
import type { VersionService } from "./versions";
import type { CommitResult } from "./writes";

// The errors each route really answers (the contract test provokes every one; 401, 406 and 429
// are added to every authenticated route by the document builder).
const Errors = errorResponses(400, 401, 403, 404, 409);
const Conditional = { ...Errors, ...errorResponses(412, 507) };
/** Reads that take a path or prefix: it can be malformed or outside the key's prefix. */
const ReadErrors = errorResponses(400, 401, 403);

/** The path after `/files/`, taken from the raw URL so it is decoded exactly once. */
function filePathOf(request: Request, expect?: "file" | "folder"): string {
  const url = request.url;
  const start = url.indexOf("/files/", url.indexOf("//") + 2) + "/files/".length;
  const query = url.indexOf("?", start);
  return parseUrlPath(url.slice(start, query === -1 ? undefined : query), expect);
}

/** HEAD /files/{path}: the file's headers, under the conditions its download answers to. */
function headResponse(row: FileEntry, request: Request): Response {
  const headers: Record<string, string> = {
    "last-modified": httpDate(row.updated_at),
    "x-lightd-tx": String(row.tx),
  };
  if (row.etag) headers.etag = `"${row.etag}"`;
  if (notModified(request.headers, row.etag)) return new Response(null, { status: 304, headers });
  headers["content-type"] = row.content_type ?? "application/x-directory";
  headers["content-length"] = String(row.size);
  return new Response(null, { status: 200, headers });
}

const entryOf = (row: FileEntry) => ({
  name: row.name,
  path: row.path,
  type: row.type,
  size: row.size,
  content_type: row.content_type,
  etag: row.etag,
  updated_at: row.updated_at,
  tx: row.tx,
  tx_time: row.updated_at,
});

/**
 * The one-request download: `?redirect=false`, or an Accept header that asks for bytes
 * (`application/octet-stream`) and not JSON, streams the file itself instead of a 302.
 */
function wantsBytes(request: Request, redirect: unknown): boolean {
  if (redirect === "false") return true;
  return (request.headers.get("accept")?.toLowerCase() ?? "").includes("application/octet-stream");
}

/**
 * A file's download as GET /files/{path} answers it when the client did not ask for JSON:
 * a 302 to a signed URL, or the bytes themselves when asked (`?redirect=false`, octet-stream).
 */
function fileDownload(files: FileService, config: () => Config, objects: ObjectSource) {
  return (row: StoredEntry, request: Request, redirect: unknown): Response | Promise<Response> => {
    if (wantsBytes(request, redirect)) {
      const object = files.downloadable(row);
      return serveObject(objects, object.key, request.headers, true, {
        contentType: object.contentType,
        stat: object.stat,
        disposition: contentDisposition(row.name),
        lastModified: row.updated_at,
      });
    }
    return andThen(
      files.downloadUrl(row, publicOriginOf(request, config().server)),
      (url) => new Response(null, { status: 302, headers: { location: url } }),
    );
  };
}

/**
 * GET /files/{path} answered at the edge (src/http/fast-path.ts): the 302 and the
 * one-request download. JSON, a HEAD and any other query (`?tx=`, `?token=`) go to the app's route.
 */
export function fileFastGet(files: FileService, config: () => Config, objects: ObjectSource): FastRoute {
  const download = fileDownload(files, config, objects);
  return {
    path: "/files/",
    appPath: "/files/*",
    auth: "files:read",
    takes: (rest, query, request) => rest !== "" && (query === "" || query === "redirect=false") && !wantsJson(request),
    answer: (request, _rest, principal) => {
      // `takes` let through no query or exactly `redirect=false`.
      const redirect = request.url.endsWith("?redirect=false") ? "false" : undefined;
      return andThen(files.stat(principal as Principal, filePathOf(request)), (row) =>
        download(row, request, redirect),
      );
    },
  };
}

/**
 * A file's upload as PUT /files/{path} stores it: the body under the one upload size rule,
 * with its Content-Type, the commit message and the conditional headers.
 */
function fileUpload(files: FileService, config: () => Config) {
  return (request: Request, principal: Principal, message: string | undefined): Promise<CommitResult> => {
    const path = filePathOf(request, "file");
    const upload = uploadBodyOf(request, config().server.max_upload_bytes);
    return files.putStream(principal, path, upload.body, {
      contentType: request.headers.get("content-type"),
      maxBytes: upload.maxBytes,
      declaredBytes: upload.declaredBytes,
      message,
      conditions: writeConditionsOf(request),
    });
  };
}

/**
 * PUT /files/{path} answered at the edge (src/http/fast-path.ts): an upload without a query.
 * One with a query (`?message=`, whose schema the app checks) goes to the app's route.
 */
export function fileFastPut(files: FileService, config: () => Config): FastRoute {
  const upload = fileUpload(files, config);
  return {
    method: "PUT",
    path: "/files/",
    appPath: "/files/*",
    auth: "files:write",
    takes: (rest, query) => rest !== "" && query === "",
    answer: (request, _rest, principal) =>
      upload(request, principal as Principal, undefined).then((result) => Response.json(result)),
  };
}

export function filesModule(
  guard: AppGuard,
  files: FileService,
  config: () => Config,
  versions: VersionService,
  objects: ObjectSource,
) {
  const download = fileDownload(files, config, objects);
  const upload = fileUpload(files, config);
  return new Elysia({ tags: ["Files"] })
    .use(guard)
    .get(
      "/files",
      async ({ query, principal, request }) => {
        const prefix = parsePrefix(queryPathOf(request, "prefix") ?? query.prefix);
        const listing = await files.list(principal, prefix, query.limit ?? 200, query.offset ?? 0);
        return { prefix: listing.prefix, entries: listing.rows.map(entryOf), truncated: listing.truncated };
      },
      {
        auth: "files:read",
        query: ListQuery,
        response: { 200: ListResponse, ...ReadErrors },
        detail: {
          summary: "List files",
          description: "Directory listing of one folder: its files and the folders one level below, folders first.",
        },
      },
    )
    .get(
      "/files/search",
      async ({ query, principal }) => ({
        query: query.q,
        results: (await files.search(principal, query.q, query.limit ?? 50)).map((r) => ({
          path: r.path,
          name: r.name,
          size: r.size,
          content_type: r.content_type,
          updated_at: r.updated_at,
          tx: r.tx,
        })),
      }),
      {
        auth: "files:read",
        query: SearchQuery,
        response: { 200: SearchResponse, ...ReadErrors },
        detail: { summary: "Search files", description: "Multi-word search over names and paths, best match first." },
      },
    )
    .get("/files/stats", ({ principal }) => files.stats(principal), {
      auth: "files:read",
      response: { 200: StatsResponse, ...errorResponses(401, 403) },
      detail: { summary: "Retrieve storage stats" },
    })
    .get(
      "/files/log",
      async ({ query, principal, request }) => {
        const path = query.path === undefined ? undefined : parsePrefix(queryPathOf(request, "path") ?? query.path);
        const window = { before: query.before_tx, newestFirst: query.order === "desc" };
        const events = await files.log(principal, {
          path,
          sinceTx: query.since_tx ?? 0,
          limit: query.limit ?? 50,
          window,
        });
        return { events: events.map(logEventView) };
      },
      {
        auth: "files:read",
        query: LogQuery,
        response: { 200: LogResponse, ...ReadErrors },
        detail: {
          summary: "View event log",
          description:
            "Changes in tx order, after `since_tx` (and before `before_tx`). `order=desc` gives the newest first: the newest `limit` changes, and the ones before them with `before_tx` set to the oldest tx seen.",
        },
      },
    )
    .post("/files/mkdir", ({ body, principal }) => files.mkdir(principal, parsePath(body.path, "folder")), {
      auth: "files:write",
      body: MkdirBody,
      response: { 200: MkdirResponse, ...ReadErrors, ...errorResponses(409) },
      detail: { summary: "Create a folder" },
    })
    .post(
      "/files/move",
      ({ body, principal, request }) =>
        files.move(principal, parsePath(body.from), parsePath(body.to), body.message, writeConditionsOf(request)),
      {
        auth: "files:write",
        body: MoveBody,
        response: { 200: MoveResponse, ...Conditional },
        detail: {
          summary: "Move a file or folder",
          description:
            "404 when the source is missing, 409 when the destination exists. `If-Match` names the source's ETag, `If-None-Match: *` guards the destination (412).",
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .post(
      "/files/copy",
      ({ body, principal, request }) =>
        files.copy(principal, parsePath(body.from), parsePath(body.to), body.message, writeConditionsOf(request)),
      {
        auth: "files:write",
        body: CopyBody,
        response: { 200: CopyResponse, ...Conditional },
        detail: {
          summary: "Copy a file or folder",
          description:
            "Copies a file (to a file path) or a folder and everything in it (to a folder path ending with /) in one tx with one `copy` event. On local disk the copy shares the stored bytes; on S3 the bucket copies them server-side. 404 when the source is missing, 409 when the destination exists; `If-Match` names the source's ETag, `If-None-Match: *` guards the destination (412).",
          parameters: [...ConditionalWriteHeaders],
        },
      },
    )
    .get(
      "/files/*",
      async ({ request, principal, query }) => {
        // `?tx=N`: the file as it was at tx N (an older version), answered the same way.
        const row =
          query.tx === undefined
            ? await files.stat(principal, filePathOf(request))
            : await versions.at(principal, filePathOf(request), query.tx);
        if (isHeadRequest(request)) return headResponse(row, request);
        if (!wantsJson(request)) return download(row, request, (query as Record<string, unknown>).redirect);
        return {
          path: row.path,
          name: row.name,
          type: row.type,
          size: row.size,
          content_type: row.content_type,
          etag: row.etag,
          url: row.type === "file" ? await files.downloadUrl(row, publicOriginOf(request, config().server)) : null,
          tx: row.tx,
          updated_at: row.updated_at,
        };
      },
      {
        auth: "files:read",
        // The wildcard routes are documented in ./openapi.ts: the swagger plugin leaves `*` routes out.
        response: { 200: FileMetadata, 302: t.Any(), ...Errors },
      },
    )
    .put("/files/*", ({ request, query, principal }) => upload(request, principal, query.message), {
      auth: "files:write",
      parse: "none",
      query: PutQuery,
      response: { 200: CommitResponse, ...Conditional, ...errorResponses(413) },
    })
    .delete(
      "/files/*",
      ({ request, principal }) => files.remove(principal, filePathOf(request), writeConditionsOf(request)),
      { auth: "files:delete", response: { 200: DeleteResponse, ...Conditional } },
    );
}
