import type { OAuthClientRow } from "../oauth";
import type { OAuthClientRepository } from "../repositories";
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
