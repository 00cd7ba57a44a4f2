import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openConnection } from "../../src/storage/db/sqlite/connection";
import { WalSync } from "../../src/storage/db/sqlite/wal-sync";

const dir = mkdtempSync(join(tmpdir(), "lightd-wal-sync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("concurrent commits share log syncs: many waiters, at most two fdatasyncs", async () => {
  const path = join(dir, "group.db");
  const db = openConnection(path);
  db.run("CREATE TABLE t (n INTEGER)");
  const wal = new WalSync(path);
  await wal.sync();
  const before = wal.syncs;
  // 50 requests commit and wait, all before the first sync can finish.
  const waits = Array.from({ length: 50 }, (_, n) => {
    db.run("INSERT INTO t VALUES (?)", [n]);
    return wal.sync();
  });
  await Promise.all(waits);
  // The first call starts a sync; every later one joins the single sync queued behind it.
  expect(wal.syncs - before).toBeLessThanOrEqual(2);
  expect(wal.syncs - before).toBeGreaterThanOrEqual(1);
  db.close();
});

test("a call made while a sync runs waits for the next sync, not the running one", async () => {
  const path = join(dir, "order.db");
  const db = openConnection(path);
  db.run("CREATE TABLE t (n INTEGER)");
  const wal = new WalSync(path);
  const first = wal.sync();
  db.run("INSERT INTO t VALUES (1)");
  const second = wal.sync();
  expect(second).not.toBe(first);
  await first;
  const afterFirst = wal.syncs;
  await second;
  expect(wal.syncs).toBe(afterFirst + 1);
  db.close();
});

test("with commits noted, a call joins the running sync only if no commit came after it started", async () => {
  const path = join(dir, "noted.db");
  const db = openConnection(path);
  db.run("CREATE TABLE t (n INTEGER)");
  const wal = new WalSync(path, true);
  const committed: string[] = [];
  // The hook runs right before each sync starts: a commit made there is covered by that sync.
  wal.beforeSync = () => {
    db.run("INSERT INTO t VALUES (1)");
    wal.noteCommit();
    committed.push("commit");
  };
  const first = wal.sync();
  expect(committed).toEqual(["commit"]);
  // Nothing committed since the running sync started: it covers this caller.
  expect(wal.sync()).toBe(first);
  db.run("INSERT INTO t VALUES (2)");
  wal.noteCommit();
  // A commit came after it started: the caller needs the next sync.
  const second = wal.sync();
  expect(second).not.toBe(first);
  await first;
  const afterFirst = wal.syncs;
  await second;
  expect(wal.syncs).toBe(afterFirst + 1);
  expect(committed).toEqual(["commit", "commit"]);
  db.close();
});

test("a committed row is in the synced log: a fresh connection on a copy of the files sees it", async () => {
  const path = join(dir, "seen.db");
  const db = openConnection(path);
  db.run("CREATE TABLE t (n INTEGER)");
  db.run("INSERT INTO t VALUES (42)");
  await new WalSync(path).sync();
  // Copying the database and its log is what a restart after a power cut would find on disk.
  const copy = join(dir, "copy.db");
  await Bun.write(copy, Bun.file(path));
  await Bun.write(`${copy}-wal`, Bun.file(`${path}-wal`));
  const reopened = new Database(copy, { readonly: true });
  expect(reopened.query("SELECT n FROM t").get()).toEqual({ n: 42 });
  reopened.close();
  db.close();
});

test("an in-memory database has nothing to sync", async () => {
  await new WalSync(":memory:").sync();
});

test("closing while a sync runs lets that sync finish on the log it opened", async () => {
  const path = join(dir, "closing.db");
  const db = openConnection(path);
  db.run("CREATE TABLE t (n INTEGER)");
  const wal = new WalSync(path);
  // Megabytes in the log keep its fdatasync busy while close() is called.
  db.run("CREATE TABLE big (b BLOB)");
  for (let n = 0; n < 64; n++) db.run("INSERT INTO big VALUES (randomblob(262144))");
  const running = wal.sync();
  wal.close();
  // The descriptor is let go once the running sync is over, not under it (EBADF).
  await running;
  expect(wal.syncs).toBe(1);
  db.close();
});
