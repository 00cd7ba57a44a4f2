import type { Scope } from "../files";
import type { UploadRepository } from "../repositories";
import type { UploadRow } from "../uploads";
import { SqliteRepository } from "./sql";

/** Repository for uploads started but not yet completed (their bytes are not visible yet). */
export class SqliteUploadRepository extends SqliteRepository implements UploadRepository {
  readonly #insert = this.db.query(
    `INSERT INTO uploads (id, account_id, space, path, object_key, kind, content_type, created_at, expires_at)
     VALUES ($id, $account_id, $space, $path, $object_key, $kind, $content_type, $created_at, $expires_at)`,
  );
  readonly #get = this.db.query<UploadRow, [string]>("SELECT * FROM uploads WHERE id = ?1");
  readonly #pending = this.db.query<UploadRow, [number, string, string, string]>(
    `SELECT * FROM uploads WHERE account_id = ?1 AND space = ?2 AND path = ?3 AND kind = ?4 AND completed_at IS NULL
     ORDER BY created_at DESC, rowid DESC`,
  );
  readonly #delete = this.db.query<{ id: string }, [string]>("DELETE FROM uploads WHERE id = ?1 RETURNING id");
  readonly #stale = this.db.query<UploadRow, [number]>(
    "SELECT * FROM uploads WHERE created_at < ?1 AND completed_at IS NULL",
  );
  readonly #complete = this.db.query<{ id: string }, [string, number]>(
    "UPDATE uploads SET completed_at = ?2 WHERE id = ?1 AND completed_at IS NULL RETURNING id",
  );
  readonly #reopen = this.db.query("UPDATE uploads SET completed_at = NULL WHERE id = ?1");
  readonly #expiredCompleted = this.db.query<UploadRow, [number]>(
    "SELECT * FROM uploads WHERE completed_at IS NOT NULL AND expires_at <= ?1",
  );
  readonly #forAccount = this.db.query<UploadRow, [number]>("SELECT * FROM uploads WHERE account_id = ?1");
  readonly #usesObject = this.db.query<{ one: number }, [string]>(
    "SELECT 1 AS one FROM uploads WHERE object_key = ?1 LIMIT 1",
  );
  readonly #addBytes = this.db.query("UPDATE uploads SET bytes = bytes + ?2 WHERE id = ?1");
  readonly #pendingByKey = this.db.query<UploadRow, [string]>(
    "SELECT * FROM uploads WHERE object_key = ?1 AND completed_at IS NULL LIMIT 1",
  );

  async insert(row: UploadRow): Promise<void> {
    this.#insert.run({ ...row });
  }

  async get(id: string): Promise<UploadRow | null> {
    return this.#get.get(id);
  }

  async pending(scope: Scope, path: string, kind: UploadRow["kind"]): Promise<UploadRow[]> {
    return this.#pending.all(scope.account, scope.space, path, kind);
  }

  /** True only for the caller that removed the row: completing an upload happens once. */
  async delete(id: string): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }

  /** Marks a pending upload completed; true only for the one caller that did (two completes race). */
  async markCompleted(id: string, now: number): Promise<boolean> {
    return this.#complete.get(id, now) !== null;
  }

  /** Puts a completed upload back to pending (its commit failed before anything became visible). */
  async reopen(id: string): Promise<void> {
    this.#reopen.run(id);
  }

  /** Completed uploads whose signed URL has expired: nothing can write to their old key any more. */
  async completedAndExpired(now: number): Promise<UploadRow[]> {
    return this.#expiredCompleted.all(now);
  }

  async startedBefore(cutoff: number): Promise<UploadRow[]> {
    return this.#stale.all(cutoff);
  }

  async usesObject(objectKey: string): Promise<boolean> {
    return this.#usesObject.get(objectKey) !== null;
  }

  /** The pending upload whose bytes go to `objectKey` (a signed PUT names only the key). */
  async pendingByObjectKey(objectKey: string): Promise<UploadRow | null> {
    return this.#pendingByKey.get(objectKey);
  }

  async addBytes(id: string, bytes: number): Promise<void> {
    if (bytes !== 0) this.#addBytes.run(id, bytes);
  }

  async forAccount(account: number): Promise<UploadRow[]> {
    return this.#forAccount.all(account);
  }
}
