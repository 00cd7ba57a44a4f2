import type { Database, Statement } from "bun:sqlite";
import type { CredentialKind } from "../../lib/token-format";

export interface CredentialRow {
  id: string;
  kind: CredentialKind;
  account_id: number;
  secret_hash: string;
  name: string;
  scopes: string | null;
  prefix: string;
  remove_on_use: number;
  created_at: number;
  expires_at: number | null;
  rotated_at: number | null;
  last_used_at: number | null;
  use_count: number;
  /** The OAuth grant an access or refresh token belongs to (null for every other credential). */
  grant_id: string | null;
}

/** The columns authentication needs on every request: kind, owner, secret, power and expiry. */
export type CredentialAuthRow = Pick<
  CredentialRow,
  "id" | "kind" | "account_id" | "secret_hash" | "name" | "scopes" | "prefix" | "remove_on_use" | "expires_at"
>;

export type NewCredential = Pick<CredentialRow, "id" | "kind" | "account_id" | "secret_hash" | "created_at"> &
  Partial<Pick<CredentialRow, "name" | "scopes" | "prefix" | "remove_on_use" | "expires_at" | "grant_id">>;

/** Repository for the `credentials` table: every token, session and key, stored as an argon2id hash. */
export class CredentialRepository {
  readonly #byId: Statement<CredentialRow, [string]>;
  readonly #authById: Statement<CredentialAuthRow, [string]>;
  readonly #consume: Statement<{ id: string }, [string]>;
  readonly #delete: Statement<{ id: string }, [string]>;
  readonly #insert: Statement;
  readonly #deleteExpired: Statement;
  readonly #touch: Statement;
  readonly #claimRotation: Statement<{ id: string }, [string, number]>;
  readonly #lastUseByGrant: Statement<{ grant_id: string; last_used_at: number | null }, [number]>;

  constructor(private readonly db: Database) {
    this.#byId = db.query("SELECT * FROM credentials WHERE id = ?1");
    this.#authById = db.query(
      "SELECT id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, expires_at FROM credentials WHERE id = ?1",
    );
    this.#consume = db.query("DELETE FROM credentials WHERE id = ?1 RETURNING id");
    this.#delete = db.query("DELETE FROM credentials WHERE id = ?1 RETURNING id");
    this.#insert = db.query(
      `INSERT INTO credentials (id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, created_at, expires_at, grant_id)
       VALUES ($id, $kind, $account_id, $secret_hash, $name, $scopes, $prefix, $remove_on_use, $created_at, $expires_at, $grant_id)`,
    );
    this.#deleteExpired = db.query("DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ?1");
    this.#touch = db.query(
      "UPDATE credentials SET use_count = use_count + ?2, last_used_at = max(coalesce(last_used_at, 0), ?3) WHERE id = ?1",
    );
    this.#claimRotation = db.query(
      "UPDATE credentials SET rotated_at = ?2 WHERE id = ?1 AND rotated_at IS NULL RETURNING id",
    );
    this.#lastUseByGrant = db.query(
      "SELECT grant_id, max(last_used_at) AS last_used_at FROM credentials WHERE account_id = ?1 AND grant_id IS NOT NULL GROUP BY grant_id",
    );
  }

  insert(row: NewCredential): void {
    this.#insert.run({
      id: row.id,
      kind: row.kind,
      account_id: row.account_id,
      secret_hash: row.secret_hash,
      name: row.name ?? "",
      scopes: row.scopes ?? null,
      prefix: row.prefix ?? "",
      remove_on_use: row.remove_on_use ?? 0,
      created_at: row.created_at,
      expires_at: row.expires_at ?? null,
      grant_id: row.grant_id ?? null,
    });
  }

  findById(id: string): CredentialRow | null {
    return this.#byId.get(id);
  }

  /**
   * The per-request read of a credential (by primary key, on every request, so revocation,
   * rotation and expiry apply at once). Only the columns the verifier needs, not all 13.
   */
  findForAuth(id: string): CredentialAuthRow | null {
    return this.#authById.get(id);
  }

  /** Deletes a single-use credential; true only for the one caller that removed the row. */
  consume(id: string): boolean {
    return this.#consume.get(id) !== null;
  }

  delete(id: string): boolean {
    return this.#delete.get(id) !== null;
  }

  /**
   * Marks a credential as rotated (an OAuth refresh token that has been exchanged); true only
   * for the one caller that did, so two concurrent refreshes cannot both rotate it.
   */
  claimRotation(id: string, now: number): boolean {
    return this.#claimRotation.get(id, now) !== null;
  }

  /** When the tokens of each OAuth grant of an account were last used (batched usage counters). */
  lastUseByGrant(accountId: number): Map<string, number | null> {
    return new Map(this.#lastUseByGrant.all(accountId).map((r) => [r.grant_id, r.last_used_at]));
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }

  /** Applies batched usage counters in one transaction. */
  recordUsage(entries: Iterable<[string, { count: number; lastUsedAt: number }]>): void {
    this.db.transaction(() => {
      for (const [id, usage] of entries) this.#touch.run(id, usage.count, usage.lastUsedAt);
    })();
  }
}
