import type { ReclaimHoldRepository } from "../repositories";
import { SqliteRepository } from "./sql";

/**
 * `reclaim_holds` on SQLite: leases that pause the deletion of stored bytes. A backup takes
 * one before its database snapshot and renews it while it copies objects, so no object the
 * snapshot names disappears meanwhile — even when the backup runs in another process than
 * the server. A lease that is not renewed lapses by itself.
 */
export class SqliteReclaimHoldRepository extends SqliteRepository implements ReclaimHoldRepository {
  readonly #upsert = this.db.query(
    "INSERT INTO reclaim_holds (id, until) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET until = ?2",
  );
  readonly #remove = this.db.query("DELETE FROM reclaim_holds WHERE id = ?1");
  readonly #active = this.db.query<{ one: number }, [number]>(
    "SELECT 1 AS one FROM reclaim_holds WHERE until > ?1 LIMIT 1",
  );

  async hold(id: string, until: number): Promise<void> {
    this.#upsert.run(id, until);
  }

  async release(id: string): Promise<void> {
    this.#remove.run(id);
  }

  async active(now: number): Promise<boolean> {
    return this.#active.get(now) !== null;
  }
}
