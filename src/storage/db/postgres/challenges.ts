import type { ChallengeRow } from "../challenges";
import type { MagicLinkRow } from "../magic-links";
import type { OneTimeRepository } from "../repositories";
import { one, type Queryable } from "./rows";

/** Rows used once before they expire; `take` is one DELETE, so one instance wins a replay race. */
class OneTimeRows<Row extends object> implements OneTimeRepository<Row> {
  constructor(
    private readonly sql: Queryable,
    private readonly table: string,
  ) {}

  async insert(row: Row): Promise<void> {
    await this.sql`INSERT INTO ${this.sql(this.table)} ${this.sql(row)}`;
  }

  async findById(id: string): Promise<Row | null> {
    return one(await this.sql`SELECT * FROM ${this.sql(this.table)} WHERE id = ${id}`);
  }

  async take(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM ${this.sql(this.table)} WHERE id = ${id} RETURNING id`).length > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.sql`DELETE FROM ${this.sql(this.table)} WHERE expires_at <= ${now} RETURNING id`).length;
  }
}

/** Ed25519 login challenges. */
export const postgresChallenges = (sql: Queryable) => new OneTimeRows<ChallengeRow>(sql, "challenges");

/** Pending magic links: a link signs in once across instances. */
export const postgresMagicLinks = (sql: Queryable) => new OneTimeRows<MagicLinkRow>(sql, "magic_links");
