import { CREDENTIAL_COLUMNS, type CredentialAuthRow, type CredentialRow, type NewCredential } from "../credentials";
import type { CredentialRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** `credentials` on Postgres: every token, session and key, stored as an argon2id hash. */
export class PostgresCredentialRepository extends PostgresRepository implements CredentialRepository {
  async insert(row: NewCredential): Promise<void> {
    await this.sql`INSERT INTO credentials
      (id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, created_at, expires_at, grant_id,
        made_by, made_by_grant)
      VALUES (${row.id}, ${row.kind}, ${row.account_id}, ${row.secret_hash}, ${row.name ?? ""}, ${row.scopes ?? null},
        ${row.prefix ?? ""}, ${row.remove_on_use ?? 0}, ${row.created_at}, ${row.expires_at ?? null}, ${row.grant_id ?? null},
        ${row.made_by ?? null}, ${row.made_by_grant ?? null})`;
  }

  async findById(id: string): Promise<CredentialRow | null> {
    return one(await this.sql.unsafe(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1`, [id]));
  }

  /** The per-request read: by primary key, only the columns the verifier needs. */
  async findForAuth(id: string): Promise<CredentialAuthRow | null> {
    return one(
      await this.sql`SELECT id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, expires_at
        FROM credentials WHERE id = ${id}`,
    );
  }

  /** One DELETE decides: of instances racing with one single-use token, one gets the row. */
  async consume(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM credentials WHERE id = ${id} RETURNING id`).length > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM credentials WHERE id = ${id} RETURNING id`).length > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.sql`DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ${now} RETURNING id`)
      .length;
  }

  /** Adds each instance's batched counters to the row: increments, so instances never overwrite each other. */
  async recordUsage(entries: Iterable<[string, { count: number; lastUsedAt: number }]>): Promise<void> {
    for (const [id, usage] of entries) {
      await this.sql`UPDATE credentials SET use_count = use_count + ${usage.count},
        last_used_at = greatest(coalesce(last_used_at, 0), ${usage.lastUsedAt}) WHERE id = ${id}`;
    }
  }

  /** One UPDATE decides: of two refreshes of one refresh token on any instances, one rotates it. */
  async claimRotation(id: string, now: number): Promise<boolean> {
    return (
      (await this.sql`UPDATE credentials SET rotated_at = ${now} WHERE id = ${id} AND rotated_at IS NULL RETURNING id`)
        .length > 0
    );
  }

  async saveRotationAnswer(id: string, sealed: string): Promise<void> {
    await this.sql`UPDATE credentials SET rotation_answer = ${sealed} WHERE id = ${id}`;
  }

  async rotationOf(id: string): Promise<{ rotated_at: number | null; rotation_answer: string | null } | null> {
    return one(await this.sql`SELECT rotated_at, rotation_answer FROM credentials WHERE id = ${id}`);
  }

  async forgetRotationAnswers(before: number): Promise<number> {
    const rows = await this.sql`UPDATE credentials SET rotation_answer = NULL
      WHERE rotation_answer IS NOT NULL AND rotated_at < ${before} RETURNING id`;
    return rows.length;
  }

  async lastUseByGrant(accountId: number): Promise<Map<string, number | null>> {
    const rows = await this.sql`SELECT grant_id, max(last_used_at) AS last_used_at FROM credentials
      WHERE account_id = ${accountId} AND grant_id IS NOT NULL GROUP BY grant_id`;
    return new Map(rows.map((r: { grant_id: string; last_used_at: number | null }) => [r.grant_id, r.last_used_at]));
  }

  async grantHasLiveToken(grantId: string, now: number): Promise<boolean> {
    const rows = await this.sql`SELECT 1 FROM credentials
      WHERE grant_id = ${grantId} AND (expires_at IS NULL OR expires_at > ${now}) LIMIT 1`;
    return rows.length > 0;
  }
}
