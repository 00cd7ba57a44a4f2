import { CREDENTIAL_COLUMNS, type CredentialRow, IS_API_KEY } from "../credentials";
import type { ApiKeyRepository, KeyRotation } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** API-key views of `credentials` on Postgres (kinds `live` and `test`). */
export class PostgresApiKeyRepository extends PostgresRepository implements ApiKeyRepository {
  async listForAccount(accountId: number): Promise<CredentialRow[]> {
    return this.sql.unsafe(
      `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE account_id = $1 AND ${IS_API_KEY} ORDER BY created_at, seq`,
      [accountId],
    );
  }

  async findForAccount(id: string, accountId: number): Promise<CredentialRow | null> {
    return one(
      await this.sql.unsafe(
        `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1 AND account_id = $2 AND ${IS_API_KEY}`,
        [id, accountId],
      ),
    );
  }

  async deleteForAccount(id: string, accountId: number): Promise<boolean> {
    const rows = await this.sql.unsafe(
      `DELETE FROM credentials WHERE id = $1 AND account_id = $2 AND ${IS_API_KEY} RETURNING id`,
      [id, accountId],
    );
    return rows.length > 0;
  }

  /** The hourly rule is part of the UPDATE, so two racing rotations (on any instances) cannot both win. */
  async rotate(
    ...[id, accountId, secretHash, expiresAt, now, notRotatedSince]: KeyRotation
  ): Promise<CredentialRow | null> {
    return one(
      await this.sql.unsafe(
        `UPDATE credentials SET secret_hash = $1, expires_at = $2, rotated_at = $3
         WHERE id = $4 AND account_id = $5 AND ${IS_API_KEY} AND (rotated_at IS NULL OR rotated_at <= $6)
         RETURNING ${CREDENTIAL_COLUMNS}`,
        [secretHash, expiresAt, now, id, accountId, notRotatedSince],
      ),
    );
  }
}
