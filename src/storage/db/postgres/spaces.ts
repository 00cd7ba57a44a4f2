import type { Scope } from "../files";
import type { SpaceRepository } from "../repositories";
import type { SpaceTotals } from "../spaces";
import { PostgresRepository } from "./rows";

/**
 * Per-space counters on Postgres. `nextTx` increments the space's row in the unit of work:
 * the row stays locked until that unit of work ends, so writers of one space on any number
 * of instances take numbers one after another, and a rollback gives its number back
 * (no gaps, no duplicates, events committed in tx order).
 */
export class PostgresSpaceRepository extends PostgresRepository implements SpaceRepository {
  async nextTx(scope: Scope): Promise<number> {
    const [row] = await this
      .sql`INSERT INTO spaces (account_id, space, last_tx) VALUES (${scope.account}, ${scope.space}, 1)
      ON CONFLICT (account_id, space) DO UPDATE SET last_tx = spaces.last_tx + 1
      RETURNING last_tx`;
    return row.last_tx;
  }

  async adjust(scope: Scope, files: number, bytes: number): Promise<void> {
    if (files === 0 && bytes === 0) return;
    await this
      .sql`INSERT INTO spaces (account_id, space, files, bytes) VALUES (${scope.account}, ${scope.space}, ${files}, ${bytes})
      ON CONFLICT (account_id, space) DO UPDATE SET files = spaces.files + ${files}, bytes = spaces.bytes + ${bytes}`;
  }

  async adjustVersionBytes(scope: Scope, bytes: number): Promise<void> {
    if (bytes === 0) return;
    await this
      .sql`INSERT INTO spaces (account_id, space, version_bytes) VALUES (${scope.account}, ${scope.space}, ${bytes})
      ON CONFLICT (account_id, space) DO UPDATE SET version_bytes = spaces.version_bytes + ${bytes}`;
  }

  async totals(scope: Scope): Promise<SpaceTotals> {
    const [totals] = await this.sql`SELECT files, bytes, version_bytes, last_tx FROM spaces
      WHERE account_id = ${scope.account} AND space = ${scope.space}`;
    return totals ?? { files: 0, bytes: 0, version_bytes: 0, last_tx: 0 };
  }
}
