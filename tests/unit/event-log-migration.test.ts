import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../src/storage/db/migrations";
import { SqliteEventRepository } from "../../src/storage/db/sqlite/events";

/** A database as lightd left it at schema version `version`. */
function databaseAt(version: number): Database {
  const db = new Database(":memory:", { strict: true });
  db.run("PRAGMA foreign_keys = ON");
  for (const [index, sql] of MIGRATIONS.slice(0, version).entries()) {
    db.run(sql);
    db.run(`PRAGMA user_version = ${index + 1}`);
  }
  return db;
}

const indexesOfEvents = (db: Database) =>
  db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'").all();

/** Every upload writes an event: an index on it is a page in each batch's log, so only what a query reads may stay. */
test("migration 14 drops the events index no query reads and keeps the log", async () => {
  const db = databaseAt(13);
  db.run(
    `INSERT INTO events (account_id, space, tx, action, path, dest, size, msg, ts) VALUES
     (1, 'live', 1, 'put', 'docs/a.txt', NULL, 1, NULL, 0),
     (1, 'live', 2, 'move', 'tmp/b.txt', 'docs/b.txt', NULL, NULL, 0),
     (1, 'live', 3, 'put', 'other/c.txt', NULL, 1, NULL, 0)`,
  );
  expect(indexesOfEvents(db)).toEqual([{ name: "events_by_path" }]);

  migrate(db);
  expect(indexesOfEvents(db)).toEqual([]);
  const events = new SqliteEventRepository(db, () => {});
  const scope = { account: 1, space: "live" };
  // A path's events match on its path or on the destination of a move, exact or under a folder.
  expect((await events.forPath(scope, "docs/", false, 0, 10)).map((e) => e.tx)).toEqual([1, 2]);
  expect((await events.forPath(scope, "docs/b.txt", true, 0, 10)).map((e) => e.tx)).toEqual([2]);
  expect((await events.since(scope, 0, 10)).map((e) => e.tx)).toEqual([1, 2, 3]);
  expect(await events.latestTx(scope)).toBe(3);
});
