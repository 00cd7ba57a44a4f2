import type { Scope } from "../files";
import type { ShareRepository } from "../repositories";
import { LIVE_SHARE, type LiveShare, SELECT_SHARES, type ShareRow } from "../shares";
import { SqliteRepository, startsWithSql } from "./sql";

/** Repository for share links; tokens are stored as SHA-256 hashes only. */
export class SqliteShareRepository extends SqliteRepository implements ShareRepository {
  readonly #insert = this.db.query(
    `INSERT INTO shares (id, token_hash, account_id, space, file_id, created_at, expires_at, max_downloads, downloads,
       credential_id, grant_id)
     VALUES ($id, $token_hash, $account_id, $space, $file_id, $created_at, $expires_at, $max_downloads, $downloads,
       $credential_id, $grant_id)`,
  );
  readonly #liveByHash = this.db.query<LiveShare, [Record<string, string | number>]>(
    `${SELECT_SHARES} WHERE s.token_hash = $hash AND ${LIVE_SHARE}`,
  );
  readonly #liveFor = this.db.query<LiveShare, [Record<string, string | number>]>(
    `${SELECT_SHARES} WHERE s.account_id = $account AND s.space = $space AND ${LIVE_SHARE}
       AND ${startsWithSql("f.path", "$prefix")}
     ORDER BY s.created_at DESC, s.id LIMIT $limit`,
  );
  readonly #liveById = this.db.query<LiveShare, [Record<string, string | number>]>(
    `${SELECT_SHARES} WHERE s.id = $id AND s.account_id = $account AND s.space = $space AND ${LIVE_SHARE}`,
  );
  // One statement checks and counts, so concurrent downloads can never pass the cap.
  readonly #count = this.db.query(
    `UPDATE shares AS s SET downloads = downloads + 1 WHERE s.id = $id AND ${LIVE_SHARE}`,
  );
  readonly #delete = this.db.query("DELETE FROM shares WHERE id = ?1");
  readonly #deleteDead = this.db.query(
    "DELETE FROM shares WHERE expires_at <= ?1 OR (max_downloads IS NOT NULL AND downloads >= max_downloads)",
  );

  async insert(row: ShareRow): Promise<void> {
    this.#insert.run({ ...row });
  }

  async findLive(hash: string, now: number): Promise<LiveShare | null> {
    return this.#liveByHash.get({ hash, now });
  }

  async listLive(scope: Scope, prefix: string, now: number, limit: number): Promise<LiveShare[]> {
    return this.#liveFor.all({ account: scope.account, space: scope.space, prefix, now, limit });
  }

  async getLive(scope: Scope, id: string, now: number): Promise<LiveShare | null> {
    return this.#liveById.get({ id, account: scope.account, space: scope.space, now });
  }

  async countDownload(id: string, now: number): Promise<boolean> {
    return this.#count.run({ id, now }).changes === 1;
  }

  async delete(id: string): Promise<boolean> {
    return this.#delete.run(id).changes === 1;
  }

  /** Removes expired and used-up links (they already answer like unknown ones). */
  async deleteExpired(now: number): Promise<number> {
    return this.#deleteDead.run(now).changes;
  }
}
