import type { AccountRow, NewAccount } from "../accounts";
import type { AccountRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/** `accounts` on SQLite. Names and e-mail addresses compare case-insensitively (COLLATE NOCASE). */
export class SqliteAccountRepository extends SqliteRepository implements AccountRepository {
  readonly #byName = this.db.query<AccountRow, [string]>("SELECT * FROM accounts WHERE name = ?1");
  readonly #byEmail = this.db.query<AccountRow, [string]>("SELECT * FROM accounts WHERE email = ?1");
  readonly #byId = this.db.query<AccountRow, [number]>("SELECT * FROM accounts WHERE id = ?1");
  readonly #name = this.db.query<{ name: string }, [number]>("SELECT name FROM accounts WHERE id = ?1");
  readonly #list = this.db.query<AccountRow, []>("SELECT * FROM accounts ORDER BY id");
  // A taken name or e-mail inserts nothing and returns no row (either UNIQUE constraint).
  readonly #insert = this.db.query<
    AccountRow,
    [string, string, string | null, string | null, number, number | null, number | null]
  >(
    `INSERT INTO accounts (name, type, public_key, email, created_at, quota_bytes, quota_files)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING RETURNING *`,
  );
  readonly #delete = this.db.query<{ id: number }, [number]>("DELETE FROM accounts WHERE id = ?1 RETURNING id");

  async findByName(name: string): Promise<AccountRow | null> {
    return this.#byName.get(name);
  }

  async findByEmail(email: string): Promise<AccountRow | null> {
    return this.#byEmail.get(email);
  }

  async findById(id: number): Promise<AccountRow | null> {
    return this.#byId.get(id);
  }

  async nameOf(id: number): Promise<string | null> {
    return this.#name.get(id)?.name ?? null;
  }

  async list(): Promise<AccountRow[]> {
    return this.#list.all();
  }

  async insert(account: NewAccount): Promise<AccountRow | null> {
    return this.#insert.get(
      account.name,
      account.type,
      account.public_key ?? null,
      account.email ?? null,
      account.created_at,
      account.quota_bytes ?? null,
      account.quota_files ?? null,
    );
  }

  async delete(id: number): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }
}
