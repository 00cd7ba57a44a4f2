import { badRequest, conflict, forbidden } from "../../domain/errors";
import { decodePublicKey } from "../../lib/ed25519";
import { randomBase62 } from "../../lib/ids";
import type { AccountRow } from "../../storage/db/accounts";
import type { Metadata } from "../../storage/db/metadata";
import type { Repositories } from "../../storage/db/repositories";
import { INVITE_REFUSED, type InviteService } from "./invites";

export type AccountType = "human" | "agent";

const ACTOR_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A readable actor name from an e-mail address: the local part, lower-cased, with
 * every character outside `[a-z0-9_-]` turned into `-` ("Jane.Doe+x@…" → "jane-doe-x").
 */
export function actorBaseFromEmail(email: string): string {
  const local = email.slice(0, email.lastIndexOf("@")).toLowerCase();
  const cleaned = local
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return cleaned === "" ? "user" : cleaned;
}

/** `accounts` in config.json: who may create an account, and a new account's quota. */
export interface AccountSettings {
  registration: "open" | "invite" | "closed";
  default_quota_bytes: number | null;
  default_quota_files: number | null;
}

const OPEN: AccountSettings = { registration: "open", default_quota_bytes: null, default_quota_files: null };

/** Accounts: registration by Ed25519 key and creation on a first magic-link sign-in. */
export class AccountService {
  constructor(
    private readonly metadata: Metadata,
    private readonly now: () => number = Date.now,
    private readonly settings: () => AccountSettings = () => OPEN,
    private readonly invites?: InviteService,
  ) {}

  /**
   * Security rule `accounts.registration` for self-service sign-up (`/auth/register`): "open"
   * lets anyone register; "invite" needs an admin's unused invite code, spent in the same
   * transaction as the account insert (a taken name leaves it unspent); "closed" refuses (403).
   */
  async selfRegister(actor: string, type: AccountType, publicKey: string, inviteCode?: string): Promise<AccountRow> {
    const mode = this.settings().registration;
    if (mode === "closed") throw forbidden("Registration is closed; ask the admin to create your account");
    if (mode === "open" || !this.invites) return this.register(actor, type, publicKey);
    const invites = this.invites;
    const inviteId = await invites.check(inviteCode);
    return this.register(actor, type, publicKey, null, async (tx, accountId) => {
      if (!(await invites.spend(tx, inviteId, accountId))) throw forbidden(INVITE_REFUSED);
    });
  }

  /**
   * Creates an account with the configured default quota. 400 for a public key that is not
   * 32 base64 bytes, 409 for a taken name. `within` runs in the insert's unit of work.
   */
  async register(
    actor: string,
    type: AccountType,
    publicKey: string | null,
    email: string | null = null,
    within?: (tx: Repositories, accountId: number) => Promise<void>,
  ): Promise<AccountRow> {
    if (!ACTOR_RE.test(actor)) throw badRequest("Invalid actor: use 1-64 letters, digits, '-' or '_'");
    const key = publicKey === null ? null : decodePublicKey(publicKey);
    if (publicKey !== null && key === null) {
      throw badRequest(
        "Invalid public_key: expected a base64 Ed25519 public key of 32 bytes (a curve point not of small order)",
      );
    }
    const canonicalKey = key === null ? null : Buffer.from(key).toString("base64");
    const account = {
      name: actor,
      type,
      public_key: canonicalKey,
      email,
      created_at: this.now(),
      ...this.#defaultQuota(),
    };
    const row = await this.metadata.write(async (tx) => {
      const inserted = await tx.accounts.insert(account);
      if (inserted && within) await within(tx, inserted.id);
      return inserted;
    });
    if (row === null) {
      const emailTaken = email !== null && (await this.metadata.read.accounts.findByEmail(email)) !== null;
      throw conflict(emailTaken ? "Email already in use" : "Actor already exists");
    }
    return row;
  }

  /**
   * The account signed in by a magic link for `email`, created on first use with an
   * actor derived from the address and made unique ("jane", "jane-2", … then a random suffix).
   * Safe under concurrent first sign-ins: the UNIQUE e-mail column picks one row. Unless
   * registration is "open", only existing accounts sign in this way (403 otherwise).
   */
  async accountForEmail(email: string): Promise<AccountRow> {
    const base = actorBaseFromEmail(email);
    const candidates = [base, ...Array.from({ length: 8 }, (_, i) => `${base}-${i + 2}`)];
    for (let attempt = 0; attempt < 20; attempt++) {
      const existing = await this.metadata.read.accounts.findByEmail(email);
      if (existing) return existing;
      if (this.settings().registration !== "open") {
        throw forbidden("No account uses this address, and new accounts are made only by the admin or by invite");
      }
      const name = candidates[attempt] ?? `${base}-${randomBase62(6).toLowerCase()}`;
      const account = { name, type: "human" as const, email, created_at: this.now(), ...this.#defaultQuota() };
      const row = await this.metadata.write((tx) => tx.accounts.insert(account));
      if (row) return row;
    }
    throw new Error(`could not find a free actor name for ${base}`);
  }

  #defaultQuota() {
    const settings = this.settings();
    return { quota_bytes: settings.default_quota_bytes, quota_files: settings.default_quota_files };
  }
}
