import type { OAuthCodeRow } from "../oauth";
import type { OAuthCodeRepository } from "../repositories";
import { SqliteRepository } from "./sql";

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
