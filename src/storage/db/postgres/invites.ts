import type { InviteRow } from "../invites";
import type { QuotaLimits, Usage } from "../quotas";
import type { InviteRepository, QuotaRepository } from "../repositories";
import { one, PostgresRepository } from "./rows";

/** The admin's invite codes on Postgres (only a SHA-256 of each code's secret is kept). */
export class PostgresInviteRepository extends PostgresRepository implements InviteRepository {
  async insert(row: Omit<InviteRow, "used_at" | "used_by">): Promise<void> {
    await this.sql`INSERT INTO invites (id, secret_hash, note, created_at, expires_at)
      VALUES (${row.id}, ${row.secret_hash}, ${row.note}, ${row.created_at}, ${row.expires_at})`;
  }

  async get(id: string): Promise<InviteRow | null> {
    return one(await this.sql`SELECT * FROM invites WHERE id = ${id}`);
  }

  async list(): Promise<(InviteRow & { used_by_name: string | null })[]> {
    return this.sql`SELECT i.*, a.name AS used_by_name FROM invites i LEFT JOIN accounts a ON a.id = i.used_by
      ORDER BY i.created_at, i.id`;
  }

  /** One UPDATE checks and takes, so an invite registers one account across instances. */
  async take(id: string, now: number, accountId: number): Promise<boolean> {
    const rows = await this.sql`UPDATE invites SET used_at = ${now}, used_by = ${accountId}
      WHERE id = ${id} AND used_at IS NULL AND expires_at > ${now} RETURNING id`;
    return rows.length > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM invites WHERE id = ${id} RETURNING id`).length > 0;
  }
}

/**
 * Per-account quotas (columns of `accounts`) and usage (the sum of the account's space
 * counters; bytes count current files and what only older versions hold).
 */
export class PostgresQuotaRepository extends PostgresRepository implements QuotaRepository {
  async limits(accountId: number): Promise<QuotaLimits> {
    const limits = await this
      .sql`SELECT quota_bytes AS bytes, quota_files AS files FROM accounts WHERE id = ${accountId}`;
    return one<QuotaLimits>(limits) ?? { bytes: null, files: null };
  }

  async usage(accountId: number): Promise<Usage> {
    // Sums without GROUP BY: one row, zeros for an account without a space yet.
    const [usage] = await this.sql`SELECT coalesce(sum(files), 0) AS files,
        coalesce(sum(bytes + version_bytes), 0) AS bytes, coalesce(sum(version_bytes), 0) AS version_bytes,
        (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE account_id = ${accountId} AND completed_at IS NULL) AS pending_bytes
      FROM spaces WHERE account_id = ${accountId}`;
    return {
      files: Number(usage.files),
      bytes: Number(usage.bytes),
      version_bytes: Number(usage.version_bytes),
      pending_bytes: Number(usage.pending_bytes),
    };
  }

  async set(accountId: number, limits: QuotaLimits): Promise<boolean> {
    const rows = await this.sql`UPDATE accounts SET quota_bytes = ${limits.bytes}, quota_files = ${limits.files}
      WHERE id = ${accountId} RETURNING id`;
    return rows.length > 0;
  }
}
