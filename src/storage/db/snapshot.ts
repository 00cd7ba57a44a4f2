import { Database } from "bun:sqlite";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { BackupRepository } from "./backups";
import { openDatabase } from "./connection";
import { ReclaimHoldRepository } from "./reclaim-holds";

/** A stored object a metadata snapshot names, with what the store needs to write it back. */
export interface ObjectRef {
  key: string;
  size: number;
  contentType: string | null;
}

/**
 * A consistent copy of the metadata, taken while the server keeps writing. Backups depend
 * only on this shape, so another metadata engine adds its own `snapshotMetadata` (a dump
 * file and the same object list) without touching the archive code.
 */
export interface MetadataSnapshot {
  /** Which engine wrote `path`; restore refuses an engine it does not run. */
  engine: "sqlite";
  /** The snapshot file, stored in the archive as-is. */
  path: string;
  /** Every stored object the snapshot references, each once. */
  objects(): ObjectRef[];
  close(): void;
}

/** The archive member name of the metadata snapshot. */
export const SNAPSHOT_NAME = "lightd.db";

/**
 * SQLite: `VACUUM INTO` writes a compact, transactionally consistent copy from one read
 * transaction; under WAL the server's writers carry on meanwhile. `target` must not exist.
 */
export function snapshotMetadata(db: Database, target: string): MetadataSnapshot {
  db.run("VACUUM INTO ?1", [target]);
  return openSnapshot(target);
}

/** Reads a snapshot file taken by `snapshotMetadata` (verify checks it without installing it). */
export function openSnapshot(path: string): MetadataSnapshot & { integrity(): string } {
  const db = new Database(path, { readonly: true, strict: true });
  // Files of every account and space; `min()` picks one row's facts for an object shared by copies.
  const objects = () =>
    db
      .query<ObjectRef, []>(
        `SELECT object_key AS key, min(size) AS size, min(content_type) AS contentType
         FROM files WHERE object_key IS NOT NULL GROUP BY object_key ORDER BY object_key`,
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
  const db = openDatabase(target);
  try {
    new ReclaimHoldRepository(db).clear();
    const backups = new BackupRepository(db);
    if (backups.get(backup.id)?.status === "running") {
      backups.finish(backup.id, {
        status: "done",
        files: backup.files,
        bytes: backup.bytes,
        error: null,
        finished_at: backup.finishedAt,
      });
    }
  } finally {
    db.close();
  }
}
