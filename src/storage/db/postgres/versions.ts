import type { FileRow, Scope } from "../files";
import type { VersionRepository } from "../repositories";
import type { VersionEnd, VersionRow } from "../versions";
import { one, PostgresRepository, startsWith } from "./rows";

const COLUMNS =
  "id, account_id, space, path, type, object_key, size, content_type, etag, tx, ts, ended_tx, ended_at, ended_by";

/** `versions` on Postgres: the history of every path, one row per ended version. */
export class PostgresVersionRepository extends PostgresRepository implements VersionRepository {
  /** Records `rows` as versions ended by `end`: one INSERT for a whole folder's rows. */
  async record(scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): Promise<void> {
    const values = [...rows].map((r) => ({
      account_id: scope.account,
      space: scope.space,
      path: r.path,
      type: r.type,
      object_key: r.object_key,
      size: r.size,
      content_type: r.content_type,
      etag: r.etag,
      tx: r.tx,
      ts: r.updated_at,
      ended_tx: end.tx,
      ended_at: end.at,
      ended_by: end.by,
    }));
    if (values.length === 0) return;
    await this.sql`INSERT INTO versions ${this.sql(values)}`;
  }

  async at(scope: Scope, path: string, tx: number): Promise<VersionRow | null> {
    return one(
      await this.sql`SELECT * FROM versions WHERE account_id = ${scope.account} AND space = ${scope.space}
        AND path = ${path} AND ended_tx > ${tx} AND tx <= ${tx} ORDER BY ended_tx LIMIT 1`,
    );
  }

  async forPath(scope: Scope, path: string, limit: number): Promise<VersionRow[]> {
    return this.sql`SELECT * FROM versions WHERE account_id = ${scope.account} AND space = ${scope.space}
      AND path = ${path} ORDER BY ended_tx DESC LIMIT ${limit}`;
  }

  async liveAt(scope: Scope, prefix: string, tx: number): Promise<VersionRow[]> {
    return this.sql`SELECT * FROM versions WHERE account_id = ${scope.account} AND space = ${scope.space}
      AND path LIKE ${startsWith(prefix)} AND tx <= ${tx} AND ended_tx > ${tx} ORDER BY path`;
  }

  async trash(scope: Scope, prefix: string, limit: number, offset: number): Promise<VersionRow[]> {
    return this.sql`SELECT v.* FROM versions v
      WHERE v.account_id = ${scope.account} AND v.space = ${scope.space} AND v.type = 'file'
        AND v.path LIKE ${startsWith(prefix)} AND v.ended_by IN ('delete', 'restore')
        AND v.ended_tx = (SELECT max(ended_tx) FROM versions w
                          WHERE w.account_id = v.account_id AND w.space = v.space AND w.path = v.path)
        AND NOT EXISTS (SELECT 1 FROM files f WHERE f.account_id = v.account_id AND f.space = v.space AND f.path = v.path)
      ORDER BY v.ended_tx DESC, v.path LIMIT ${limit} OFFSET ${offset}`;
  }

  async objectSize(objectKey: string): Promise<number | null> {
    const [row] = await this.sql`SELECT size FROM versions WHERE object_key = ${objectKey} LIMIT 1`;
    return row ? row.size : null;
  }

  async pastRetention(endedBefore: number, keepCount: number, limit: number): Promise<VersionRow[]> {
    return this.sql.unsafe(
      `SELECT ${COLUMNS} FROM (
           SELECT *, row_number() OVER (PARTITION BY account_id, space, path ORDER BY ended_tx DESC) AS newer
           FROM versions) v
         WHERE ended_at < $1 OR newer > $2 ORDER BY ended_at, id LIMIT $3`,
      [endedBefore, keepCount, limit],
    );
  }

  async bytesOnlyUnder(scope: Scope, prefix: string): Promise<number> {
    const [row] = await this.sql`SELECT coalesce(sum(size), 0) AS bytes FROM (
        SELECT DISTINCT v.object_key, v.size FROM versions v
        WHERE v.account_id = ${scope.account} AND v.space = ${scope.space} AND v.object_key IS NOT NULL
          AND v.path LIKE ${startsWith(prefix)}
          AND NOT EXISTS (SELECT 1 FROM files f WHERE f.object_key = v.object_key)) held`;
    return row.bytes;
  }

  async oldestOf(accountId: number, limit: number): Promise<VersionRow[]> {
    return this.sql`SELECT * FROM versions WHERE account_id = ${accountId} AND type = 'file'
      ORDER BY ended_at, id LIMIT ${limit}`;
  }

  async objectKeysOfAccount(accountId: number): Promise<string[]> {
    const rows = await this
      .sql`SELECT DISTINCT object_key FROM versions WHERE account_id = ${accountId} AND object_key IS NOT NULL`;
    return rows.map((r: { object_key: string }) => r.object_key);
  }

  async delete(rows: Iterable<VersionRow>): Promise<void> {
    const ids = [...rows].map((r) => r.id);
    if (ids.length === 0) return;
    await this.sql`DELETE FROM versions WHERE id = ANY(${this.sql.array(ids, "INT8")}::bigint[])`;
  }
}
