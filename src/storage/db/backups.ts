import type { Database, Statement } from "bun:sqlite";

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

/** Repository for `backups`: one row per backup run, for GET /admin/backups. */
export class BackupRepository {
  readonly #insert: Statement;
  readonly #finish: Statement;
  readonly #get: Statement<BackupRow, [string]>;
  readonly #recent: Statement<BackupRow, [number]>;

  constructor(db: Database) {
    this.#insert = db.query(
      `INSERT INTO backups (id, path, status, encrypted, started_at)
       VALUES ($id, $path, 'running', $encrypted, $started_at)`,
    );
    this.#finish = db.query(
      `UPDATE backups SET status = $status, files = $files, bytes = $bytes, error = $error, finished_at = $finished_at
       WHERE id = $id`,
    );
    this.#get = db.query("SELECT * FROM backups WHERE id = ?1");
    this.#recent = db.query("SELECT * FROM backups ORDER BY started_at DESC, id DESC LIMIT ?1");
  }

  start(row: { id: string; path: string; encrypted: boolean; started_at: number }): void {
    this.#insert.run({ ...row, encrypted: row.encrypted ? 1 : 0 });
  }

  finish(
    id: string,
    result: { status: "done" | "failed"; files: number; bytes: number; error: string | null; finished_at: number },
  ): void {
    this.#finish.run({ id, ...result });
  }

  get(id: string): BackupRow | null {
    return this.#get.get(id);
  }

  /** The latest runs, newest first. */
  recent(limit: number): BackupRow[] {
    return this.#recent.all(limit);
  }
}
