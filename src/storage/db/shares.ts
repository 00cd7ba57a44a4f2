import type { Database, Statement } from "bun:sqlite";

export interface ShareRow {
  id: string;
  token_hash: string;
  account_id: number;
  space: string;
  path: string;
  created_at: number;
  expires_at: number;
}

/** Repository for share links; tokens are stored as SHA-256 hashes only. */
export class ShareRepository {
  readonly #insert: Statement;
  readonly #byHash: Statement<ShareRow, [string]>;
  readonly #deleteExpired: Statement;

  constructor(db: Database) {
    this.#insert = db.query(
      `INSERT INTO shares (id, token_hash, account_id, space, path, created_at, expires_at)
       VALUES ($id, $token_hash, $account_id, $space, $path, $created_at, $expires_at)`,
    );
    this.#byHash = db.query("SELECT * FROM shares WHERE token_hash = ?1");
    this.#deleteExpired = db.query("DELETE FROM shares WHERE expires_at <= ?1");
  }

  insert(row: ShareRow): void {
    this.#insert.run({ ...row });
  }

  findByTokenHash(hash: string): ShareRow | null {
    return this.#byHash.get(hash);
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}
