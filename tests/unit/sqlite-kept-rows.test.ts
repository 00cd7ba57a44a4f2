import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileRow, Scope } from "../../src/storage/db/files";
import type { Repositories } from "../../src/storage/db/repositories";
import { openSqliteMetadata } from "../../src/storage/db/sqlite";
import type { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";
import { TurnCache } from "../../src/storage/db/sqlite/read-turn";

/**
 * File rows by path the read connection keeps between turns (src/storage/db/sqlite/read-turn.ts):
 * a kept row must be exactly what the database holds now, whoever changed it since.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let dir: string;
let path: string;
let metadata: SqliteMetadata;
let scope: Scope;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "lightd-kept-rows-"));
  path = join(dir, "lightd.db");
  metadata = openSqliteMetadata(path);
  const account = await metadata.write((tx) => tx.accounts.insert({ name: "kept", type: "human", created_at: 1 }));
  scope = { account: account?.id as number, space: "live" };
});
afterEach(() => {
  metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (at: string, size: number) => ({
  account_id: scope.account,
  space: scope.space,
  path: at,
  parent: "",
  name: at,
  type: "file" as const,
  object_key: `obj${size}`,
  size,
  content_type: null,
  etag: `e${size}`,
  tx: 1,
  updated_at: 1,
});
/** Gives the file at `at` new content of `size` bytes, in the unit of work `tx`. */
async function resize(tx: Repositories, at: string, size: number): Promise<void> {
  const row = await tx.files.get(scope, at);
  const content = { object_key: `obj${size}`, size, content_type: null, etag: `e${size}`, tx: 2, updated_at: 2 };
  await tx.files.updateContent(row?.id as number, content);
}
const read = (at: string) => metadata.read.files.get(scope, at) as FileRow | null;

test("a row read again in a later turn is the kept one, frozen", async () => {
  await metadata.write((tx) => tx.files.insert(file("a.txt", 1)));
  await nextTurn();
  const first = read("a.txt");
  await nextTurn();
  const again = read("a.txt");
  expect(again).toBe(first);
  expect(again?.size).toBe(1);
  expect(Object.isFrozen(again)).toBe(true);
  // A scope and path that concatenate alike are another row.
  expect(metadata.read.files.get({ ...scope, space: "liv" }, "ea.txt")).toBeNull();
  expect(metadata.read.files.get({ ...scope, space: "livea" }, ".txt")).toBeNull();
  expect(read("a.txt")).toBe(first);
});

test("after this process's commit the next read sees it, in the commit's own turn too", async () => {
  await metadata.write((tx) => tx.files.insert(file("a.txt", 1)));
  await nextTurn();
  expect(read("a.txt")?.size).toBe(1);
  expect(read("new.txt")).toBeNull();
  await metadata.write(async (tx) => {
    await resize(tx, "a.txt", 2);
    await tx.files.insert(file("new.txt", 3));
  });
  // Resumed by the COMMIT, still in its turn.
  expect(read("a.txt")?.size).toBe(2);
  expect(read("new.txt")?.size).toBe(3);
  await nextTurn();
  await metadata.write(async (tx) => {
    await tx.files.delete((await tx.files.get(scope, "new.txt")) as FileRow);
  });
  expect(read("new.txt")).toBeNull();
});

test("another process's commit empties the kept rows from the next turn on", async () => {
  await metadata.write((tx) => tx.files.insert(file("a.txt", 1)));
  await nextTurn();
  expect(read("a.txt")?.size).toBe(1);
  const other = new Database(path);
  other.run("PRAGMA busy_timeout = 5000");
  other.run("UPDATE files SET size = 7 WHERE path = 'a.txt'");
  other.run(
    "INSERT INTO files (account_id, space, path, parent, name, type, size, tx, created_at, updated_at) VALUES (?1, 'live', 'b.txt', '', 'b.txt', 'file', 9, 1, 1, 1)",
    [scope.account],
  );
  // This turn keeps its snapshot; the next one sees the change.
  expect(read("a.txt")?.size).toBe(1);
  await nextTurn();
  expect(read("a.txt")?.size).toBe(7);
  expect(read("b.txt")?.size).toBe(9);
  other.close();
});

test("the unit of work never reads kept rows: it sees its own writes", async () => {
  await metadata.write((tx) => tx.files.insert(file("a.txt", 1)));
  await nextTurn();
  expect(read("a.txt")?.size).toBe(1);
  const seen = await metadata.write(async (tx) => {
    await resize(tx, "a.txt", 5);
    return (await tx.files.get(scope, "a.txt"))?.size;
  });
  expect(seen).toBe(5);
});

test("repositories taken before a commit and read after it see the commit", async () => {
  await metadata.write((tx) => tx.files.insert(file("a.txt", 1)));
  await nextTurn();
  const reads = metadata.read;
  expect((reads.files.get(scope, "a.txt") as FileRow).size).toBe(1);
  await metadata.write(async (tx) => {
    await resize(tx, "a.txt", 3);
  });
  // No new turn began (the getter was not asked again): the read goes to the database.
  expect((reads.files.get(scope, "a.txt") as FileRow).size).toBe(3);
});

test("a kept credential row goes with the commit that deletes or changes it", async () => {
  const credential = { kind: "live" as const, account_id: scope.account, secret_hash: "h1", created_at: 1 };
  await metadata.write(async (tx) => {
    await tx.credentials.insert({ ...credential, id: "k1" });
    await tx.credentials.insert({ ...credential, id: "k2" });
  });
  await nextTurn();
  const kept = metadata.read.credentials.findForAuth("k1");
  await nextTurn();
  expect(metadata.read.credentials.findForAuth("k1")).toBe(kept);
  expect(Object.isFrozen(kept)).toBe(true);
  expect(metadata.read.credentials.findForAuth("k2")).toMatchObject({ secret_hash: "h1" });
  await metadata.write(async (tx) => {
    await tx.credentials.delete("k1");
  });
  expect(metadata.read.credentials.findForAuth("k1")).toBeNull();
  const other = new Database(path);
  other.run("PRAGMA busy_timeout = 5000");
  other.run("UPDATE credentials SET secret_hash = 'h2' WHERE id = 'k2'");
  other.close();
  await nextTurn();
  expect(metadata.read.credentials.findForAuth("k2")).toMatchObject({ secret_hash: "h2" });
});

test("a cache keeps at most its capacity, and what is read again stays longest", () => {
  let open = true;
  const cache = new TurnCache<number>(4, () => open);
  for (let i = 0; i < 100; i++) {
    cache.set(`k${i}`, i);
    // k0 is read after every write: it is never the one to go.
    expect(cache.get("k0")).toBe(0);
    expect(cache.size).toBeLessThanOrEqual(4);
  }
  expect(cache.get("k99")).toBe(99);
  expect(cache.get("k50")).toBeUndefined();
  // Outside a checked turn nothing is read or kept.
  open = false;
  expect(cache.get("k0")).toBeUndefined();
  cache.set("k200", 200);
  open = true;
  expect(cache.get("k200")).toBeUndefined();
  cache.clear();
  expect(cache.size).toBe(0);
});
