import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../src/storage/db/migrations";

/** Upgrading a database whose share links named paths: live links keep working by file id, dead ones go. */
test("migration 5 carries share links over to the file they named", () => {
  const db = new Database(":memory:", { strict: true });
  db.run("PRAGMA foreign_keys = ON");
  for (const [version, sql] of MIGRATIONS.slice(0, 4).entries()) {
    db.run(sql);
    db.run(`PRAGMA user_version = ${version + 1}`);
  }
  db.run(
    `INSERT INTO files (id, account_id, space, path, parent, name, type, object_key, size, tx, created_at, updated_at)
     VALUES (7, 1, 'live', 'docs/a.txt', 'docs/', 'a.txt', 'file', 'obj', 1, 1, 0, 0)`,
  );
  db.run(
    `INSERT INTO shares (id, token_hash, account_id, space, path, created_at, expires_at) VALUES
     ('live', 'h1', 1, 'live', 'docs/a.txt', 1, 2), ('gone', 'h2', 1, 'live', 'docs/deleted.txt', 1, 2)`,
  );
  migrate(db);
  expect(db.query("SELECT id, file_id, downloads, max_downloads FROM shares").all()).toEqual([
    { id: "live", file_id: 7, downloads: 0, max_downloads: null },
  ]);
  // The schema's rules hold for carried-over links too.
  db.run("UPDATE files SET object_key = 'new' WHERE id = 7");
  expect(db.query("SELECT count(*) AS n FROM shares").get()).toEqual({ n: 0 });
});
