import type { BackupResult, BackupRow } from "../backups";
import type { BackupRepository, ReclaimHoldRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** `backups` on Postgres: one row per backup run, for GET /admin/backups. */
export class PostgresBackupRepository extends PostgresRepository implements BackupRepository {
  async start(row: { id: string; path: string; encrypted: boolean; started_at: number }): Promise<void> {
    await this.sql`INSERT INTO backups (id, path, status, encrypted, started_at)
      VALUES (${row.id}, ${row.path}, 'running', ${row.encrypted ? 1 : 0}, ${row.started_at})`;
  }

  async finish(id: string, result: BackupResult): Promise<void> {
    await this.sql`UPDATE backups SET status = ${result.status}, files = ${result.files}, bytes = ${result.bytes},
      error = ${result.error}, finished_at = ${result.finished_at} WHERE id = ${id}`;
  }

  async get(id: string): Promise<BackupRow | null> {
    return one(await this.sql`SELECT * FROM backups WHERE id = ${id}`);
  }

  async recent(limit: number): Promise<BackupRow[]> {
    return this.sql`SELECT * FROM backups ORDER BY started_at DESC, id DESC LIMIT ${limit}`;
  }
}

/**
 * `reclaim_holds` on Postgres: leases that pause the deletion of stored bytes while a backup
 * copies the objects its snapshot names. Every instance's reclaim pass sees every hold.
 */
export class PostgresReclaimHoldRepository extends PostgresRepository implements ReclaimHoldRepository {
  async hold(id: string, until: number): Promise<void> {
    await this.sql`INSERT INTO reclaim_holds (id, until) VALUES (${id}, ${until})
      ON CONFLICT (id) DO UPDATE SET until = excluded.until`;
  }

  async release(id: string): Promise<void> {
    await this.sql`DELETE FROM reclaim_holds WHERE id = ${id}`;
  }

  async active(now: number): Promise<boolean> {
    return (await this.sql`SELECT 1 FROM reclaim_holds WHERE until > ${now} LIMIT 1`).length > 0;
  }

  async until(id: string): Promise<number | null> {
    return one<{ until: number }>(await this.sql`SELECT until FROM reclaim_holds WHERE id = ${id}`)?.until ?? null;
  }
}
