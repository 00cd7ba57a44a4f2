import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Repositories } from "../../src/storage/db/repositories";
import { CHECKPOINT_PAGES } from "../../src/storage/db/sqlite/checkpointer";
import { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";

/**
 * The reads of one turn of the event loop share one read transaction on the read connection
 * (src/storage/db/sqlite/read-turn.ts). What must still hold: a read never misses what this
 * process committed before it, another process's commit shows from the next turn on, a
 * snapshot can be taken mid-turn, and the log still starts over (it stays short).
 */
interface Notes {
  add(text: string): void;
  count(): number;
  /** The newest note's id: as many as were added (none is deleted), read without a scan. */
  last(): number;
}
const notesOn = (db: Database): Notes => ({
  add: (text) => db.query("INSERT INTO notes (text) VALUES (?1)").run(text),
  count: () => (db.query("SELECT count(*) AS n FROM notes").get() as { n: number }).n,
  last: () => (db.query("SELECT coalesce(max(id), 0) AS n FROM notes").get() as { n: number }).n,
});
const notes = (repos: Repositories) => (repos as unknown as { notes: Notes }).notes;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let dir: string;
let path: string;
let metadata: SqliteMetadata;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lightd-read-turn-"));
  path = join(dir, "lightd.db");
  metadata = new SqliteMetadata(path, (db) => ({ notes: notesOn(db) }) as unknown as Repositories);
  metadata.connection.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT, body BLOB)");
});
afterEach(() => {
  metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

test("reads of one turn share a snapshot; another process's commit shows from the next turn on", async () => {
  await nextTurn();
  expect(notes(metadata.read).count()).toBe(0);
  const other = new Database(path);
  other.run("PRAGMA busy_timeout = 5000");
  other.run("INSERT INTO notes (text) VALUES ('from another process')");
  // Same turn: the read transaction begun by the first read still holds its snapshot.
  expect(notes(metadata.read).count()).toBe(0);
  await nextTurn();
  expect(notes(metadata.read).count()).toBe(1);
  other.close();
});

test("a read right after this process's commit sees it, even in the turn the commit ran in", async () => {
  await nextTurn();
  // The commit is scheduled for the end of this turn (group commit) ...
  const written = metadata.write(async (tx) => notes(tx).add("mine"));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  // ... and a read after that scheduling begins the turn's read transaction, before the COMMIT.
  expect(notes(metadata.read).count()).toBe(0);
  await written;
  // Resumed by the COMMIT, before the turn's end has run: the read must not use the old snapshot.
  expect(notes(metadata.read).count()).toBe(1);
});

test("a snapshot taken while a turn's read transaction is open", async () => {
  await metadata.write(async (tx) => notes(tx).add("kept"));
  await nextTurn();
  expect(notes(metadata.read).count()).toBe(1);
  const target = join(dir, "copy.db");
  const snapshot = await metadata.snapshot(target);
  expect(snapshot.path).toBe(target);
  snapshot.close();
  const copy = new Database(target, { readonly: true });
  expect((copy.query("SELECT count(*) AS n FROM notes").get() as { n: number }).n).toBe(1);
  copy.close();
  // Reads go on afterwards.
  expect(notes(metadata.read).count()).toBe(1);
});

test("with reads in every turn beside the writes, checkpoints still keep the log short", async () => {
  const commits = 3 * CHECKPOINT_PAGES;
  let seen = 0;
  for (let i = 0; i < commits; i += 4) {
    await Promise.all([
      ...[0, 1, 2, 3].map(() => metadata.write(async (tx) => notes(tx).add("x".repeat(8000)))),
      Promise.resolve().then(() => {
        // max(id), not count(*): a scan in every turn would grow with the table.
        seen = notes(metadata.read).last();
      }),
    ]);
  }
  const frame = 4096 + 24;
  expect(statSync(`${path}-wal`).size).toBeLessThan(3 * CHECKPOINT_PAGES * frame);
  expect(seen).toBeGreaterThan(commits - 8);
  expect(notes(metadata.read).count()).toBe(commits);
});
