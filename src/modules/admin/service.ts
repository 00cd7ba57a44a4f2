import { badRequest, notFound } from "../../domain/errors";
import { ADMIN_ACCOUNT_ID } from "../../domain/principal";
import type { Logger } from "../../lib/logger";
import type { AccountRepository, AccountRow } from "../../storage/db/accounts";
import { requireEmail } from "../auth/magic-link";
import type { AccountService, AccountType } from "../auth/service";
import type { Quotas, QuotaView } from "../files/quota";

/** Deletes the stored bytes of these object keys, already queued for reclaim; wired to the reclaimer by the app. */
export type DeleteObjects = (objectKeys: string[]) => Promise<void>;

export interface AccountSummary {
  actor: string;
  type: string;
  email: string | null;
  public_key: string | null;
  created_at: number;
  quota_bytes: number | null;
  quota_files: number | null;
}

const summary = (row: AccountRow): AccountSummary => ({
  actor: row.name,
  type: row.type,
  email: row.email,
  public_key: row.public_key,
  created_at: row.created_at,
  quota_bytes: row.quota_bytes,
  quota_files: row.quota_files,
});

export class AdminService {
  constructor(
    private readonly repo: AccountRepository,
    private readonly accounts: AccountService,
    private readonly deleteObjects: DeleteObjects,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly quotas: Quotas,
  ) {}

  /** Sets an account's storage quota (null = no limit); returns its limits and usage. */
  setQuota(name: string, limits: { bytes: number | null; files: number | null }): { actor: string; quota: QuotaView } {
    const account = this.repo.findByName(name);
    if (!account || !this.quotas.set(account.id, limits)) throw notFound("Account");
    return { actor: account.name, quota: this.quotas.view(account.id) };
  }

  list(): AccountSummary[] {
    return this.repo.list().map(summary);
  }

  create(actor: string, type: AccountType, publicKey?: string, email?: string): AccountSummary {
    const address = email === undefined ? null : requireEmail(email);
    return summary(this.accounts.register(actor, type, publicKey ?? null, address));
  }

  /**
   * Deletes an account and everything it owns: sessions, keys and tokens, file rows,
   * events, uploads and shares go with the row (FK cascade, one transaction), which also
   * queues the stored bytes for reclaim; they are deleted after the commit, and a crash
   * in between leaves them queued for the next reclaim pass, never dangling rows.
   */
  async delete(name: string): Promise<{ actor: string; objects: number }> {
    const account = this.repo.findByName(name);
    if (!account) throw notFound("Account");
    if (account.id === ADMIN_ACCOUNT_ID) throw badRequest("The admin account cannot be deleted");
    const keys = this.repo.deleteWithObjects(account.id, this.now());
    if (keys === null) throw notFound("Account");
    try {
      await this.deleteObjects(keys);
    } catch (error) {
      this.logger.error("account deleted but some stored objects were not", {
        actor: account.name,
        objects: keys.length,
        error: String(error),
      });
    }
    return { actor: account.name, objects: keys.length };
  }
}
