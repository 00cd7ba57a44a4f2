import type { InviteRow } from "../invites";
import type { QuotaLimits, Usage } from "../quotas";
import type { InviteRepository, QuotaRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/** Repository for the admin's invite codes (only a SHA-256 of each code's secret is kept). */
export class SqliteInviteRepository extends SqliteRepository implements InviteRepository {
  readonly #insert = this.db.query(
    "INSERT INTO invites (id, secret_hash, note, created_at, expires_at) VALUES ($id, $secret_hash, $note, $created_at, $expires_at)",
  );
  readonly #get = this.db.query<InviteRow, [string]>("SELECT * FROM invites WHERE id = ?1");
  readonly #list = this.db.query<InviteRow & { used_by_name: string | null }, []>(
    "SELECT i.*, a.name AS used_by_name FROM invites i LEFT JOIN accounts a ON a.id = i.used_by ORDER BY i.created_at, i.id",
  );
  readonly #take = this.db.query<{ id: string }, [string, number, number]>(
    "UPDATE invites SET used_at = ?2, used_by = ?3 WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING id",
  );
  readonly #delete = this.db.query<{ id: string }, [string]>("DELETE FROM invites WHERE id = ?1 RETURNING id");

  async insert(row: Omit<InviteRow, "used_at" | "used_by">): Promise<void> {
    this.#insert.run({ ...row });
  }

  async get(id: string): Promise<InviteRow | null> {
    return this.#get.get(id);
  }

  async list(): Promise<(InviteRow & { used_by_name: string | null })[]> {
    return this.#list.all();
  }

  async take(id: string, now: number, accountId: number): Promise<boolean> {
    return this.#take.get(id, now, accountId) !== null;
  }

  async delete(id: string): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }
}

/**
 * Per-account quotas (columns of `accounts`) and usage (the sum of the account's space
 * counters, live and test; bytes count current files and what only older versions hold). Read inside a change's transaction, the answer cannot move
 * before that change commits.
 */
export class SqliteQuotaRepository extends SqliteRepository implements QuotaRepository {
  readonly #limits = this.db.query<QuotaLimits, [number]>(
    "SELECT quota_bytes AS bytes, quota_files AS files FROM accounts WHERE id = ?1",
  );
  readonly #usage = this.db.query<Usage, [number]>(
    `SELECT coalesce(sum(files), 0) AS files, coalesce(sum(bytes + version_bytes), 0) AS bytes,
       coalesce(sum(version_bytes), 0) AS version_bytes,
       (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE account_id = ?1 AND completed_at IS NULL) AS pending_bytes
     FROM spaces WHERE account_id = ?1`,
  );
  readonly #set = this.db.query<{ id: number }, [number, number | null, number | null]>(
    "UPDATE accounts SET quota_bytes = ?2, quota_files = ?3 WHERE id = ?1 RETURNING id",
  );

  async limits(accountId: number): Promise<QuotaLimits> {
    return this.#limits.get(accountId) ?? { bytes: null, files: null };
  }

  async usage(accountId: number): Promise<Usage> {
    // Sums without GROUP BY: one row, zeros for an account without a space yet.
    return this.#usage.get(accountId) as Usage;
  }

  async set(accountId: number, limits: QuotaLimits): Promise<boolean> {
    return this.#set.get(accountId, limits.bytes, limits.files) !== null;
  }
}
