/**
 * What a lightd backup archive holds, in this order (a tar stream, optionally encrypted):
 *   backup.json    — BackupHeader: format, id, when, which engine and byte store
 *   config.json    — the server's config (it holds the master token and signing secret)
 *   lightd.db      — the metadata snapshot
 *   objects/<key>  — every stored object the snapshot references
 *   manifest.json  — Manifest: size and SHA-256 of everything above, written last because
 *                    the hashes are computed while the bytes stream past
 */
export const FORMAT = 1;
export const HEADER_NAME = "backup.json";
export const CONFIG_NAME = "config.json";
export const OBJECT_PREFIX = "objects/";
export const MANIFEST_NAME = "manifest.json";

export interface BackupHeader {
  format: number;
  id: string;
  lightd: string;
  created_at: number;
  engine: "sqlite";
  backend: "local" | "s3";
}

export interface HashedEntry {
  size: number;
  sha256: string;
}

export interface ManifestObject extends HashedEntry {
  key: string;
  content_type: string | null;
}

export interface Manifest extends BackupHeader {
  config: HashedEntry;
  metadata: HashedEntry & { name: string };
  objects: ManifestObject[];
}

/** Archive file names: sortable by time, so retention can keep the newest. */
const NAME = /^lightd-backup-(\d{8}T\d{9}Z)-([A-Za-z0-9]+)\.tar(\.enc)?$/;

export function archiveName(id: string, startedAt: number, encrypted: boolean): string {
  // Milliseconds included: runs in the same second must still sort in the order they ran.
  const stamp = new Date(startedAt).toISOString().replace(/[-:.]/g, "");
  return `lightd-backup-${stamp}-${id}.tar${encrypted ? ".enc" : ""}`;
}

export function isArchiveName(name: string): boolean {
  return NAME.test(name);
}
