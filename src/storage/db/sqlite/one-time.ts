import type { Database, SQLQueryBindings, Statement } from "bun:sqlite";
import type { ChallengeRow } from "../challenges";
import type { MagicLinkRow } from "../magic-links";
import type { OneTimeRepository } from "../repositories";

/** Rows used once before they expire; `take` is one DELETE, so one caller wins a replay race. */
class OneTimeRows<Row> implements OneTimeRepository<Row> {
  readonly #insert: Statement;
  readonly #byId: Statement<Row, [string]>;
  readonly #take: Statement<{ id: string }, [string]>;
  readonly #deleteExpired: Statement;

  constructor(
    db: Database,
    table: string,
    private readonly columns: readonly (keyof Row & string)[],
  ) {
    const values = columns.map((_, i) => `?${i + 1}`).join(", ");
    this.#insert = db.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${values})`);
    this.#byId = db.query(`SELECT * FROM ${table} WHERE id = ?1`);
    this.#take = db.query(`DELETE FROM ${table} WHERE id = ?1 RETURNING id`);
    this.#deleteExpired = db.query(`DELETE FROM ${table} WHERE expires_at <= ?1`);
  }

  async insert(row: Row): Promise<void> {
    this.#insert.run(...this.columns.map((column) => row[column] as SQLQueryBindings));
  }

  async findById(id: string): Promise<Row | null> {
    return this.#byId.get(id);
  }

  async take(id: string): Promise<boolean> {
    return this.#take.get(id) !== null;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}

/** Ed25519 login challenges. */
export const sqliteChallenges = (db: Database) =>
  new OneTimeRows<ChallengeRow>(db, "challenges", ["id", "account_id", "nonce", "created_at", "expires_at"]);

/** Pending magic links; only an argon2id hash of each link's secret is kept. */
export const sqliteMagicLinks = (db: Database) =>
  new OneTimeRows<MagicLinkRow>(db, "magic_links", ["id", "email", "secret_hash", "created_at", "expires_at"]);
