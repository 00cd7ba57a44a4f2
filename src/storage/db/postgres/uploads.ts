import type { Scope } from "../files";
import type { UploadRepository } from "../repositories";
import type { UploadRow } from "../uploads";
import { one, PostgresRepository } from "./rows";

const COLUMNS = "id, account_id, space, path, object_key, kind, content_type, created_at, expires_at, completed_at";

/** Uploads started but not yet completed, on Postgres; completing one is decided by one statement. */
export class PostgresUploadRepository extends PostgresRepository implements UploadRepository {
  async #rows(where: string, params: unknown[]): Promise<UploadRow[]> {
    return this.sql.unsafe(`SELECT ${COLUMNS} FROM uploads WHERE ${where}`, params);
  }

  async insert(row: UploadRow): Promise<void> {
    await this
      .sql`INSERT INTO uploads (id, account_id, space, path, object_key, kind, content_type, created_at, expires_at)
      VALUES (${row.id}, ${row.account_id}, ${row.space}, ${row.path}, ${row.object_key}, ${row.kind}, ${row.content_type},
        ${row.created_at}, ${row.expires_at})`;
  }

  async get(id: string): Promise<UploadRow | null> {
    return one(await this.#rows("id = $1", [id]));
  }

  async pending(scope: Scope, path: string, kind: UploadRow["kind"]): Promise<UploadRow[]> {
    return this.#rows(
      "account_id = $1 AND space = $2 AND path = $3 AND kind = $4 AND completed_at IS NULL ORDER BY created_at DESC, seq DESC",
      [scope.account, scope.space, path, kind],
    );
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM uploads WHERE id = ${id} RETURNING id`).length > 0;
  }

  async markCompleted(id: string, now: number): Promise<boolean> {
    const rows = await this
      .sql`UPDATE uploads SET completed_at = ${now} WHERE id = ${id} AND completed_at IS NULL RETURNING id`;
    return rows.length > 0;
  }

  async reopen(id: string): Promise<void> {
    await this.sql`UPDATE uploads SET completed_at = NULL WHERE id = ${id}`;
  }

  async completedAndExpired(now: number): Promise<UploadRow[]> {
    return this.#rows("completed_at IS NOT NULL AND expires_at <= $1", [now]);
  }

  async startedBefore(cutoff: number): Promise<UploadRow[]> {
    return this.#rows("created_at < $1 AND completed_at IS NULL", [cutoff]);
  }

  async usesObject(objectKey: string): Promise<boolean> {
    return (await this.sql`SELECT 1 FROM uploads WHERE object_key = ${objectKey} LIMIT 1`).length > 0;
  }

  async pendingByObjectKey(objectKey: string): Promise<UploadRow | null> {
    return one(await this.#rows("object_key = $1 AND completed_at IS NULL LIMIT 1", [objectKey]));
  }

  async addBytes(id: string, bytes: number): Promise<void> {
    if (bytes !== 0) await this.sql`UPDATE uploads SET bytes = bytes + ${bytes} WHERE id = ${id}`;
  }

  async forAccount(accountId: number): Promise<UploadRow[]> {
    return this.#rows("account_id = $1", [accountId]);
  }
}
