import type { ReclaimRow } from "../reclaim";
import type { ReclaimRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/**
 * Repository for `reclaim`: stored bytes nothing references any more, waiting to be
 * deleted from the blob store. Rows are written in the transaction that drops the last
 * reference and removed once the store has deleted the bytes.
 */
export class SqliteReclaimRepository extends SqliteRepository implements ReclaimRepository {
  readonly #insert = this.db.query(
    "INSERT OR IGNORE INTO reclaim (object_key, upload_id, queued_at, not_before) VALUES (?1, ?2, ?3, ?4)",
  );
  readonly #page = this.db.query<ReclaimRow, [number, number, number]>(
    "SELECT * FROM reclaim WHERE not_before <= ?3 ORDER BY queued_at, object_key, upload_id LIMIT ?1 OFFSET ?2",
  );
  readonly #forKey = this.db.query<ReclaimRow, [string, number]>(
    "SELECT * FROM reclaim WHERE object_key = ?1 AND not_before <= ?2",
  );
  readonly #remove = this.db.query("DELETE FROM reclaim WHERE object_key = ?1 AND upload_id = ?2");
  readonly #count = this.db.query<{ n: number }, []>("SELECT count(*) AS n FROM reclaim");

  /** Queues objects (or, with `uploadId`, one multipart upload each) for deletion; call inside the change's transaction. */
  async enqueue(objectKeys: Iterable<string>, now: number, uploadId = "", notBefore = 0): Promise<void> {
    for (const key of objectKeys) this.#insert.run(key, uploadId, now, notBefore);
  }

  async page(limit: number, offset: number, now: number): Promise<ReclaimRow[]> {
    return this.#page.all(limit, offset, now);
  }

  async forKey(objectKey: string, now: number): Promise<ReclaimRow[]> {
    return this.#forKey.all(objectKey, now);
  }

  async remove(row: ReclaimRow): Promise<void> {
    this.#remove.run(row.object_key, row.upload_id);
  }

  async count(): Promise<number> {
    return (this.#count.get() as { n: number }).n;
  }
}
