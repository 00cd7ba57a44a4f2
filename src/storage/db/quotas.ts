import type { Database, Statement } from "bun:sqlite";

/** An account's limits; null means no limit. */
export interface QuotaLimits {
  bytes: number | null;
  files: number | null;
}

export interface Usage {
  files: number;
  /** Current files' bytes plus those only older versions hold. */
  bytes: number;
  /** The part of `bytes` only older versions hold: given up first when a write needs the room. */
  version_bytes: number;
}

/**
 * Per-account quotas (columns of `accounts`) and usage (the sum of the account's space
 * counters, live and test; bytes count current files and what only older versions hold). Read inside a change's transaction, the answer cannot move
 * before that change commits.
 */
export class QuotaRepository {
  readonly #limits: Statement<{ quota_bytes: number | null; quota_files: number | null }, [number]>;
  readonly #usage: Statement<Usage, [number]>;
  readonly #set: Statement<{ id: number }, [number, number | null, number | null]>;

  constructor(db: Database) {
    this.#limits = db.query("SELECT quota_bytes, quota_files FROM accounts WHERE id = ?1");
    this.#usage = db.query(
      `SELECT coalesce(sum(files), 0) AS files, coalesce(sum(bytes + version_bytes), 0) AS bytes,
         coalesce(sum(version_bytes), 0) AS version_bytes FROM spaces WHERE account_id = ?1`,
    );
    this.#set = db.query("UPDATE accounts SET quota_bytes = ?2, quota_files = ?3 WHERE id = ?1 RETURNING id");
  }

  limits(accountId: number): QuotaLimits {
    const row = this.#limits.get(accountId);
    return { bytes: row?.quota_bytes ?? null, files: row?.quota_files ?? null };
  }

  usage(accountId: number): Usage {
    return this.#usage.get(accountId) ?? { files: 0, bytes: 0, version_bytes: 0 };
  }

  /** Sets an account's limits; false when no such account exists. */
  set(accountId: number, limits: QuotaLimits): boolean {
    return this.#set.get(accountId, limits.bytes, limits.files) !== null;
  }
}
