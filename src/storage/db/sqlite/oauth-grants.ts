import type { OAuthGrantRow } from "../oauth";
import type { OAuthGrantRepository } from "../repositories";
import { SqliteRepository } from "./sql";

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
