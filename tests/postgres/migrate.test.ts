/**
 * Postgres migrations: applied once under an advisory lock, however many instances start
 * at the same moment; all-or-nothing; a database newer than the binary is refused.
 */

import { afterAll, expect } from "bun:test";
import type { SQL } from "bun";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { migratePostgres } from "../../src/storage/db/postgres/migrate";
import { POSTGRES_MIGRATIONS } from "../../src/storage/db/postgres/schema";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
const databases: TestDatabase[] = [];
const pools: SQL[] = [];

async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase(pg.url as string, "migrate");
  databases.push(db);
  return db.url;
}

function pool(url: string): SQL {
  const sql = openPostgres({ url, max_connections: 2 });
  pools.push(sql);
  return sql;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close({ timeout: 5 })));
  await Promise.all(databases.map((d) => d.drop()));
});

// Without a PostgreSQL every test is skipped, its name saying why.
const run = testUnless(pg.skip ?? null);

run("five instances starting together: one applies the migrations, the others find nothing to do", async () => {
  const url = await freshDatabase();
  const instances = Array.from({ length: 5 }, () => pool(url));
  const applied = await Promise.all(instances.map((sql) => migratePostgres(sql)));
  expect(applied.reduce((a, b) => a + b, 0)).toBe(POSTGRES_MIGRATIONS.length);
  expect(applied.filter((n) => n > 0)).toHaveLength(1);
  const [sql] = instances as [SQL];
  const versions = await sql`SELECT version FROM lightd_schema ORDER BY version`;
  expect(versions.map((r: { version: number }) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
  // The built-in admin is account 1; the next account gets 2, as on SQLite.
  const [admin] = await sql`SELECT id::int AS id, name FROM accounts`;
  expect(admin).toEqual({ id: 1, name: "admin" });
  const [next] = await sql`INSERT INTO accounts (name, created_at) VALUES ('alice', 0) RETURNING id::int AS id`;
  expect(next.id).toBe(2);
  // Names are unique whatever their case, as on SQLite.
  const clash = await sql`INSERT INTO accounts (name, created_at) VALUES ('ALICE', 0)`.then(
    () => "inserted",
    (error: Error) => error.message,
  );
  expect(clash).toContain("accounts_by_name");
  expect(await migratePostgres(sql)).toBe(0);
});

run("a migration that fails leaves the database at the version it had", async () => {
  const url = await freshDatabase();
  const sql = pool(url);
  const broken = [...POSTGRES_MIGRATIONS, "CREATE TABLE half_done (id int); SELECT no_such_function();"];
  const failure = await migratePostgres(sql, broken).then(
    () => "migrated",
    (error: Error) => error.message,
  );
  expect(failure).toContain("no_such_function");
  const [{ tables }] = await sql`SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`;
  expect(tables).toBe(0);
  // The good migrations still apply on the next start.
  expect(await migratePostgres(sql)).toBe(POSTGRES_MIGRATIONS.length);
});

run("a database migrated by a newer lightd is refused, naming both versions", async () => {
  const url = await freshDatabase();
  const sql = pool(url);
  await migratePostgres(sql, [...POSTGRES_MIGRATIONS, "CREATE TABLE from_the_future (id int)"]);
  const failure = await migratePostgres(sql).then(
    () => "migrated",
    (error: Error) => error.message,
  );
  expect(failure).toBe(
    `database schema version ${POSTGRES_MIGRATIONS.length + 1} is newer than this lightd (${POSTGRES_MIGRATIONS.length}); upgrade lightd`,
  );
});

run("replacing a file's bytes ends its share links (the same rule as SQLite's trigger)", async () => {
  const url = await freshDatabase();
  const sql = pool(url);
  await migratePostgres(sql);
  const [file] =
    await sql`INSERT INTO files (account_id, space, path, parent, name, type, object_key, tx, created_at, updated_at)
    VALUES (1, 'live', 'a.txt', '', 'a.txt', 'file', 'obj-1', 1, 0, 0) RETURNING id`;
  await sql`INSERT INTO shares (id, token_hash, account_id, space, file_id, created_at, expires_at)
    VALUES ('s1', 'h1', 1, 'live', ${file.id}, 0, 9999999999999)`;
  await sql`UPDATE files SET size = 5 WHERE id = ${file.id}`;
  expect((await sql`SELECT id FROM shares`).length).toBe(1);
  await sql`UPDATE files SET object_key = 'obj-2' WHERE id = ${file.id}`;
  expect((await sql`SELECT id FROM shares`).length).toBe(0);
});
