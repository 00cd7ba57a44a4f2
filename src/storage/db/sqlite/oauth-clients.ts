import type { Database, Statement } from "bun:sqlite";
import type { OAuthClientRow } from "../oauth";
import type { OAuthClientRepository } from "../repositories";

/** `oauth_clients` on SQLite: the apps people registered for OAuth 2.0. */
export class SqliteOAuthClientRepository implements OAuthClientRepository {
  readonly #byId: Statement<OAuthClientRow, [string]>;
  readonly #byAccount: Statement<OAuthClientRow, [number]>;
  readonly #insert: Statement;
  readonly #delete: Statement<{ id: string }, [string, number]>;
  readonly #setSecret: Statement<{ id: string }, [string, number, string, number]>;

  constructor(db: Database) {
    this.#byId = db.query("SELECT * FROM oauth_clients WHERE id = ?1");
    this.#byAccount = db.query("SELECT * FROM oauth_clients WHERE account_id = ?1 ORDER BY created_at, id");
    this.#insert = db.query(
      `INSERT INTO oauth_clients (id, account_id, name, redirect_uris, auth_method, secret_hash, created_at)
       VALUES ($id, $account_id, $name, $redirect_uris, $auth_method, $secret_hash, $created_at)`,
    );
    this.#delete = db.query("DELETE FROM oauth_clients WHERE id = ?1 AND account_id = ?2 RETURNING id");
    this.#setSecret = db.query(
      "UPDATE oauth_clients SET secret_hash = ?3, secret_rotated_at = ?4 WHERE id = ?1 AND account_id = ?2 AND secret_hash IS NOT NULL RETURNING id",
    );
  }

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

  /** Replaces a confidential client's secret hash; false for unknown or public clients. */
  async replaceSecret(id: string, accountId: number, secretHash: string, now: number): Promise<boolean> {
    return this.#setSecret.get(id, accountId, secretHash, now) !== null;
  }
}
