import type { Scope } from "../files";
import type { ShareRepository } from "../repositories";
import { LIVE_SHARE, type LiveShare, SELECT_SHARES, type ShareRow } from "../shares";
import { one, PostgresRepository, startsWith } from "./rows";

/** Share links on Postgres; tokens are stored as SHA-256 hashes only. */
export class PostgresShareRepository extends PostgresRepository implements ShareRepository {
  async #live(where: string, params: unknown[]): Promise<LiveShare[]> {
    // $1 is always `now` (LIVE_SHARE names it).
    return this.sql.unsafe(`${SELECT_SHARES} WHERE ${LIVE_SHARE.replaceAll("$now", "$1")} AND ${where}`, params);
  }

  async insert(row: ShareRow): Promise<void> {
    await this
      .sql`INSERT INTO shares (id, token_hash, account_id, space, file_id, created_at, expires_at, max_downloads, downloads,
        credential_id, grant_id)
      VALUES (${row.id}, ${row.token_hash}, ${row.account_id}, ${row.space}, ${row.file_id}, ${row.created_at},
        ${row.expires_at}, ${row.max_downloads}, ${row.downloads}, ${row.credential_id}, ${row.grant_id})`;
  }

  async findLive(hash: string, now: number): Promise<LiveShare | null> {
    return one(await this.#live("s.token_hash = $2", [now, hash]));
  }

  async listLive(scope: Scope, prefix: string, now: number, limit: number): Promise<LiveShare[]> {
    return this.#live(
      "s.account_id = $2 AND s.space = $3 AND f.path LIKE $4 ORDER BY s.created_at DESC, s.id LIMIT $5",
      [now, scope.account, scope.space, startsWith(prefix), limit],
    );
  }

  async getLive(scope: Scope, id: string, now: number): Promise<LiveShare | null> {
    return one(
      await this.#live("s.id = $2 AND s.account_id = $3 AND s.space = $4", [now, id, scope.account, scope.space]),
    );
  }

  /** One statement checks and counts, so concurrent downloads on any instances never pass the cap. */
  async countDownload(id: string, now: number): Promise<boolean> {
    const rows = await this.sql.unsafe(
      `UPDATE shares AS s SET downloads = downloads + 1 WHERE s.id = $2 AND ${LIVE_SHARE.replaceAll("$now", "$1")} RETURNING id`,
      [now, id],
    );
    return rows.length === 1;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM shares WHERE id = ${id} RETURNING id`).length === 1;
  }

  async deleteExpired(now: number): Promise<number> {
    const rows = await this.sql`DELETE FROM shares
      WHERE expires_at <= ${now} OR (max_downloads IS NOT NULL AND downloads >= max_downloads) RETURNING id`;
    return rows.length;
  }
}
