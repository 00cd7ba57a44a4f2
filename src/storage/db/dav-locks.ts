import type { Database, Statement } from "bun:sqlite";
import { type Scope, startsWithSql } from "./files";

export interface LockRow {
  token: string;
  account_id: number;
  space: string;
  /** The locked path (a folder ends with '/'). */
  path: string;
  /** 1 for Depth: infinity (a folder and everything in it), 0 for the resource alone. */
  deep: number;
  exclusive: number;
  /** The client's `DAV:owner` element, as XML. */
  owner: string;
  /** The credential that took the lock ("master" for the master token). */
  holder: string;
  timeout_s: number;
  expires_at: number;
}

/** Repository for `dav_locks`: WebDAV write locks, kept in the database so they outlive a restart. */
export class DavLockRepository {
  readonly #active: Statement<LockRow, [number, string, number]>;
  readonly #insert: Statement;
  readonly #refresh: Statement;
  readonly #delete: Statement;
  readonly #deleteUnder: Statement;
  readonly #deleteAt: Statement;
  readonly #deleteExpired: Statement;

  constructor(db: Database) {
    this.#active = db.query("SELECT * FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND expires_at > ?3");
    this.#insert = db.query(
      `INSERT INTO dav_locks (token, account_id, space, path, deep, exclusive, owner, holder, timeout_s, expires_at)
       VALUES ($token, $account_id, $space, $path, $deep, $exclusive, $owner, $holder, $timeout_s, $expires_at)`,
    );
    this.#refresh = db.query("UPDATE dav_locks SET timeout_s = ?2, expires_at = ?3 WHERE token = ?1");
    this.#delete = db.query("DELETE FROM dav_locks WHERE token = ?1");
    this.#deleteUnder = db.query(
      `DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND ${startsWithSql("path", "?3")}`,
    );
    this.#deleteAt = db.query("DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND path = ?3");
    this.#deleteExpired = db.query("DELETE FROM dav_locks WHERE expires_at <= ?1");
  }

  /** Every unexpired lock of a space; a space holds few locks, so callers filter by path in memory. */
  active(scope: Scope, now: number): LockRow[] {
    return this.#active.all(scope.account, scope.space, now);
  }

  insert(row: LockRow): void {
    this.#insert.run({ ...row });
  }

  refresh(token: string, timeoutSeconds: number, expiresAt: number): void {
    this.#refresh.run(token, timeoutSeconds, expiresAt);
  }

  delete(token: string): void {
    this.#delete.run(token);
  }

  /** Drops the locks on a path and, for a folder path, on everything under it. */
  deleteUnder(scope: Scope, path: string): void {
    if (path.endsWith("/") || path === "") this.#deleteUnder.run(scope.account, scope.space, path);
    else this.#deleteAt.run(scope.account, scope.space, path);
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}
