import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewFile } from "../../src/storage/db/files";
import { openSqliteMetadata } from "../../src/storage/db/sqlite";
import type { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";

/**
 * The search index (`files_search`) is written at the end of each batch of units of work,
 * not inside each unit (src/storage/db/sqlite/search-mirror.ts). What a search finds must
 * not change: every committed file and move is found, a unit that failed leaves nothing.
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

const found = async (term: string) =>
  (await metadata.read.files.search(scope, [term], "", 50)).map((row) => row.path).sort();

test("units of work batched together: the committed ones are searchable, a failed one left nothing", async () => {
  let release!: () => void;
  const paused = new Promise<void>((resolve) => {
    release = resolve;
  });
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
  let release!: () => void;
  const paused = new Promise<void>((resolve) => {
    release = resolve;
  });
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
