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
  /** What the link lives as long as (both null: the account itself); see CredentialVerifier.creatorOf. */
  credential_id: string | null;
  grant_id: string | null;
}

/**
 * Both engines' SQL for a share that is live at `$now`: not expired, not used up, and made by a
 * key or token that has not expired either (a revoked link, or one whose key was revoked, has no
 * row; a swept key takes its links with it, an expired one not yet swept is checked here).
 */
export const LIVE_SHARE = `s.expires_at > $now AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)
  AND (s.credential_id IS NULL OR EXISTS (SELECT 1 FROM credentials c
    WHERE c.id = s.credential_id AND (c.expires_at IS NULL OR c.expires_at > $now)))`;
/** Both engines' SELECT of shares (`s`) with the path and kind of what each names. */
export const SELECT_SHARES = "SELECT s.*, f.path, f.type FROM shares s JOIN files f ON f.id = s.file_id";

/** A live share with the current path and kind of what it names. */
export interface LiveShare extends ShareRow {
  path: string;
  type: "file" | "folder";
}
