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

/**
 * An entry as the services hand it to the doors: the FileEntry, plus what a door gives back
 * to a service — the entry's id (share links, WebDAV's properties), the key of its stored
 * bytes (downloads) and when it was first created. How the metadata store files it (account,
 * space, parent folder) stays in storage.
 */
export interface StoredEntry extends FileEntry {
  /** 0 for a past version shown as a file (it has no row of its own). */
  id: number;
  object_key: string | null;
  created_at: number;
}

/**
 * The changes that reach everything under a folder at their `path`: it left, went away, or
 * was put back as it was (a restore's path is the folder it restored, "" for everything).
 */
export const REACHES_BELOW_PATH: ReadonlySet<string> = new Set(["move", "delete", "restore"]);
/** The changes that bring a whole folder to their `dest`. */
export const REACHES_BELOW_DEST: ReadonlySet<string> = new Set(["move", "copy"]);
