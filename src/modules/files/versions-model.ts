import { t } from "elysia";

const Tx = t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "A tx number of the space" });

export const VersionsQuery = t.Object({
  path: t.String({ description: "File path, e.g. docs/report.pdf", examples: ["docs/report.pdf"] }),
});

export const Version = t.Object({
  tx: t.Integer({ description: "The tx that made this version current at the path" }),
  size: t.Integer(),
  etag: t.Nullable(t.String()),
  content_type: t.Nullable(t.String()),
  ts: t.Integer({ description: "Unix ms of that tx" }),
  current: t.Boolean({ description: "true for the file as it is now" }),
  ended_tx: t.Nullable(t.Integer({ description: "The tx that ended this version; null for the current one" })),
  ended_by: t.Nullable(
    t.String({ description: "What ended it: upload (overwritten), move, delete or restore; null for the current one" }),
  ),
});

export const VersionsResponse = t.Object({ path: t.String(), versions: t.Array(Version) });

export const TrashQuery = t.Object({
  prefix: t.Optional(t.String({ description: "Only deleted files under this folder/prefix" })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
});

export const TrashResponse = t.Object({
  entries: t.Array(
    t.Object({
      path: t.String(),
      tx: t.Integer({
        description: "The tx of the file's last version: restore it with POST /files/restore {path, tx}",
      }),
      size: t.Integer(),
      etag: t.Nullable(t.String()),
      content_type: t.Nullable(t.String()),
      deleted_tx: t.Integer({ description: "The tx that deleted it" }),
      deleted_at: t.Integer({ description: "Unix ms" }),
    }),
  ),
});

export const RestoreBody = t.Object({
  path: t.Optional(t.String({ description: "A file to restore (give path or prefix)", examples: ["docs/report.pdf"] })),
  prefix: t.Optional(
    t.String({
      description: 'A folder to bring back to its state at tx (`photos` means `photos/`); "" is the whole space',
    }),
  ),
  tx: Tx,
  message: t.Optional(t.String({ maxLength: 1000, description: "Commit message for the restore" })),
});

export const RestoreResponse = t.Object({
  path: t.String({ description: "The path or prefix restored" }),
  from_tx: t.Integer({ description: "The tx whose state was brought back" }),
  tx: t.Nullable(t.Integer({ description: "The restore's own tx; null when nothing differed" })),
  restored: t.Integer({ description: "Files put back or replaced" }),
  removed: t.Integer({ description: "Files removed because they did not exist at from_tx" }),
  time: t.Integer({ description: "Unix ms" }),
});
