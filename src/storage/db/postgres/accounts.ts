import type { AccountRow, NewAccount } from "../accounts";
import type { AccountRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** `accounts` on Postgres. Names and e-mail addresses compare case-insensitively (lower() indexes). */
export class PostgresAccountRepository extends PostgresRepository implements AccountRepository {
  async findByName(name: string): Promise<AccountRow | null> {
    return one(await this.sql`SELECT * FROM accounts WHERE lower(name) = lower(${name})`);
  }

  async findByEmail(email: string): Promise<AccountRow | null> {
    return one(await this.sql`SELECT * FROM accounts WHERE lower(email) = lower(${email})`);
  }

  async findById(id: number): Promise<AccountRow | null> {
    return one(await this.sql`SELECT * FROM accounts WHERE id = ${id}`);
  }

  async nameOf(id: number): Promise<string | null> {
    const [row] = await this.sql`SELECT name FROM accounts WHERE id = ${id}`;
    return row?.name ?? null;
  }

  async list(): Promise<AccountRow[]> {
    return this.sql`SELECT * FROM accounts ORDER BY id`;
  }

  /** A taken name or e-mail inserts nothing and returns no row (either unique index). */
  async insert(account: NewAccount): Promise<AccountRow | null> {
    return one(
      await this.sql`INSERT INTO accounts (name, type, public_key, email, created_at, quota_bytes, quota_files)
        VALUES (${account.name}, ${account.type}, ${account.public_key ?? null}, ${account.email ?? null},
          ${account.created_at}, ${account.quota_bytes ?? null}, ${account.quota_files ?? null})
        ON CONFLICT DO NOTHING RETURNING *`,
    );
  }

  async delete(id: number): Promise<boolean> {
    return (await this.sql`DELETE FROM accounts WHERE id = ${id} RETURNING id`).length > 0;
  }
}
