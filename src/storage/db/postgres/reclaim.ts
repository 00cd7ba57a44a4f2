import type { ReclaimRow } from "../reclaim";
import type { ReclaimRepository } from "../repositories";
import { all, type Queryable } from "./rows";

/** `reclaim` on Postgres: stored bytes nothing references, waiting to be deleted from the store. */
export class PostgresReclaimRepository implements ReclaimRepository {
  constructor(private readonly sql: Queryable) {}

  async enqueue(objectKeys: Iterable<string>, now: number, uploadId = ""): Promise<void> {
    const keys = [...objectKeys];
    if (keys.length === 0) return;
    await this.sql`INSERT INTO reclaim (object_key, upload_id, queued_at)
      SELECT k, ${uploadId}, ${now} FROM unnest(${this.sql.array(keys, "TEXT")}::text[]) k
      ON CONFLICT DO NOTHING`;
  }

  async page(limit: number, offset: number): Promise<ReclaimRow[]> {
    return all(
      await this.sql`SELECT * FROM reclaim ORDER BY queued_at, object_key, upload_id LIMIT ${limit} OFFSET ${offset}`,
      ["queued_at"],
    );
  }

  async forKey(objectKey: string): Promise<ReclaimRow[]> {
    return all(await this.sql`SELECT * FROM reclaim WHERE object_key = ${objectKey}`, ["queued_at"]);
  }

  async remove(row: ReclaimRow): Promise<void> {
    await this.sql`DELETE FROM reclaim WHERE object_key = ${row.object_key} AND upload_id = ${row.upload_id}`;
  }

  async count(): Promise<number> {
    const [row] = await this.sql`SELECT count(*) AS n FROM reclaim`;
    return Number(row.n);
  }
}
