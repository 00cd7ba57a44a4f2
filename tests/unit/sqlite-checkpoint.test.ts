import type { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Repositories } from "../../src/storage/db/repositories";
import { CHECKPOINT_PAGES } from "../../src/storage/db/sqlite/checkpointer";
import { SqliteMetadata } from "../../src/storage/db/sqlite/metadata";

/**
 * The metadata log is checkpointed on a worker thread (src/storage/db/sqlite/checkpointer.ts),
 * not inside a COMMIT on the thread that serves requests. The writer's own checkpoint only
 * starts at ten times the usual size, so a log that stays short proves the worker's ran.
 */
interface Scratch {
  add(bytes: number): void;
  count(): number;
}
const scratchOn = (db: Database): Scratch => ({
  add: (bytes) => db.query("INSERT INTO scratch (body) VALUES (?1)").run(new Uint8Array(bytes)),
  count: () => (db.query("SELECT count(*) AS n FROM scratch").get() as { n: number }).n,
});
const scratch = (repos: Repositories) => (repos as unknown as { scratch: Scratch }).scratch;

let dir: string;
let metadata: SqliteMetadata;
afterEach(() => {
  metadata.close();
  rmSync(dir, { recursive: true, force: true });
});

test("checkpoints keep the log short however many commits go through it, and every commit lands", async () => {
  dir = mkdtempSync(join(tmpdir(), "lightd-checkpoint-"));
  const path = join(dir, "lightd.db");
  metadata = new SqliteMetadata(path, (db) => ({ scratch: scratchOn(db) }) as unknown as Repositories);
  metadata.connection.run("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB)");
  // ~3 pages per commit: about nine times the pages a checkpoint starts at go through the log.
  const commits = 3 * CHECKPOINT_PAGES;
  for (let i = 0; i < commits; i += 4) {
    // A few at once, so some wait for the writer while a checkpoint holds commits back.
    await Promise.all([0, 1, 2, 3].map(() => metadata.write(async (tx) => scratch(tx).add(8000))));
  }
  const frame = 4096 + 24;
  expect(statSync(`${path}-wal`).size).toBeLessThan(3 * CHECKPOINT_PAGES * frame);
  expect(await metadata.write(async (tx) => scratch(tx).count())).toBe(commits);
});
