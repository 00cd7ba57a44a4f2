import type { Database, Statement } from "bun:sqlite";
import type { MagicLinkRow } from "../magic-links";
import type { MagicLinkRepository } from "../repositories";

/** Repository for pending magic links; only an argon2id hash of each link's secret is kept. */
export class SqliteMagicLinkRepository implements MagicLinkRepository {
  readonly #insert: Statement;
  readonly #byId: Statement<MagicLinkRow, [string]>;
  readonly #take: Statement<{ id: string }, [string]>;
  readonly #deleteExpired: Statement;

  constructor(db: Database) {
    this.#insert = db.query(
      "INSERT INTO magic_links (id, email, secret_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    );
    this.#byId = db.query("SELECT * FROM magic_links WHERE id = ?1");
    this.#take = db.query("DELETE FROM magic_links WHERE id = ?1 RETURNING id");
    this.#deleteExpired = db.query("DELETE FROM magic_links WHERE expires_at <= ?1");
  }

  async insert(row: MagicLinkRow): Promise<void> {
    this.#insert.run(row.id, row.email, row.secret_hash, row.created_at, row.expires_at);
  }

  async findById(id: string): Promise<MagicLinkRow | null> {
    return this.#byId.get(id);
  }

  /** Consumes the link; true only for the one caller whose DELETE removed the row. */
  async take(id: string): Promise<boolean> {
    return this.#take.get(id) !== null;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}
