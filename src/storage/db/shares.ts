/**
 * A share link names its file or folder by row id (`file_id`): a move keeps the row and so
 * the link; deleting the row deletes the link (foreign-key cascade), and replacing a file's
 * bytes deletes it too (trigger `shares_end_when_bytes_replaced`, migration 5). Both rules
 * live in the schema, so every way of changing files obeys them.
 */
export interface ShareRow {
  id: string;
  token_hash: string;
  account_id: number;
  space: string;
  file_id: number;
  created_at: number;
  expires_at: number;
  max_downloads: number | null;
  downloads: number;
}

/** Both engines' SQL for a share that is live: not expired and not used up at `$now` (a revoked one has no row). */
export const LIVE_SHARE = "s.expires_at > $now AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)";
/** Both engines' SELECT of shares (`s`) with the path and kind of what each names. */
export const SELECT_SHARES = "SELECT s.*, f.path, f.type FROM shares s JOIN files f ON f.id = s.file_id";

/** A live share with the current path and kind of what it names. */
export interface LiveShare extends ShareRow {
  path: string;
  type: "file" | "folder";
}
