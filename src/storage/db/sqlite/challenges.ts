import type { Database, Statement } from "bun:sqlite";
import type { ChallengeRow } from "../challenges";
import type { ChallengeRepository } from "../repositories";

/** Repository for Ed25519 login challenges. */
export class SqliteChallengeRepository implements ChallengeRepository {
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

  async insert(row: ChallengeRow): Promise<void> {
    this.#insert.run(row.id, row.account_id, row.nonce, row.created_at, row.expires_at);
  }

  async findById(id: string): Promise<ChallengeRow | null> {
    return this.#byId.get(id);
  }

  /** Removes the challenge; true only for the one caller whose DELETE removed the row. */
  async take(id: string): Promise<boolean> {
    return this.#take.get(id) !== null;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}
