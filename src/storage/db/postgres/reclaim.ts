import type { ReclaimRow } from "../reclaim";
import type { ReclaimRepository } from "../repositories";
import { PostgresRepository } from "./rows";

/** `reclaim` on Postgres: stored bytes nothing references, waiting to be deleted from the store. */
export class PostgresReclaimRepository extends PostgresRepository implements ReclaimRepository {
  /** Nothing queued is due before `notBefore` (Unix ms): a signed URL handed out earlier may still be used. */
  async enqueue(objectKeys: Iterable<string>, now: number, uploadId = "", notBefore = 0): Promise<void> {
    const keys = [...objectKeys];
    if (keys.length === 0) return;
    await this.sql`INSERT INTO reclaim (object_key, upload_id, queued_at, not_before)
      SELECT k, ${uploadId}, ${now}, ${notBefore} FROM unnest(${this.sql.array(keys, "TEXT")}::text[]) k
      ON CONFLICT DO NOTHING`;
  }

  async page(limit: number, offset: number, now: number): Promise<ReclaimRow[]> {
    return this.sql`SELECT * FROM reclaim WHERE not_before <= ${now}
      ORDER BY queued_at, object_key, upload_id LIMIT ${limit} OFFSET ${offset}`;
  }

  async forKey(objectKey: string, now: number): Promise<ReclaimRow[]> {
    return this.sql`SELECT * FROM reclaim WHERE object_key = ${objectKey} AND not_before <= ${now}`;
  }

  async remove(row: ReclaimRow): Promise<void> {
    await this.sql`DELETE FROM reclaim WHERE object_key = ${row.object_key} AND upload_id = ${row.upload_id}`;
  }

  async count(): Promise<number> {
    const [row] = await this.sql`SELECT count(*) AS n FROM reclaim`;
    return row.n;
  }
}
