import type { Database, Statement } from "bun:sqlite";

/**
 * Repository for `reclaim_holds`: leases that pause the deletion of stored bytes. A backup
 * takes one before its database snapshot and renews it while it copies objects, so no
 * object the snapshot names disappears meanwhile — even when the backup runs in another
 * process than the server. A lease that is not renewed lapses by itself.
 */
export class ReclaimHoldRepository {
  readonly #upsert: Statement;
  readonly #remove: Statement;
  readonly #active: Statement<{ one: number }, [number]>;

  constructor(private readonly db: Database) {
    this.#upsert = db.query(
      "INSERT INTO reclaim_holds (id, until) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET until = ?2",
    );
    this.#remove = db.query("DELETE FROM reclaim_holds WHERE id = ?1");
    this.#active = db.query("SELECT 1 AS one FROM reclaim_holds WHERE until > ?1 LIMIT 1");
  }

  /** Takes or renews the hold `id` until `until` (Unix ms). */
  hold(id: string, until: number): void {
    this.#upsert.run(id, until);
  }

  release(id: string): void {
    this.#remove.run(id);
  }

  /** Whether any hold is in force at `now`. */
  active(now: number): boolean {
    return this.#active.get(now) !== null;
  }

  /** Drops every hold (a restored database starts with none). */
  clear(): void {
    this.db.run("DELETE FROM reclaim_holds");
  }
}
