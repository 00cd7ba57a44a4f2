import type { PathKind } from "./paths";

/**
 * A file or folder as every front door describes it: what the REST answers, WebDAV's
 * properties and the feed are made of. The metadata store keeps more per entry (ids, the
 * stored object's key, the account and space), which no door needs to see.
 */
export interface FileEntry {
  path: string;
  name: string;
  type: PathKind;
  size: number;
  content_type: string | null;
  /** The stored bytes' ETag without quotes; null for folders. */
  etag: string | null;
  /** The tx of the entry's last change. */
  tx: number;
  /** Unix ms of the last change. */
  updated_at: number;
}
