import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewFile } from "../../src/storage/db/files";
import { openSqliteMetadata } from "../../src/storage/db/sqlite";
import type { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";
import { SEARCH_QUEUE_LIMIT } from "../../src/storage/db/sqlite/search-mirror";

/**
 * Units of work queue their changes to the search index (`files_search`), and the writer
 * indexes the queue in bulk (src/storage/db/sqlite/search-mirror.ts). What a search finds
 * must not change: every committed file and move is found, a unit that failed leaves nothing,
 * and nothing queued is lost to a restart.
 */
const scope = { account: 1, space: "live" };
const file = (path: string): NewFile => ({
  account_id: 1,
  space: "live",
  path,
  parent: path.slice(0, path.lastIndexOf("/") + 1),
  name: path.slice(path.lastIndexOf("/") + 1),
  type: "file",
  object_key: null,
  size: 0,
  content_type: "text/plain",
  etag: null,
  tx: 1,
  updated_at: 1,
});

let dir: string;
let metadata: SqliteMetadata;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lightd-search-"));
  metadata = openSqliteMetadata(join(dir, "lightd.db"));
});
afterEach(() => {
  metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of the search index whose file row is gone (a rolled-back or deleted file left behind). */
const strays = () =>
  (
    metadata.connection
      .query("SELECT count(*) AS n FROM files_search WHERE rowid NOT IN (SELECT id FROM files)")
      .get() as { n: number }
  ).n;

/** Rows of the index, and ids waiting in its queue. */
const counts = (db: Database = metadata.connection) =>
  db
    .query("SELECT (SELECT count(*) FROM files_search) AS indexed, (SELECT count(*) FROM files_search_queue) AS queued")
    .get() as { indexed: number; queued: number };

const found = async (term: string) =>
  (await metadata.read.files.search(scope, [term], "", 50)).map((row) => row.path).sort();

test("units of work batched together: the committed ones are searchable, a failed one left nothing", async () => {
  const { promise: paused, resolve: release } = Promise.withResolvers<void>();
  const first = metadata.write(async (tx) => {
    await tx.files.insert(file("docs/report-alpha.txt"));
    await paused;
  });
  const second = metadata.write(async (tx) => tx.files.insert(file("docs/report-beta.txt")));
  const failing = metadata.write(async (tx) => {
    await tx.files.insert(file("docs/report-gamma.txt"));
    throw new Error("refused");
  });
  const moved = metadata.write(async (tx) => {
    const row = await tx.files.get(scope, "docs/report-beta.txt");
    if (!row) throw new Error("beta is missing inside the batch");
    await tx.files.moveFile(row, "docs/report-delta.txt", "docs/", "report-delta.txt", 2, 2);
  });
  release();
  await Promise.all([first, second, moved]);
  await expect(failing).rejects.toThrow("refused");
  expect(await found("report")).toEqual(["docs/report-alpha.txt", "docs/report-delta.txt"]);
  expect(await found("beta")).toEqual([]);
  expect(await found("gamma")).toEqual([]);
  expect(strays()).toBe(0);
  // The index agrees with its content (FTS5's own consistency check raises otherwise).
  metadata.connection.run("INSERT INTO files_search (files_search) VALUES ('integrity-check')");
});

test("a delete and a reused rowid in one batch keep their order", async () => {
  const id = await metadata.write(async (tx) => tx.files.insert(file("a/old-name.txt")));
  const { promise: paused, resolve: release } = Promise.withResolvers<void>();
  const holder = metadata.write(async () => {
    await paused;
  });
  const removed = metadata.write(async (tx) => {
    const row = await tx.files.get(scope, "a/old-name.txt");
    if (row) await tx.files.delete(row);
  });
  // The highest rowid was just deleted: SQLite hands the same id to the next insert.
  const added = metadata.write(async (tx) => tx.files.insert(file("a/new-name.txt")));
  release();
  await Promise.all([holder, removed]);
  expect(await added).toBe(id);
  expect(await found("old-name")).toEqual([]);
  expect(await found("new-name")).toEqual(["a/new-name.txt"]);
  expect(strays()).toBe(0);
  metadata.connection.run("INSERT INTO files_search (files_search) VALUES ('integrity-check')");
});

test("an upload is queued, not indexed, and the next search indexes the queue first", async () => {
  await metadata.write(async (tx) => tx.files.insert(file("notes/plan-one.txt")));
  expect(counts()).toEqual({ indexed: 0, queued: 1 });
  expect(await found("plan")).toEqual(["notes/plan-one.txt"]);
  expect(counts()).toEqual({ indexed: 1, queued: 0 });
  // With nothing queued, a search reads the index as it is.
  expect(await found("one")).toEqual(["notes/plan-one.txt"]);
});

test("a search while a batch waits for its commit finds every file committed before it", async () => {
  await metadata.write(async (tx) => tx.files.insert(file("a/early-bird.txt")));
  const { promise: paused, resolve: release } = Promise.withResolvers<void>();
  const holder = metadata.write(async (tx) => {
    await tx.files.insert(file("a/late-bird.txt"));
    await paused;
  });
  const searching = found("bird");
  release();
  await holder;
  // The search waited its turn on the writer, so it also sees the unit that held it.
  expect(await searching).toEqual(["a/early-bird.txt", "a/late-bird.txt"]);
});

test("what is queued survives closing the database, and is found after it opens again", async () => {
  const path = join(dir, "lightd.db");
  await metadata.write(async (tx) => {
    await tx.files.insert(file("kept/queued-one.txt"));
    await tx.files.insert(file("kept/queued-two.txt"));
  });
  metadata.close();
  const raw = new Database(path, { readonly: true });
  expect(counts(raw)).toEqual({ indexed: 0, queued: 2 });
  raw.close();
  metadata = openSqliteMetadata(path);
  expect(await found("queued")).toEqual(["kept/queued-one.txt", "kept/queued-two.txt"]);
  expect(counts().queued).toBe(0);
});

test("the writer indexes the queue on its own once it is long, without a search", async () => {
  for (let i = 0; i < SEARCH_QUEUE_LIMIT + 10; i++) {
    await metadata.write(async (tx) => tx.files.insert(file(`bulk/item-${i}.txt`)));
  }
  const { indexed, queued } = counts();
  expect(indexed).toBeGreaterThanOrEqual(SEARCH_QUEUE_LIMIT);
  expect(queued).toBeLessThan(SEARCH_QUEUE_LIMIT);
  expect(indexed + queued).toBe(SEARCH_QUEUE_LIMIT + 10);
  expect(await found("item-7")).toContain("bulk/item-7.txt");
  expect(strays()).toBe(0);
  metadata.connection.run("INSERT INTO files_search (files_search) VALUES ('integrity-check')");
});

test("a folder that reuses a deleted file's id is not indexed", async () => {
  const id = await metadata.write(async (tx) => tx.files.insert(file("x/gone-file.txt")));
  expect(await found("gone")).toEqual(["x/gone-file.txt"]);
  const folder = await metadata.write(async (tx) => {
    const row = await tx.files.get(scope, "x/gone-file.txt");
    if (row) await tx.files.delete(row);
    return tx.files.insert({ ...file("x/gone-folder/"), name: "gone-folder", type: "folder" });
  });
  expect(folder).toBe(id);
  expect(await found("gone")).toEqual([]);
  expect(counts()).toEqual({ indexed: 0, queued: 0 });
});

test("an in-memory database queues and finds alike", async () => {
  const memory = openSqliteMetadata(":memory:");
  try {
    await memory.write(async (tx) => tx.files.insert(file("m/in-memory.txt")));
    expect((await memory.read.files.search(scope, ["memory"], "", 50)).map((r) => r.path)).toEqual(["m/in-memory.txt"]);
    expect(counts(memory.connection)).toEqual({ indexed: 1, queued: 0 });
  } finally {
    memory.close();
  }
});
