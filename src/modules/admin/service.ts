import { badRequest, notFound } from "../../domain/errors";
import { ADMIN_ACCOUNT_ID } from "../../domain/principal";
import type { Logger } from "../../lib/logger";
import type { AccountRow } from "../../storage/db/accounts";
import type { Metadata } from "../../storage/db/metadata";
import { requireEmail } from "../auth/magic-link";
import type { AccountService, AccountType } from "../auth/service";
import type { Quotas, QuotaView } from "../files/quota";
import type { AccountView } from "./model";

/** Deletes the stored bytes of these object keys, already queued for reclaim; wired to the reclaimer by the app. */
export type DeleteObjects = (objectKeys: string[]) => Promise<void>;

export type AccountSummary = typeof AccountView.static;

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
    private readonly metadata: Metadata,
    private readonly accounts: AccountService,
    private readonly deleteObjects: DeleteObjects,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly quotas: Quotas,
  ) {}

  /** Sets an account's storage quota (null = no limit); returns its limits and usage. */
  async setQuota(
    name: string,
    limits: { bytes: number | null; files: number | null },
  ): Promise<{ actor: string; quota: QuotaView }> {
    const account = await this.metadata.read.accounts.findByName(name);
    if (!account || !(await this.quotas.set(account.id, limits))) throw notFound("Account");
    return { actor: account.name, quota: await this.quotas.view(account.id) };
  }

  async list(): Promise<AccountSummary[]> {
    return (await this.metadata.read.accounts.list()).map(summary);
  }

  async create(actor: string, type: AccountType, publicKey?: string, email?: string): Promise<AccountSummary> {
    const address = email === undefined ? null : requireEmail(email);
    return summary(await this.accounts.register(actor, type, publicKey ?? null, address));
  }

  /**
   * Deletes an account and everything it owns: sessions, keys and tokens, file rows,
   * events, uploads and shares go with the row (FK cascade, one transaction), which also
   * queues the stored bytes for reclaim; they are deleted after the commit, and a crash
   * in between leaves them queued for the next reclaim pass, never dangling rows.
   */
  async delete(name: string): Promise<{ actor: string; objects: number }> {
    const account = await this.metadata.read.accounts.findByName(name);
    if (!account) throw notFound("Account");
    if (account.id === ADMIN_ACCOUNT_ID) throw badRequest("The admin account cannot be deleted");
    const keys = await this.metadata.write(async (tx) => {
      // Queue the bytes in the deletion's unit of work: once the rows are gone nothing names them.
      const now = this.now();
      const uploads = await tx.uploads.forAccount(account.id);
      // Objects of current files and of older versions alike: nothing else names an account's bytes.
      const current = await tx.files.objectKeysOfAccount(account.id);
      const objects = [...new Set([...current, ...(await tx.versions.objectKeysOfAccount(account.id))])];
      const singles = uploads.filter((u) => u.kind === "single").map((u) => u.object_key);
      await tx.reclaim.enqueue([...objects, ...singles], now);
      // A multipart upload's row id is the store's upload id: the queue aborts it.
      for (const upload of uploads.filter((u) => u.kind === "multipart")) {
        await tx.reclaim.enqueue([upload.object_key], now, upload.id);
      }
      if (!(await tx.accounts.delete(account.id))) return null;
      return [...new Set([...objects, ...uploads.map((u) => u.object_key)])];
    });
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
