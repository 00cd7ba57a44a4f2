import { t } from "elysia";

export const BackupView = t.Object({
  id: t.String(),
  path: t.String({ description: "Where the archive went: a file path or an s3:// URL" }),
  status: t.Union([t.Literal("running"), t.Literal("done"), t.Literal("failed")]),
  files: t.Integer({ description: "Stored objects in the archive" }),
  bytes: t.Integer({ description: "Archive size in bytes (as written, encrypted or not)" }),
  encrypted: t.Boolean(),
  error: t.Nullable(t.String({ description: "Why a failed backup failed" })),
  started_at: t.Integer({ description: "Unix ms" }),
  finished_at: t.Nullable(t.Integer({ description: "Unix ms; null while running" })),
});

export const BackupListResponse = t.Object({ backups: t.Array(BackupView) });
