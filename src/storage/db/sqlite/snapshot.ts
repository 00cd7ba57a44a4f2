import { Database } from "bun:sqlite";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { type MetadataSnapshot, type ObjectRef, SNAPSHOT_NAME } from "../snapshot";
import { openConnection } from "./connection";

/**
 * SQLite: `VACUUM INTO` writes a compact, transactionally consistent copy from one read
 * transaction; under WAL the server's writers carry on meanwhile. `target` must not exist.
 * `db` must not be inside a transaction.
 */
export function vacuumInto(db: Database, target: string): MetadataSnapshot {
  db.run("VACUUM INTO ?1", [target]);
  return openSnapshot(target);
}

/** Reads a snapshot file taken by `Metadata.snapshot` (verify checks it without installing it). */
export function openSnapshot(path: string): MetadataSnapshot & { integrity(): string } {
  const db = new Database(path, { readonly: true, strict: true });
  // A snapshot taken before file history existed (schema 11 and older) has no versions table.
  const hasVersions = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions'").get() !== null;
  const versions = hasVersions
    ? "UNION ALL SELECT object_key, size, content_type FROM versions WHERE object_key IS NOT NULL"
    : "";
  // Objects of current files and of older versions, of every account and space; `min()` picks
  // one row's facts for an object several rows share (copies, versions).
  const objects = () =>
    db
      .query<ObjectRef, []>(
        `SELECT object_key AS key, min(size) AS size, min(content_type) AS contentType FROM (
           SELECT object_key, size, content_type FROM files WHERE object_key IS NOT NULL ${versions})
         GROUP BY object_key ORDER BY object_key`,
      )
      .all();
  return {
    engine: "sqlite",
    path,
    objects,
    integrity: () => (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
    close: () => db.close(),
  };
}

/**
 * Installs a verified snapshot as the data dir's database: brings its schema up to this
 * lightd, drops the holds of the backup that took it, and records that backup as done.
 */
export function installSnapshot(
  snapshotPath: string,
  dataDir: string,
  backup: { id: string; files: number; bytes: number; finishedAt: number },
): void {
  const target = join(dataDir, SNAPSHOT_NAME);
  renameSync(snapshotPath, target);
  const db = openConnection(target, { migrate: true });
  try {
    // A restored database starts with no hold: the backup that took them is over.
    db.run("DELETE FROM reclaim_holds");
    db.query(
      `UPDATE backups SET status = 'done', files = ?2, bytes = ?3, error = NULL, finished_at = ?4
       WHERE id = ?1 AND status = 'running'`,
    ).run(backup.id, backup.files, backup.bytes, backup.finishedAt);
  } finally {
    db.close();
  }
}
