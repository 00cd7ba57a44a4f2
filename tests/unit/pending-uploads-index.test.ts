import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { migrate } from "../../src/storage/db/migrations";

/**
 * Every quota check, inside each write's transaction, sums what the account's pending uploads
 * hold (SqliteQuotaRepository.usage). Completed uploads stay a day, so the sum must find the
 * pending ones by index, not read every upload row of the account.
 */
test("the pending uploads of an account are found by their own index", () => {
  const db = new Database(":memory:");
  migrate(db);
  const plan = db
    .query<{ detail: string }, [number]>(
      "EXPLAIN QUERY PLAN SELECT coalesce(sum(bytes), 0) FROM uploads WHERE account_id = ?1 AND completed_at IS NULL",
    )
    .all(1)
    .map((row) => row.detail);
  expect(plan).toEqual(["SEARCH uploads USING INDEX uploads_pending (account_id=?)"]);
  db.close();
});
