export interface BackupRow {
  id: string;
  /** Where the archive went: a file path or an s3:// URL. */
  path: string;
  status: "running" | "done" | "failed";
  /** Stored objects in the archive. */
  files: number;
  /** Archive size in bytes. */
  bytes: number;
  encrypted: number;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface BackupResult {
  status: "done" | "failed";
  files: number;
  bytes: number;
  error: string | null;
  finished_at: number;
}
