import type { LockRow } from "../dav-locks";
import type { Scope } from "../files";
import type { DavLockRepository } from "../repositories";
import { SqliteRepository, startsWithSql } from "./sql";

/** Repository for `dav_locks`: WebDAV write locks, kept in the database so they outlive a restart. */
export class SqliteDavLockRepository extends SqliteRepository implements DavLockRepository {
  readonly #active = this.db.query<LockRow, [number, string, number]>(
    "SELECT * FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND expires_at > ?3",
  );
  readonly #insert = this.db.query(
    `INSERT INTO dav_locks (token, account_id, space, path, deep, exclusive, owner, holder, timeout_s, expires_at)
     VALUES ($token, $account_id, $space, $path, $deep, $exclusive, $owner, $holder, $timeout_s, $expires_at)`,
  );
  readonly #refresh = this.db.query("UPDATE dav_locks SET timeout_s = ?2, expires_at = ?3 WHERE token = ?1");
  readonly #delete = this.db.query("DELETE FROM dav_locks WHERE token = ?1");
  readonly #deleteUnder = this.db.query(
    `DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND ${startsWithSql("path", "?3")}`,
  );
  readonly #deleteAt = this.db.query("DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND path = ?3");
  readonly #deleteExpired = this.db.query("DELETE FROM dav_locks WHERE expires_at <= ?1");

  /** Every unexpired lock of a space; a space holds few locks, so callers filter by path in memory. */
  async active(scope: Scope, now: number): Promise<LockRow[]> {
    return this.#active.all(scope.account, scope.space, now);
  }

  async insert(row: LockRow): Promise<void> {
    this.#insert.run({ ...row });
  }

  async refresh(token: string, timeoutSeconds: number, expiresAt: number): Promise<void> {
    this.#refresh.run(token, timeoutSeconds, expiresAt);
  }

  async delete(token: string): Promise<void> {
    this.#delete.run(token);
  }

  async deleteUnder(scope: Scope, path: string): Promise<void> {
    if (path.endsWith("/") || path === "") this.#deleteUnder.run(scope.account, scope.space, path);
    else this.#deleteAt.run(scope.account, scope.space, path);
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}
