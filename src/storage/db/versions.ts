import type { Database, Statement } from "bun:sqlite";
import { type FileRow, type Scope, startsWithSql } from "./files";

/** What ended a version: an overwrite (upload), a move, a delete or a restore. */
export type EndedBy = "upload" | "move" | "delete" | "restore";

/** A file or folder as it stood at `path` from tx `tx` (at `ts`) until tx `ended_tx`. */
export interface VersionRow {
  id: number;
  account_id: number;
  space: string;
  path: string;
  type: "file" | "folder";
  object_key: string | null;
  size: number;
  content_type: string | null;
  etag: string | null;
  tx: number;
  ts: number;
  ended_tx: number;
  ended_at: number;
  ended_by: EndedBy;
}

export interface VersionEnd {
  tx: number;
  at: number;
  by: EndedBy;
}

/** Repository for `versions`: the history of every path, one row per ended version. */
export class VersionRepository {
  readonly #insert: Statement;
  readonly #at: Statement<VersionRow, [number, string, string, number]>;
  readonly #forPath: Statement<VersionRow, [number, string, string, number]>;
  readonly #usesObject: Statement<{ size: number }, [string]>;
  readonly #delete: Statement;

  constructor(private readonly db: Database) {
    this.#insert = db.query(
      `INSERT INTO versions (account_id, space, path, type, object_key, size, content_type, etag, tx, ts, ended_tx, ended_at, ended_by)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
    );
    this.#at = db.query(
      `SELECT * FROM versions WHERE account_id = ?1 AND space = ?2 AND path = ?3 AND ended_tx > ?4 AND tx <= ?4
       ORDER BY ended_tx LIMIT 1`,
    );
    this.#forPath = db.query(
      "SELECT * FROM versions WHERE account_id = ?1 AND space = ?2 AND path = ?3 ORDER BY ended_tx DESC LIMIT ?4",
    );
    this.#usesObject = db.query("SELECT size FROM versions WHERE object_key = ?1 LIMIT 1");
    this.#delete = db.query("DELETE FROM versions WHERE id = ?1");
  }

  /** Records `rows` as versions ended by `end`; call in the ending change's transaction, before the rows change. */
  record(scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): void {
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

  /** The version of `path` that was current at `tx`, if it has ended since. */
  at(scope: Scope, path: string, tx: number): VersionRow | null {
    return this.#at.get(scope.account, scope.space, path, tx);
  }

  /** A path's ended versions, newest first. */
  forPath(scope: Scope, path: string, limit: number): VersionRow[] {
    return this.#forPath.all(scope.account, scope.space, path, limit);
  }

  /** Every ended version under `prefix` that was current at `tx`. */
  liveAt(scope: Scope, prefix: string, tx: number): VersionRow[] {
    return this.db
      .query<VersionRow, Record<string, string | number>>(
        `SELECT * FROM versions WHERE account_id = $account AND space = $space AND ${startsWithSql("path", "$prefix")}
           AND tx <= $tx AND ended_tx > $tx ORDER BY path`,
      )
      .all({ account: scope.account, space: scope.space, prefix, tx });
  }

  /**
   * Deleted files under `prefix`: paths whose newest version was ended by a delete or a
   * restore, newest deletion first. The caller drops paths a file is back at.
   */
  trash(scope: Scope, prefix: string, limit: number, offset: number): VersionRow[] {
    return this.db
      .query<VersionRow, Record<string, string | number>>(
        `SELECT v.* FROM versions v
         WHERE v.account_id = $account AND v.space = $space AND v.type = 'file' AND ${startsWithSql("v.path", "$prefix")}
           AND v.ended_by IN ('delete', 'restore')
           AND v.ended_tx = (SELECT max(ended_tx) FROM versions w
                             WHERE w.account_id = v.account_id AND w.space = v.space AND w.path = v.path)
           AND NOT EXISTS (SELECT 1 FROM files f WHERE f.account_id = v.account_id AND f.space = v.space AND f.path = v.path)
         ORDER BY v.ended_tx DESC, v.path LIMIT $limit OFFSET $offset`,
      )
      .all({ account: scope.account, space: scope.space, prefix, limit, offset });
  }

  /** The size of an object some version names, or null when none does. */
  objectSize(objectKey: string): number | null {
    return this.#usesObject.get(objectKey)?.size ?? null;
  }

  /**
   * Versions past retention, oldest first: ended before `endedBefore`, or beyond the
   * `keepCount` newest of their path.
   */
  pastRetention(endedBefore: number, keepCount: number, limit: number): VersionRow[] {
    return this.db
      .query<VersionRow, [number, number, number]>(
        `SELECT * FROM (
           SELECT *, row_number() OVER (PARTITION BY account_id, space, path ORDER BY ended_tx DESC) AS newer
           FROM versions)
         WHERE ended_at < ?1 OR newer > ?2 ORDER BY ended_at LIMIT ?3`,
      )
      .all(endedBefore, keepCount, limit);
  }

  /** Bytes of objects only versions under `prefix` hold (stats of a prefix-limited credential). */
  bytesOnlyUnder(scope: Scope, prefix: string): number {
    const row = this.db
      .query<{ bytes: number }, Record<string, string | number>>(
        `SELECT coalesce(sum(size), 0) AS bytes FROM (
           SELECT DISTINCT v.object_key, v.size FROM versions v
           WHERE v.account_id = $account AND v.space = $space AND v.object_key IS NOT NULL
             AND ${startsWithSql("v.path", "$prefix")}
             AND NOT EXISTS (SELECT 1 FROM files f WHERE f.object_key = v.object_key))`,
      )
      .get({ account: scope.account, space: scope.space, prefix });
    return row?.bytes ?? 0;
  }

  /** An account's oldest file versions (quota eviction). */
  oldestOf(accountId: number, limit: number): VersionRow[] {
    return this.db
      .query<VersionRow, [number, number]>(
        "SELECT * FROM versions WHERE account_id = ?1 AND type = 'file' ORDER BY ended_at, id LIMIT ?2",
      )
      .all(accountId, limit);
  }

  delete(rows: Iterable<VersionRow>): void {
    for (const row of rows) this.#delete.run(row.id);
  }
}
