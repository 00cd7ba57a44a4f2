import type { BackupResult, BackupRow } from "../backups";
import type { BackupRepository, ReclaimHoldRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/** `backups` on SQLite: one row per backup run, for GET /admin/backups. */
export class SqliteBackupRepository extends SqliteRepository implements BackupRepository {
  readonly #insert = this.db.query(
    `INSERT INTO backups (id, path, status, encrypted, started_at)
     VALUES ($id, $path, 'running', $encrypted, $started_at)`,
  );
  readonly #finish = this.db.query(
    `UPDATE backups SET status = $status, files = $files, bytes = $bytes, error = $error, finished_at = $finished_at
     WHERE id = $id`,
  );
  readonly #get = this.db.query<BackupRow, [string]>("SELECT * FROM backups WHERE id = ?1");
  readonly #recent = this.db.query<BackupRow, [number]>(
    "SELECT * FROM backups ORDER BY started_at DESC, id DESC LIMIT ?1",
  );

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

/**
 * `reclaim_holds` on SQLite: leases that pause the deletion of stored bytes. A backup takes
 * one before its database snapshot and renews it while it copies objects, so no object the
 * snapshot names disappears meanwhile — even when the backup runs in another process than
 * the server. A lease that is not renewed lapses by itself.
 */
export class SqliteReclaimHoldRepository extends SqliteRepository implements ReclaimHoldRepository {
  readonly #upsert = this.db.query(
    "INSERT INTO reclaim_holds (id, until) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET until = ?2",
  );
  readonly #remove = this.db.query("DELETE FROM reclaim_holds WHERE id = ?1");
  readonly #active = this.db.query<{ one: number }, [number]>(
    "SELECT 1 AS one FROM reclaim_holds WHERE until > ?1 LIMIT 1",
  );
  readonly #until = this.db.query<{ until: number }, [string]>("SELECT until FROM reclaim_holds WHERE id = ?1");

  async hold(id: string, until: number): Promise<void> {
    this.#upsert.run(id, until);
  }

  async release(id: string): Promise<void> {
    this.#remove.run(id);
  }

  async active(now: number): Promise<boolean> {
    return this.#active.get(now) !== null;
  }

  async until(id: string): Promise<number | null> {
    return this.#until.get(id)?.until ?? null;
  }
}
