import type { ChallengeRow } from "../challenges";
import type { MagicLinkRow } from "../magic-links";
import type { ChallengeRepository, MagicLinkRepository } from "../repositories";
import { one, type Queryable } from "./rows";

const INTS = ["account_id", "created_at", "expires_at"] as const;

/** Ed25519 login challenges on Postgres; `take` is one DELETE, so one instance wins a replay race. */
export class PostgresChallengeRepository implements ChallengeRepository {
  constructor(private readonly sql: Queryable) {}

  async insert(row: ChallengeRow): Promise<void> {
    await this.sql`INSERT INTO challenges (id, account_id, nonce, created_at, expires_at)
      VALUES (${row.id}, ${row.account_id}, ${row.nonce}, ${row.created_at}, ${row.expires_at})`;
  }

  async findById(id: string): Promise<ChallengeRow | null> {
    return one(await this.sql`SELECT * FROM challenges WHERE id = ${id}`, INTS);
  }

  async take(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM challenges WHERE id = ${id} RETURNING id`).length > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.sql`DELETE FROM challenges WHERE expires_at <= ${now} RETURNING id`).length;
  }
}

/** Pending magic links on Postgres; `take` is one DELETE, so a link signs in once across instances. */
export class PostgresMagicLinkRepository implements MagicLinkRepository {
  constructor(private readonly sql: Queryable) {}

  async insert(row: MagicLinkRow): Promise<void> {
    await this.sql`INSERT INTO magic_links (id, email, secret_hash, created_at, expires_at)
      VALUES (${row.id}, ${row.email}, ${row.secret_hash}, ${row.created_at}, ${row.expires_at})`;
  }

  async findById(id: string): Promise<MagicLinkRow | null> {
    return one(await this.sql`SELECT * FROM magic_links WHERE id = ${id}`, ["created_at", "expires_at"]);
  }

  async take(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM magic_links WHERE id = ${id} RETURNING id`).length > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.sql`DELETE FROM magic_links WHERE expires_at <= ${now} RETURNING id`).length;
  }
}
