import { Elysia } from "elysia";
import { badRequest } from "../../domain/errors";
import { parseFolderPrefix, parsePath, parsePrefix } from "../../domain/paths";
import type { AppGuard } from "../../http/guard-type";
import { queryPathOf } from "../../http/query-path";
import { errorResponses } from "../../http/schemas";
import type { VersionService } from "./versions";
import {
  RestoreBody,
  RestoreResponse,
  TrashQuery,
  TrashResponse,
  VersionsQuery,
  VersionsResponse,
} from "./versions-model";

/** File history routes: versions of a path, the trash, restores. Downloads by tx are `GET /files/{path}?tx=N`. */
export function versionsModule(guard: AppGuard, versions: VersionService) {
  return new Elysia({ tags: ["Files"] })
    .use(guard)
    .get(
      "/files/versions",
      async ({ query, principal, request }) => {
        const path = parsePath(queryPathOf(request, "path") ?? query.path, "file");
        return { path, versions: await versions.list(principal, path) };
      },
      {
        auth: "files:read",
        query: VersionsQuery,
        response: { 200: VersionsResponse, ...errorResponses(400, 401, 403, 404) },
        detail: {
          summary: "List a file's versions",
          description:
            "The current version (`current: true`) first, then ended ones, newest first: each with the tx that made it current and what ended it. Download one with `GET /files/{path}?tx=N`.",
        },
      },
    )
    .get(
      "/files/trash",
      async ({ query, principal, request }) => {
        const prefix = parsePrefix(queryPathOf(request, "prefix") ?? query.prefix ?? "");
        return { entries: await versions.trash(principal, prefix, query.limit ?? 200, query.offset ?? 0) };
      },
      {
        auth: "files:read",
        query: TrashQuery,
        response: { 200: TrashResponse, ...errorResponses(400, 401, 403) },
        detail: {
          summary: "List deleted files",
          description:
            "Deleted files still within version retention, newest deletion first. Restore one with `POST /files/restore {path, tx}`.",
        },
      },
    )
    .post(
      "/files/restore",
      ({ body, principal }) => {
        if ((body.path === undefined) === (body.prefix === undefined)) {
          throw badRequest('Give either path (one file) or prefix (a folder, or "" for everything)');
        }
        if (body.path !== undefined) {
          return versions.restorePath(principal, parsePath(body.path), body.tx, body.message);
        }
        return versions.restorePrefix(principal, parseFolderPrefix(body.prefix), body.tx, body.message);
      },
      {
        auth: "files:write",
        body: RestoreBody,
        response: { 200: RestoreResponse, ...errorResponses(400, 401, 403, 404, 409, 507) },
        detail: {
          summary: "Restore a file or folder to an earlier tx",
          description:
            '`{path, tx}` makes the file\'s version current at tx current again; `{prefix, tx}` brings a folder (or the whole space, prefix "") back to its state at tx: files created since removed, deleted and moved ones back. Either is one new tx with a `restore` event; what it replaces is kept as versions. `tx: null` when nothing differed.',
        },
      },
    );
}
