import type { Database, Statement } from "bun:sqlite";

export interface AccountRow {
  id: number;
  name: string;
  type: "human" | "agent";
  public_key: string | null;
  email: string | null;
  created_at: number;
  /** Storage limits across both spaces; null = no limit. */
  quota_bytes: number | null;
  quota_files: number | null;
}

export type NewAccount = Pick<AccountRow, "name" | "type" | "created_at"> &
  Partial<Pick<AccountRow, "public_key" | "email" | "quota_bytes" | "quota_files">>;

/** Repository for `accounts`. Names and e-mail addresses compare case-insensitively (COLLATE NOCASE). */
export class AccountRepository {
  readonly #byName: Statement<AccountRow, [string]>;
  readonly #byEmail: Statement<AccountRow, [string]>;
  readonly #byId: Statement<AccountRow, [number]>;
  readonly #list: Statement<AccountRow, []>;
  readonly #insert: Statement<
    { id: number },
    [string, string, string | null, string | null, number, number | null, number | null]
  >;
  readonly #delete: Statement<{ id: number }, [number]>;
  readonly #objectKeys: Statement<{ object_key: string }, [number, number]>;
  readonly #queueObjects: Statement;
  readonly #queueMultipart: Statement;

  constructor(private readonly db: Database) {
    this.#byName = db.query("SELECT * FROM accounts WHERE name = ?1");
    this.#byEmail = db.query("SELECT * FROM accounts WHERE email = ?1");
    this.#byId = db.query("SELECT * FROM accounts WHERE id = ?1");
    this.#list = db.query("SELECT * FROM accounts ORDER BY id");
    this.#insert = db.query(
      `INSERT INTO accounts (name, type, public_key, email, created_at, quota_bytes, quota_files)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id`,
    );
    this.#delete = db.query("DELETE FROM accounts WHERE id = ?1 RETURNING id");
    this.#objectKeys = db.query(
      `SELECT object_key FROM files WHERE account_id = ?1 AND object_key IS NOT NULL
       UNION SELECT object_key FROM versions WHERE account_id = ?1 AND object_key IS NOT NULL
       UNION SELECT object_key FROM uploads WHERE account_id = ?2`,
    );
    this.#queueObjects = db.query(
      `INSERT OR IGNORE INTO reclaim (object_key, upload_id, queued_at)
       SELECT object_key, '', ?2 FROM files WHERE account_id = ?1 AND object_key IS NOT NULL
       UNION SELECT object_key, '', ?2 FROM versions WHERE account_id = ?1 AND object_key IS NOT NULL
       UNION SELECT object_key, '', ?2 FROM uploads WHERE account_id = ?1 AND kind = 'single'`,
    );
    // A multipart upload's row id is the store's upload id.
    this.#queueMultipart = db.query(
      `INSERT OR IGNORE INTO reclaim (object_key, upload_id, queued_at)
       SELECT object_key, id, ?2 FROM uploads WHERE account_id = ?1 AND kind = 'multipart'`,
    );
  }

  findByName(name: string): AccountRow | null {
    return this.#byName.get(name);
  }

  findByEmail(email: string): AccountRow | null {
    return this.#byEmail.get(email);
  }

  findById(id: number): AccountRow | null {
    return this.#byId.get(id);
  }

  list(): AccountRow[] {
    return this.#list.all();
  }

  /**
   * Inserts an account; null when the name (or e-mail) is already taken. `within` runs in the
   * same transaction with the new id (spending an invite): if it throws, nothing is inserted.
   */
  insert(account: NewAccount, within?: (accountId: number) => void): AccountRow | null {
    try {
      return this.db
        .transaction(() => {
          const row = this.#insert.get(
            account.name,
            account.type,
            account.public_key ?? null,
            account.email ?? null,
            account.created_at,
            account.quota_bytes ?? null,
            account.quota_files ?? null,
          );
          if (!row) return null;
          within?.(row.id);
          return this.findById(row.id);
        })
        .immediate();
    } catch (error) {
      if (String((error as Error).message).includes("UNIQUE")) return null;
      throw error;
    }
  }

  /**
   * Deletes an account with everything that hangs off it (credentials, files, events,
   * uploads, shares, challenges: ON DELETE CASCADE) in one transaction, which also queues
   * its stored bytes (objects, and multipart uploads to abort) in `reclaim`. Returns the
   * object keys queued; null when no such account exists.
   */
  deleteWithObjects(id: number, now: number): string[] | null {
    return this.db
      .transaction(() => {
        const keys = this.#objectKeys.all(id, id).map((r) => r.object_key);
        this.#queueObjects.run(id, now);
        this.#queueMultipart.run(id, now);
        return this.#delete.get(id) ? keys : null;
      })
      .immediate();
  }
}
