import type { Database } from "bun:sqlite";
import { CREDENTIAL_COLUMNS, type CredentialAuthRow, type CredentialRow, type NewCredential } from "../credentials";
import type { CredentialRepository } from "../repositories";
import type { TurnCache } from "./read-turn";
import { SqliteRepository } from "./sql";

/** Repository for the `credentials` table: every token, session and key, stored as an argon2id hash. */
export class SqliteCredentialRepository extends SqliteRepository implements CredentialRepository {
  readonly #byId = this.db.query<CredentialRow, [string]>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?1`,
  );
  readonly #authById = this.db.query<CredentialAuthRow, [string]>(
    "SELECT id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, expires_at FROM credentials WHERE id = ?1",
  );
  readonly #delete = this.db.query<{ id: string }, [string]>("DELETE FROM credentials WHERE id = ?1 RETURNING id");
  readonly #insert = this.db.query(
    `INSERT INTO credentials (id, kind, account_id, secret_hash, name, scopes, prefix, remove_on_use, created_at, expires_at, grant_id,
       made_by, made_by_grant)
     VALUES ($id, $kind, $account_id, $secret_hash, $name, $scopes, $prefix, $remove_on_use, $created_at, $expires_at, $grant_id,
       $made_by, $made_by_grant)`,
  );
  readonly #deleteExpired = this.db.query("DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ?1");
  readonly #touch = this.db.query(
    "UPDATE credentials SET use_count = use_count + ?2, last_used_at = max(coalesce(last_used_at, 0), ?3) WHERE id = ?1",
  );
  readonly #claimRotation = this.db.query<{ id: string }, [string, number]>(
    "UPDATE credentials SET rotated_at = ?2 WHERE id = ?1 AND rotated_at IS NULL RETURNING id",
  );
  readonly #saveRotationAnswer = this.db.query("UPDATE credentials SET rotation_answer = ?2 WHERE id = ?1");
  readonly #rotationOf = this.db.query<{ rotated_at: number | null; rotation_answer: string | null }, [string]>(
    "SELECT rotated_at, rotation_answer FROM credentials WHERE id = ?1",
  );
  readonly #forgetRotationAnswers = this.db.query(
    "UPDATE credentials SET rotation_answer = NULL WHERE rotation_answer IS NOT NULL AND rotated_at < ?1",
  );
  readonly #grantLive = this.db.query<{ one: number }, [string, number]>(
    "SELECT 1 AS one FROM credentials WHERE grant_id = ?1 AND (expires_at IS NULL OR expires_at > ?2) LIMIT 1",
  );
  readonly #lastUseByGrant = this.db.query<{ grant_id: string; last_used_at: number | null }, [number]>(
    "SELECT grant_id, max(last_used_at) AS last_used_at FROM credentials WHERE account_id = ?1 AND grant_id IS NOT NULL GROUP BY grant_id",
  );

  /** Rows kept between turns of the read connection (./read-turn.ts); none on the writer. */
  readonly #kept: TurnCache<CredentialAuthRow | null> | undefined;

  /** `kept`: where the read connection keeps the rows `findForAuth` found. */
  constructor(db: Database, kept?: TurnCache<CredentialAuthRow | null>) {
    super(db);
    this.#kept = kept;
  }

  async insert(row: NewCredential): Promise<void> {
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
      made_by: row.made_by ?? null,
      made_by_grant: row.made_by_grant ?? null,
    });
  }

  async findById(id: string): Promise<CredentialRow | null> {
    return this.#byId.get(id);
  }

  /**
   * The per-request read of a credential (by primary key, on every request, so revocation,
   * rotation and expiry apply at once). Only the columns the verifier needs, not all 13. On
   * the read connection a row read in an earlier turn is kept until the database changes.
   */
  findForAuth(id: string): CredentialAuthRow | null {
    const kept = this.#kept;
    if (kept === undefined) return this.#authById.get(id);
    return kept.through(id, () => this.#authById.get(id));
  }

  async consume(id: string): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }

  async delete(id: string): Promise<boolean> {
    return this.#delete.get(id) !== null;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }

  async claimRotation(id: string, now: number): Promise<boolean> {
    return this.#claimRotation.get(id, now) !== null;
  }

  async saveRotationAnswer(id: string, sealed: string): Promise<void> {
    this.#saveRotationAnswer.run(id, sealed);
  }

  async rotationOf(id: string): Promise<{ rotated_at: number | null; rotation_answer: string | null } | null> {
    return this.#rotationOf.get(id);
  }

  async forgetRotationAnswers(before: number): Promise<number> {
    return this.#forgetRotationAnswers.run(before).changes;
  }

  async lastUseByGrant(accountId: number): Promise<Map<string, number | null>> {
    return new Map(this.#lastUseByGrant.all(accountId).map((r) => [r.grant_id, r.last_used_at]));
  }

  async grantHasLiveToken(grantId: string, now: number): Promise<boolean> {
    return this.#grantLive.get(grantId, now) !== null;
  }

  /** Applies batched usage counters in one transaction. */
  async recordUsage(entries: Iterable<[string, { count: number; lastUsedAt: number }]>): Promise<void> {
    for (const [id, usage] of entries) this.#touch.run(id, usage.count, usage.lastUsedAt);
  }
}
