import type { OAuthClientRow, OAuthCodeRow, OAuthGrantRow } from "../oauth";
import type { OAuthClientRepository, OAuthCodeRepository, OAuthGrantRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** `oauth_clients` on Postgres: the apps people registered for OAuth 2.0. */
export class PostgresOAuthClientRepository extends PostgresRepository implements OAuthClientRepository {
  async insert(row: Omit<OAuthClientRow, "secret_rotated_at">): Promise<void> {
    await this.sql`INSERT INTO oauth_clients (id, account_id, name, redirect_uris, auth_method, secret_hash, created_at)
      VALUES (${row.id}, ${row.account_id}, ${row.name}, ${row.redirect_uris}, ${row.auth_method}, ${row.secret_hash},
        ${row.created_at})`;
  }

  async findById(id: string): Promise<OAuthClientRow | null> {
    return one(await this.sql`SELECT * FROM oauth_clients WHERE id = ${id}`);
  }

  async listByAccount(accountId: number): Promise<OAuthClientRow[]> {
    return this.sql`SELECT * FROM oauth_clients WHERE account_id = ${accountId} ORDER BY created_at, id`;
  }

  /** Deletes an app of the account; its grants, codes and tokens go with it (cascade). */
  async delete(id: string, accountId: number): Promise<boolean> {
    return (
      (await this.sql`DELETE FROM oauth_clients WHERE id = ${id} AND account_id = ${accountId} RETURNING id`).length > 0
    );
  }

  async replaceSecret(id: string, accountId: number, secretHash: string, now: number): Promise<boolean> {
    const rows = await this.sql`UPDATE oauth_clients SET secret_hash = ${secretHash}, secret_rotated_at = ${now}
      WHERE id = ${id} AND account_id = ${accountId} AND secret_hash IS NOT NULL RETURNING id`;
    return rows.length > 0;
  }
}

/** `oauth_codes` on Postgres: authorization codes, kept by SHA-256 so the table never holds one. */
export class PostgresOAuthCodeRepository extends PostgresRepository implements OAuthCodeRepository {
  async insert(row: Omit<OAuthCodeRow, "used_at" | "grant_id">): Promise<void> {
    await this.sql`INSERT INTO oauth_codes
      (code_hash, client_id, account_id, redirect_uri, scopes, prefix, code_challenge, created_at, expires_at)
      VALUES (${row.code_hash}, ${row.client_id}, ${row.account_id}, ${row.redirect_uri}, ${row.scopes}, ${row.prefix},
        ${row.code_challenge}, ${row.created_at}, ${row.expires_at})`;
  }

  async find(codeHash: string): Promise<OAuthCodeRow | null> {
    return one(await this.sql`SELECT * FROM oauth_codes WHERE code_hash = ${codeHash}`);
  }

  /** One UPDATE decides: of instances racing to exchange one code, one gets the row. */
  async claim(codeHash: string, now: number): Promise<OAuthCodeRow | null> {
    return one(
      await this.sql`UPDATE oauth_codes SET used_at = ${now} WHERE code_hash = ${codeHash} AND used_at IS NULL
        RETURNING *`,
    );
  }

  async bindGrant(codeHash: string, grantId: string): Promise<void> {
    await this.sql`UPDATE oauth_codes SET grant_id = ${grantId} WHERE code_hash = ${codeHash}`;
  }

  async deleteExpired(before: number): Promise<number> {
    return (await this.sql`DELETE FROM oauth_codes WHERE expires_at <= ${before} RETURNING code_hash`).length;
  }
}

/** `oauth_grants` on Postgres. Deleting a grant ends its tokens (credentials.grant_id cascades). */
export class PostgresOAuthGrantRepository extends PostgresRepository implements OAuthGrantRepository {
  async insert(row: Omit<OAuthGrantRow, "refreshed_at">): Promise<void> {
    await this.sql`INSERT INTO oauth_grants (id, client_id, account_id, scopes, prefix, created_at)
      VALUES (${row.id}, ${row.client_id}, ${row.account_id}, ${row.scopes}, ${row.prefix}, ${row.created_at})`;
  }

  async findById(id: string): Promise<OAuthGrantRow | null> {
    return one(await this.sql`SELECT * FROM oauth_grants WHERE id = ${id}`);
  }

  async listByAccount(accountId: number): Promise<OAuthGrantRow[]> {
    return this.sql`SELECT * FROM oauth_grants WHERE account_id = ${accountId} ORDER BY created_at, id`;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM oauth_grants WHERE id = ${id} RETURNING id`).length > 0;
  }

  async deleteOwned(id: string, accountId: number): Promise<boolean> {
    return (
      (await this.sql`DELETE FROM oauth_grants WHERE id = ${id} AND account_id = ${accountId} RETURNING id`).length > 0
    );
  }

  async markRefreshed(id: string, now: number): Promise<void> {
    await this.sql`UPDATE oauth_grants SET refreshed_at = ${now} WHERE id = ${id}`;
  }

  /** A grant whose every token has expired and been swept has nothing left to revoke. */
  async deleteEmpty(before: number): Promise<number> {
    const rows = await this.sql`DELETE FROM oauth_grants g WHERE g.created_at < ${before}
      AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.grant_id = g.id) RETURNING id`;
    return rows.length;
  }
}
