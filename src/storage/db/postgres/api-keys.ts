import type { CredentialRow } from "../credentials";
import type { ApiKeyRepository } from "../repositories";
import { CREDENTIAL_COLUMNS } from "./credentials";
import { one, PostgresRepository } from "./rows";

const IS_KEY = "kind IN ('live', 'test')";

/** API-key views of `credentials` on Postgres (kinds `live` and `test`). */
export class PostgresApiKeyRepository extends PostgresRepository implements ApiKeyRepository {
  async listForAccount(accountId: number): Promise<CredentialRow[]> {
    return this.sql.unsafe(
      `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE account_id = $1 AND ${IS_KEY} ORDER BY created_at, seq`,
      [accountId],
    );
  }

  async findForAccount(id: string, accountId: number): Promise<CredentialRow | null> {
    return one(
      await this.sql.unsafe(
        `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1 AND account_id = $2 AND ${IS_KEY}`,
        [id, accountId],
      ),
    );
  }

  async deleteForAccount(id: string, accountId: number): Promise<boolean> {
    const rows = await this.sql.unsafe(
      `DELETE FROM credentials WHERE id = $1 AND account_id = $2 AND ${IS_KEY} RETURNING id`,
      [id, accountId],
    );
    return rows.length > 0;
  }

  /** The hourly rule is part of the UPDATE, so two racing rotations (on any instances) cannot both win. */
  async rotate(
    id: string,
    accountId: number,
    secretHash: string,
    expiresAt: number,
    now: number,
    notRotatedSince: number,
  ): Promise<CredentialRow | null> {
    return one(
      await this.sql.unsafe(
        `UPDATE credentials SET secret_hash = $1, expires_at = $2, rotated_at = $3
         WHERE id = $4 AND account_id = $5 AND ${IS_KEY} AND (rotated_at IS NULL OR rotated_at <= $6)
         RETURNING ${CREDENTIAL_COLUMNS}`,
        [secretHash, expiresAt, now, id, accountId, notRotatedSince],
      ),
    );
  }
}
