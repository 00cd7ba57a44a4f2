import type { Database, Statement } from "bun:sqlite";
import type { BackupResult, BackupRow } from "../backups";
import type { BackupRepository } from "../repositories";

/** `backups` on SQLite: one row per backup run, for GET /admin/backups. */
export class SqliteBackupRepository implements BackupRepository {
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

  async start(row: { id: string; path: string; encrypted: boolean; started_at: number }): Promise<void> {
    this.#insert.run({ ...row, encrypted: row.encrypted ? 1 : 0 });
  }

  async finish(id: string, result: BackupResult): Promise<void> {
    this.#finish.run({ id, ...result });
  }

  async get(id: string): Promise<BackupRow | null> {
    return this.#get.get(id);
  }

  async recent(limit: number): Promise<BackupRow[]> {
    return this.#recent.all(limit);
  }
}
