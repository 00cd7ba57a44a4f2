import { t } from "elysia";
import { headerParameter } from "../../http/openapi/parameters";
import type { LoggedEvent } from "./service";

const Path = t.String({ description: "File path, e.g. docs/report.pdf", examples: ["docs/report.pdf"] });

export const FileEntry = t.Object({
  name: t.String(),
  path: t.String(),
  type: t.Union([t.Literal("file"), t.Literal("folder")]),
  size: t.Integer(),
  content_type: t.Nullable(t.String()),
  etag: t.Nullable(t.String()),
  updated_at: t.Integer({ description: "Unix ms" }),
  tx: t.Integer(),
  tx_time: t.Integer({ description: "Unix ms of the entry's last tx" }),
});

export const FileMetadata = t.Object({
  path: t.String(),
  name: t.String(),
  type: t.Union([t.Literal("file"), t.Literal("folder")]),
  size: t.Integer(),
  content_type: t.Nullable(t.String()),
  etag: t.Nullable(t.String()),
  url: t.Nullable(t.String({ description: "Short-lived signed download URL" })),
  tx: t.Integer(),
  updated_at: t.Integer({ description: "Unix ms" }),
});

export const ListQuery = t.Object({
  prefix: t.Optional(t.String({ description: "Folder prefix, e.g. docs/" })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
});

export const ListResponse = t.Object({ prefix: t.String(), entries: t.Array(FileEntry), truncated: t.Boolean() });

export const SearchQuery = t.Object({
  q: t.String({ minLength: 1, maxLength: 512, description: "Words to look for in file names and paths" }),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 50 })),
});

export const SearchResponse = t.Object({
  query: t.String(),
  results: t.Array(
    t.Object({
      path: t.String(),
      name: t.String(),
      size: t.Integer(),
      content_type: t.Nullable(t.String()),
      updated_at: t.Integer(),
      tx: t.Integer(),
    }),
  ),
});

export const MkdirBody = t.Object({
  path: t.String({ description: "Folder path (must end with /)", examples: ["docs/drafts/"] }),
});
export const MkdirResponse = t.Object({ path: t.String(), created: t.Boolean(), tx: t.Optional(t.Integer()) });

export const MoveBody = t.Object({
  from: Path,
  to: Path,
  message: t.Optional(t.String({ maxLength: 1000, description: "Commit message for the move" })),
});
export const MoveResponse = t.Object({ from: t.String(), to: t.String(), tx: t.Integer(), time: t.Integer() });

export const CopyBody = t.Object({
  from: Path,
  to: Path,
  message: t.Optional(t.String({ maxLength: 1000, description: "Commit message for the copy" })),
});
export const CopyResponse = t.Object({
  from: t.String(),
  to: t.String(),
  files: t.Integer({ description: "Files copied" }),
  tx: t.Integer(),
  time: t.Integer({ description: "Unix ms" }),
});

/** The conditional-request headers every write accepts (decided inside the write's transaction). */
export const ConditionalWriteHeaders = [
  headerParameter(
    "If-Match",
    'Write only if the target\'s current ETag is one of these (`"etag"`, a comma-separated list, or `*` = exists); strong comparison, so `W/"…"` never matches. Otherwise 412 `precondition_failed`. On move and copy it names the source.',
  ),
  headerParameter(
    "If-None-Match",
    "`*`: create only — 412 `precondition_failed` if the target already exists. On move and copy it guards the destination.",
  ),
] as const;

export const DeleteResponse = t.Object({
  deleted: t.Integer({ description: "Files removed (folders are not counted)" }),
  tx: t.Integer(),
  time: t.Integer(),
});

/** `files` and `bytes` count what the credential sees (its space, within its prefix). */
export const StatsResponse = t.Object({
  files: t.Integer(),
  bytes: t.Integer({ description: "Bytes of the current files" }),
  version_bytes: t.Integer({ description: "Bytes only older versions hold (quotas count them too)" }),
  quota: t.Object(
    {
      bytes: t.Nullable(t.Integer({ description: "Most bytes the account may store; null = no limit" })),
      files: t.Nullable(t.Integer({ description: "Most files the account may store; null = no limit" })),
      used_bytes: t.Integer({
        description:
          "Bytes the account stores (live and test spaces), older versions included; a write that needs their room gives up the oldest versions first",
      }),
      used_files: t.Integer({ description: "Files the account stores (live and test spaces)" }),
    },
    { description: "The account's storage quota; over it, uploads answer 507 insufficient_storage" },
  ),
});

export const LogQuery = t.Object({
  path: t.Optional(t.String({ description: "Only events for this file, or under this folder/prefix" })),
  since_tx: t.Optional(t.Integer({ minimum: 0, default: 0, description: "Return events after this tx number" })),
  before_tx: t.Optional(t.Integer({ minimum: 1, description: "Return events before this tx number" })),
  order: t.Optional(
    t.Union([t.Literal("asc"), t.Literal("desc")], {
      default: "asc",
      description: "`asc`: oldest first from `since_tx`; `desc`: the newest first (page back with `before_tx`)",
    }),
  ),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 50 })),
});

export const LogEvent = t.Object({
  tx: t.Integer(),
  action: t.String({ description: "upload, move, copy, mkdir, delete or restore" }),
  path: t.Nullable(
    t.String({
      description:
        "null only for a move or copy into a key's prefix from outside it (redacted); the key's prefix itself for a move, delete or restore of a folder above it",
    }),
  ),
  dest: t.Optional(
    t.Nullable(
      t.String({
        description: "Destination of a move or copy; null when it lies outside the key's prefix (redacted, with msg)",
      }),
    ),
  ),
  size: t.Nullable(t.Integer({ description: "null for a change to a folder above a key's prefix (redacted)" })),
  msg: t.Nullable(t.String()),
  ts: t.Integer({ description: "Unix ms" }),
});
export type LogEvent = typeof LogEvent.static;

/**
 * An event as the log, the live feed and webhooks all send it, after `redactChange`: a move
 * or copy always names its destination (null when it lies outside the key's prefix).
 */
export function logEventView(e: LoggedEvent): LogEvent {
  return {
    tx: e.tx,
    action: e.action,
    path: e.path,
    ...(e.action === "move" || e.action === "copy" ? { dest: e.dest } : {}),
    size: e.size,
    msg: e.msg,
    ts: e.ts,
  };
}

export const LogResponse = t.Object({ events: t.Array(LogEvent) });

export const CommitResponse = t.Object({
  path: t.String(),
  name: t.String(),
  size: t.Integer(),
  tx: t.Integer(),
  time: t.Integer(),
});

export const PutQuery = t.Object({ message: t.Optional(t.String({ maxLength: 1000, description: "Commit message" })) });
