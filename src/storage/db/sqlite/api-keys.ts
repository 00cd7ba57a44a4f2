import { CREDENTIAL_COLUMNS, type CredentialRow, IS_API_KEY } from "../credentials";
import type { ApiKeyRepository, KeyRotation } from "../repositories";
import { SqliteRepository } from "./sql";

/**
 * API-key queries over the `credentials` table (kinds `live` and `test`). Inserts go
 * through CredentialRepository; this adds the per-account listing, revocation and rotation.
 */
export class SqliteApiKeyRepository extends SqliteRepository implements ApiKeyRepository {
  readonly #list = this.db.query<CredentialRow, [number]>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE account_id = ?1 AND ${IS_API_KEY} ORDER BY created_at, rowid`,
  );
  readonly #find = this.db.query<CredentialRow, [string, number]>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?1 AND account_id = ?2 AND ${IS_API_KEY}`,
  );
  readonly #delete = this.db.query<{ id: string }, [string, number]>(
    `DELETE FROM credentials WHERE id = ?1 AND account_id = ?2 AND ${IS_API_KEY} RETURNING id`,
  );
  // The hourly rule is part of the UPDATE, so two racing rotations cannot both win.
  readonly #rotate = this.db.query<CredentialRow, [string, number | null, number, string, number, number]>(
    `UPDATE credentials SET secret_hash = ?1, expires_at = ?2, rotated_at = ?3
     WHERE id = ?4 AND account_id = ?5 AND ${IS_API_KEY} AND (rotated_at IS NULL OR rotated_at <= ?6)
     RETURNING ${CREDENTIAL_COLUMNS}`,
  );

  async listForAccount(accountId: number): Promise<CredentialRow[]> {
    return this.#list.all(accountId);
  }

  async findForAccount(id: string, accountId: number): Promise<CredentialRow | null> {
    return this.#find.get(id, accountId);
  }

  async deleteForAccount(id: string, accountId: number): Promise<boolean> {
    return this.#delete.get(id, accountId) !== null;
  }

  async rotate(
    ...[id, accountId, secretHash, expiresAt, now, notRotatedSince]: KeyRotation
  ): Promise<CredentialRow | null> {
    return this.#rotate.get(secretHash, expiresAt, now, id, accountId, notRotatedSince);
  }
}
