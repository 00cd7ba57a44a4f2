import type { OAuthClientRow, OAuthCodeRow, OAuthGrantRow } from "../oauth";
import type { OAuthClientRepository, OAuthCodeRepository, OAuthGrantRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/** `oauth_clients` on SQLite: the apps people registered for OAuth 2.0. */
export class SqliteOAuthClientRepository extends SqliteRepository implements OAuthClientRepository {
  readonly #byId = this.db.query<OAuthClientRow, [string]>("SELECT * FROM oauth_clients WHERE id = ?1");
  readonly #byAccount = this.db.query<OAuthClientRow, [number]>(
    "SELECT * FROM oauth_clients WHERE account_id = ?1 ORDER BY created_at, id",
  );
  readonly #insert = this.db.query(
    `INSERT INTO oauth_clients (id, account_id, name, redirect_uris, auth_method, secret_hash, created_at)
     VALUES ($id, $account_id, $name, $redirect_uris, $auth_method, $secret_hash, $created_at)`,
  );
  readonly #delete = this.db.query<{ id: string }, [string, number]>(
    "DELETE FROM oauth_clients WHERE id = ?1 AND account_id = ?2 RETURNING id",
  );
  readonly #setSecret = this.db.query<{ id: string }, [string, number, string, number]>(
    "UPDATE oauth_clients SET secret_hash = ?3, secret_rotated_at = ?4 WHERE id = ?1 AND account_id = ?2 AND secret_hash IS NOT NULL RETURNING id",
  );

  async insert(row: Omit<OAuthClientRow, "secret_rotated_at">): Promise<void> {
    this.#insert.run({ ...row });
  }

  async findById(id: string): Promise<OAuthClientRow | null> {
    return this.#byId.get(id);
  }

  async listByAccount(accountId: number): Promise<OAuthClientRow[]> {
    return this.#byAccount.all(accountId);
  }

  /** Deletes an app of the account; its grants, codes and tokens go with it (cascade). */
  async delete(id: string, accountId: number): Promise<boolean> {
    return this.#delete.get(id, accountId) !== null;
  }

  async replaceSecret(id: string, accountId: number, secretHash: string, now: number): Promise<boolean> {
    return this.#setSecret.get(id, accountId, secretHash, now) !== null;
  }
}

/** `oauth_codes` on SQLite: authorization codes, kept by SHA-256 so the table never holds one. */
export class SqliteOAuthCodeRepository extends SqliteRepository implements OAuthCodeRepository {
  readonly #insert = this.db.query(
    `INSERT INTO oauth_codes (code_hash, client_id, account_id, redirect_uri, scopes, prefix, code_challenge, created_at, expires_at)
     VALUES ($code_hash, $client_id, $account_id, $redirect_uri, $scopes, $prefix, $code_challenge, $created_at, $expires_at)`,
  );
  readonly #find = this.db.query<OAuthCodeRow, [string]>("SELECT * FROM oauth_codes WHERE code_hash = ?1");
  readonly #claim = this.db.query<OAuthCodeRow, [string, number]>(
    "UPDATE oauth_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL RETURNING *",
  );
  readonly #bind = this.db.query("UPDATE oauth_codes SET grant_id = ?2 WHERE code_hash = ?1");
  readonly #deleteExpired = this.db.query("DELETE FROM oauth_codes WHERE expires_at <= ?1");

  async insert(row: Omit<OAuthCodeRow, "used_at" | "grant_id">): Promise<void> {
    this.#insert.run({ ...row });
  }

  async find(codeHash: string): Promise<OAuthCodeRow | null> {
    return this.#find.get(codeHash);
  }

  /** Marks a code used; the row for the one caller that did, null when it was used already (or unknown). */
  async claim(codeHash: string, now: number): Promise<OAuthCodeRow | null> {
    return this.#claim.get(codeHash, now);
  }

  async bindGrant(codeHash: string, grantId: string): Promise<void> {
    this.#bind.run(codeHash, grantId);
  }

  async deleteExpired(before: number): Promise<number> {
    return this.#deleteExpired.run(before).changes;
  }
}

/** `oauth_grants` on SQLite. Deleting a grant ends its tokens (credentials.grant_id cascades). */
export class SqliteOAuthGrantRepository extends SqliteRepository implements OAuthGrantRepository {
  readonly #byId = this.db.query<OAuthGrantRow, [string]>("SELECT * FROM oauth_grants WHERE id = ?1");
  readonly #byAccount = this.db.query<OAuthGrantRow, [number]>(
    "SELECT * FROM oauth_grants WHERE account_id = ?1 ORDER BY created_at, id",
  );
  readonly #insert = this.db.query(
    `INSERT INTO oauth_grants (id, client_id, account_id, scopes, prefix, created_at)
     VALUES ($id, $client_id, $account_id, $scopes, $prefix, $created_at)`,
  );
  readonly #delete = this.db.query<{ id: string }, [string]>("DELETE FROM oauth_grants WHERE id = ?1 RETURNING id");
  readonly #deleteOwned = this.db.query<{ id: string }, [string, number]>(
    "DELETE FROM oauth_grants WHERE id = ?1 AND account_id = ?2 RETURNING id",
  );
  readonly #touch = this.db.query("UPDATE oauth_grants SET refreshed_at = ?2 WHERE id = ?1");
  // A grant whose every token has expired and been swept has nothing left to revoke.
  readonly #deleteEmpty = this.db.query(
    "DELETE FROM oauth_grants WHERE created_at < ?1 AND NOT EXISTS (SELECT 1 FROM credentials WHERE grant_id = oauth_grants.id)",
  );

  async insert(row: Omit<OAuthGrantRow, "refreshed_at">): Promise<void> {
    this.#insert.run({ ...row });
  }

  async findById(id: string): Promise<OAuthGrantRow | null> {
    return this.#byId.get(id);
  }

  async listByAccount(accountId: number): Promise<OAuthGrantRow[]> {
    return this.#byAccount.all(accountId);
  }

  /** Revokes a grant: its access and refresh tokens are deleted with it. */
  async delete(id: string): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }

  async deleteOwned(id: string, accountId: number): Promise<boolean> {
    return this.#deleteOwned.get(id, accountId) !== null;
  }

  async markRefreshed(id: string, now: number): Promise<void> {
    this.#touch.run(id, now);
  }

  async deleteEmpty(before: number): Promise<number> {
    return this.#deleteEmpty.run(before).changes;
  }
}
