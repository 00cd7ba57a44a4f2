import type { FileRow, Scope } from "../files";
import type { VersionRepository } from "../repositories";
import type { VersionEnd, VersionRow } from "../versions";
import { SqliteRepository, startsWithSql } from "./sql";

/** `versions` on SQLite: the history of every path, one row per ended version. */
export class SqliteVersionRepository extends SqliteRepository implements VersionRepository {
  readonly #insert = this.db.query(
    `INSERT INTO versions (account_id, space, path, type, object_key, size, content_type, etag, tx, ts, ended_tx, ended_at, ended_by)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
  );
  readonly #at = this.db.query<VersionRow, [number, string, string, number]>(
    `SELECT * FROM versions WHERE account_id = ?1 AND space = ?2 AND path = ?3 AND ended_tx > ?4 AND tx <= ?4
     ORDER BY ended_tx LIMIT 1`,
  );
  readonly #forPath = this.db.query<VersionRow, [number, string, string, number]>(
    "SELECT * FROM versions WHERE account_id = ?1 AND space = ?2 AND path = ?3 ORDER BY ended_tx DESC LIMIT ?4",
  );
  readonly #liveAt = this.db.query<VersionRow, [Record<string, string | number>]>(
    `SELECT * FROM versions WHERE account_id = $account AND space = $space AND ${startsWithSql("path", "$prefix")}
       AND tx <= $tx AND ended_tx > $tx ORDER BY path`,
  );
  readonly #trash = this.db.query<VersionRow, [Record<string, string | number>]>(
    `SELECT v.* FROM versions v
     WHERE v.account_id = $account AND v.space = $space AND v.type = 'file' AND ${startsWithSql("v.path", "$prefix")}
       AND v.ended_by IN ('delete', 'restore')
       AND v.ended_tx = (SELECT max(ended_tx) FROM versions w
                         WHERE w.account_id = v.account_id AND w.space = v.space AND w.path = v.path)
       AND NOT EXISTS (SELECT 1 FROM files f WHERE f.account_id = v.account_id AND f.space = v.space AND f.path = v.path)
     ORDER BY v.ended_tx DESC, v.path LIMIT $limit OFFSET $offset`,
  );
  readonly #usesObject = this.db.query<{ size: number }, [string]>(
    "SELECT size FROM versions WHERE object_key = ?1 LIMIT 1",
  );
  readonly #pastRetention = this.db.query<VersionRow, [number, number, number]>(
    `SELECT * FROM (
       SELECT *, row_number() OVER (PARTITION BY account_id, space, path ORDER BY ended_tx DESC) AS newer
       FROM versions)
     WHERE ended_at < ?1 OR newer > ?2 ORDER BY ended_at LIMIT ?3`,
  );
  readonly #bytesOnlyUnder = this.db.query<{ bytes: number }, [Record<string, string | number>]>(
    `SELECT coalesce(sum(size), 0) AS bytes FROM (
       SELECT DISTINCT v.object_key, v.size FROM versions v
       WHERE v.account_id = $account AND v.space = $space AND v.object_key IS NOT NULL
         AND ${startsWithSql("v.path", "$prefix")}
         AND NOT EXISTS (SELECT 1 FROM files f WHERE f.object_key = v.object_key))`,
  );
  readonly #oldestOf = this.db.query<VersionRow, [number, number]>(
    "SELECT * FROM versions WHERE account_id = ?1 AND type = 'file' ORDER BY ended_at, id LIMIT ?2",
  );
  readonly #objectKeys = this.db.query<{ object_key: string }, [number]>(
    "SELECT DISTINCT object_key FROM versions WHERE account_id = ?1 AND object_key IS NOT NULL",
  );
  readonly #delete = this.db.query("DELETE FROM versions WHERE id = ?1");

  async record(scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): Promise<void> {
    for (const r of rows) {
      this.#insert.run(
        scope.account,
        scope.space,
        r.path,
        r.type,
        r.object_key,
        r.size,
        r.content_type,
        r.etag,
        r.tx,
        r.updated_at,
        end.tx,
        end.at,
        end.by,
      );
    }
  }

  async at(scope: Scope, path: string, tx: number): Promise<VersionRow | null> {
    return this.#at.get(scope.account, scope.space, path, tx);
  }

  async forPath(scope: Scope, path: string, limit: number): Promise<VersionRow[]> {
    return this.#forPath.all(scope.account, scope.space, path, limit);
  }

  async liveAt(scope: Scope, prefix: string, tx: number): Promise<VersionRow[]> {
    return this.#liveAt.all({ account: scope.account, space: scope.space, prefix, tx });
  }

  async trash(scope: Scope, prefix: string, limit: number, offset: number): Promise<VersionRow[]> {
    return this.#trash.all({ account: scope.account, space: scope.space, prefix, limit, offset });
  }

  async objectSize(objectKey: string): Promise<number | null> {
    return this.#usesObject.get(objectKey)?.size ?? null;
  }

  async pastRetention(endedBefore: number, keepCount: number, limit: number): Promise<VersionRow[]> {
    return this.#pastRetention.all(endedBefore, keepCount, limit);
  }

  async bytesOnlyUnder(scope: Scope, prefix: string): Promise<number> {
    return this.#bytesOnlyUnder.get({ account: scope.account, space: scope.space, prefix })?.bytes ?? 0;
  }

  async oldestOf(accountId: number, limit: number): Promise<VersionRow[]> {
    return this.#oldestOf.all(accountId, limit);
  }

  async objectKeysOfAccount(accountId: number): Promise<string[]> {
    return this.#objectKeys.all(accountId).map((r) => r.object_key);
  }

  async delete(rows: Iterable<VersionRow>): Promise<void> {
    for (const row of rows) this.#delete.run(row.id);
  }
}
