import type { Database, Statement } from "bun:sqlite";

export interface ChallengeRow {
  id: string;
  account_id: number;
  nonce: string;
  created_at: number;
  expires_at: number;
}

/** Repository for Ed25519 login challenges. */
export class ChallengeRepository {
  readonly #insert: Statement;
  readonly #byId: Statement<ChallengeRow, [string]>;
  readonly #take: Statement<{ id: string }, [string]>;
  readonly #deleteExpired: Statement;

  constructor(db: Database) {
    this.#insert = db.query(
      "INSERT INTO challenges (id, account_id, nonce, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    );
    this.#byId = db.query("SELECT * FROM challenges WHERE id = ?1");
    this.#take = db.query("DELETE FROM challenges WHERE id = ?1 RETURNING id");
    this.#deleteExpired = db.query("DELETE FROM challenges WHERE expires_at <= ?1");
  }

  insert(row: ChallengeRow): void {
    this.#insert.run(row.id, row.account_id, row.nonce, row.created_at, row.expires_at);
  }

  findById(id: string): ChallengeRow | null {
    return this.#byId.get(id);
  }

  /** Removes the challenge; true only for the one caller whose DELETE removed the row. */
  take(id: string): boolean {
    return this.#take.get(id) !== null;
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}
