import type { QuotaLimits, Usage } from "../quotas";
import type { QuotaRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/**
 * Per-account quotas (columns of `accounts`) and usage (the sum of the account's space
 * counters, live and test; bytes count current files and what only older versions hold). Read inside a change's transaction, the answer cannot move
 * before that change commits.
 */
export class SqliteQuotaRepository extends SqliteRepository implements QuotaRepository {
  readonly #limits = this.db.query<{ quota_bytes: number | null; quota_files: number | null }, [number]>(
    "SELECT quota_bytes, quota_files FROM accounts WHERE id = ?1",
  );
  readonly #usage = this.db.query<Usage, [number]>(
    `SELECT coalesce(sum(files), 0) AS files, coalesce(sum(bytes + version_bytes), 0) AS bytes,
       coalesce(sum(version_bytes), 0) AS version_bytes FROM spaces WHERE account_id = ?1`,
  );
  readonly #set = this.db.query<{ id: number }, [number, number | null, number | null]>(
    "UPDATE accounts SET quota_bytes = ?2, quota_files = ?3 WHERE id = ?1 RETURNING id",
  );

  async limits(accountId: number): Promise<QuotaLimits> {
    const row = this.#limits.get(accountId);
    return { bytes: row?.quota_bytes ?? null, files: row?.quota_files ?? null };
  }

  async usage(accountId: number): Promise<Usage> {
    return this.#usage.get(accountId) ?? { files: 0, bytes: 0, version_bytes: 0 };
  }

  async set(accountId: number, limits: QuotaLimits): Promise<boolean> {
    return this.#set.get(accountId, limits.bytes, limits.files) !== null;
  }
}
