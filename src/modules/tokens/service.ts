import { ADMIN_ACCOUNT_ID } from "../../domain/principal";
import type { Metadata } from "../../storage/db/metadata";
import { issueCredential } from "../auth/issue";

export interface CreatedToken {
  token: string;
  expiresAt: number;
}

/** Programmatic tokens: short-lived admin credentials minted with the master token. */
export class TokenService {
  constructor(
    private readonly metadata: Metadata,
    private readonly now: () => number = Date.now,
  ) {}

  async create(ttlMs: number, removeOnUse: boolean): Promise<CreatedToken> {
    const created = this.now();
    const expiresAt = created + ttlMs;
    const issued = await issueCredential(this.metadata, {
      kind: "tok",
      account_id: ADMIN_ACCOUNT_ID,
      remove_on_use: removeOnUse ? 1 : 0,
      created_at: created,
      expires_at: expiresAt,
    });
    return { token: issued.text, expiresAt };
  }

  /** Deletes every expired credential; returns how many rows went. */
  sweepExpired(): Promise<number> {
    return this.metadata.write((tx) => tx.credentials.deleteExpired(this.now()));
  }
}
