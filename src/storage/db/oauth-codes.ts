import type { Database, Statement } from "bun:sqlite";

export interface OAuthCodeRow {
  code_hash: string;
  client_id: string;
  account_id: number;
  /** The redirect_uri of the authorization request as sent (null when it was left out). */
  redirect_uri: string | null;
  scopes: string;
  prefix: string;
  code_challenge: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  grant_id: string | null;
}

/** Repository for `oauth_codes`: authorization codes, kept by SHA-256 so the table never holds one. */
export class OAuthCodeRepository {
  readonly #insert: Statement;
  readonly #find: Statement<OAuthCodeRow, [string]>;
  readonly #claim: Statement<OAuthCodeRow, [string, number]>;
  readonly #bind: Statement;
  readonly #deleteExpired: Statement;

  constructor(db: Database) {
    this.#insert = db.query(
      `INSERT INTO oauth_codes (code_hash, client_id, account_id, redirect_uri, scopes, prefix, code_challenge, created_at, expires_at)
       VALUES ($code_hash, $client_id, $account_id, $redirect_uri, $scopes, $prefix, $code_challenge, $created_at, $expires_at)`,
    );
    this.#find = db.query("SELECT * FROM oauth_codes WHERE code_hash = ?1");
    this.#claim = db.query("UPDATE oauth_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL RETURNING *");
    this.#bind = db.query("UPDATE oauth_codes SET grant_id = ?2 WHERE code_hash = ?1");
    this.#deleteExpired = db.query("DELETE FROM oauth_codes WHERE expires_at <= ?1");
  }

  insert(row: Omit<OAuthCodeRow, "used_at" | "grant_id">): void {
    this.#insert.run({ ...row });
  }

  find(codeHash: string): OAuthCodeRow | null {
    return this.#find.get(codeHash);
  }

  /** Marks a code used; the row for the one caller that did, null when it was used already (or unknown). */
  claim(codeHash: string, now: number): OAuthCodeRow | null {
    return this.#claim.get(codeHash, now);
  }

  /** Remembers which grant a code produced, so a replay of the code can revoke it. */
  bindGrant(codeHash: string, grantId: string): void {
    this.#bind.run(codeHash, grantId);
  }

  /** Deletes codes that expired before `before`; returns how many. */
  deleteExpired(before: number): number {
    return this.#deleteExpired.run(before).changes;
  }
}
