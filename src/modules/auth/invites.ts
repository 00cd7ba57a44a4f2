import { forbidden, notFound } from "../../domain/errors";
import { newId } from "../../lib/ids";
import { secretsEqual, sha256Hex } from "../../lib/secrets";
import { issueToken, parseIssuedToken, secretOf } from "../../lib/token-format";
import type { InviteRow } from "../../storage/db/invites";
import type { Metadata } from "../../storage/db/metadata";
import type { Repositories } from "../../storage/db/repositories";
import type { InviteView as InviteViewSchema } from "./model";

/** Invites last a week unless the admin says otherwise. */
export const INVITE_TTL_S = 7 * 86_400;

export type InviteView = typeof InviteViewSchema.static;

export const INVITE_REFUSED = "Invalid, used or expired invite code";

/**
 * The admin's invite codes for `accounts.registration: "invite"`. Security rules: a code is a
 * `lightd_inv_…` token of which only a SHA-256 of the secret is kept (≈190 random bits need no
 * slow hash: nothing can be guessed offline) and compared in constant time; it creates one account at most
 * (marked used in the transaction that inserts the account, so two racing registrations
 * cannot both spend it), and it expires.
 */
export class InviteService {
  constructor(
    private readonly metadata: Metadata,
    private readonly now: () => number = Date.now,
  ) {}

  async create(note: string, expiresInSeconds = INVITE_TTL_S): Promise<InviteView & { code: string }> {
    const issued = issueToken("inv", newId());
    const created = this.now();
    const row = {
      id: issued.id,
      secret_hash: sha256Hex(issued.secret),
      note,
      created_at: created,
      expires_at: created + expiresInSeconds * 1000,
    };
    await this.metadata.write((tx) => tx.invites.insert(row));
    return { ...view({ ...row, used_at: null, used_by: null }, null), code: issued.text };
  }

  async list(): Promise<InviteView[]> {
    return (await this.metadata.read.invites.list()).map((row) => view(row, row.used_by_name));
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.metadata.write((tx) => tx.invites.delete(id)))) throw notFound("Invite");
  }

  /** The id of a usable invite for `code`; 403 for anything else (the code is then not spent). */
  async check(code: string | undefined): Promise<string> {
    const refused = forbidden(code ? INVITE_REFUSED : "Registration needs an invite code (`invite`)");
    const parsed = code ? parseIssuedToken(code) : null;
    if (!code || parsed?.kind !== "inv") throw refused;
    const row = await this.metadata.read.invites.get(parsed.id);
    if (!row || row.used_at !== null || row.expires_at <= this.now()) throw refused;
    if (!secretsEqual(row.secret_hash, sha256Hex(secretOf(code)))) throw refused;
    return row.id;
  }

  /** Spends an invite for the account just inserted, in that account's unit of work `tx`; false when already spent. */
  spend(tx: Repositories, id: string, accountId: number): Promise<boolean> {
    return tx.invites.take(id, this.now(), accountId);
  }
}

function view({ id, note, created_at, expires_at, used_at }: InviteRow, used_by: string | null): InviteView {
  return { id, note, created_at, expires_at, used_at, used_by };
}
