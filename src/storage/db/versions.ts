/** What ended a version: an overwrite (upload), a move, a delete or a restore. */
export type EndedBy = "upload" | "move" | "delete" | "restore";

/** A file or folder as it stood at `path` from tx `tx` (at `ts`) until tx `ended_tx`. */
export interface VersionRow {
  id: number;
  account_id: number;
  space: string;
  path: string;
  type: "file" | "folder";
  object_key: string | null;
  size: number;
  content_type: string | null;
  etag: string | null;
  tx: number;
  ts: number;
  ended_tx: number;
  ended_at: number;
  ended_by: EndedBy;
}

export interface VersionEnd {
  tx: number;
  at: number;
  by: EndedBy;
}
