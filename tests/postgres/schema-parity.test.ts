/**
 * The schema is written once per engine (SQLite's migrations, Postgres's), so this checks they
 * stay one schema: after every migration both engines hold the same tables with the same
 * columns. A migration added to one engine and forgotten in the other fails here.
 */

import { Database } from "bun:sqlite";
import { afterAll, expect } from "bun:test";
import { SQL } from "bun";
import { migrate } from "../../src/storage/db/migrations";
import { openPostgresMetadata } from "../../src/storage/db/postgres";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";
import { testUnless } from "../fixtures/skip";

const pg = await ensurePostgres();
let db: TestDatabase | undefined;

afterAll(async () => {
  await db?.drop();
});

/** table → sorted column names. */
type Shape = Record<string, string[]>;

function sqliteShape(): Shape {
  const sqlite = new Database(":memory:");
  migrate(sqlite);
  const tables = sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((t) => t.name);
  const shape: Shape = {};
  for (const table of tables) {
    shape[table] = sqlite
      .query<{ name: string }, []>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => c.name)
      .sort();
  }
  sqlite.close();
  return shape;
}

async function postgresShape(url: string): Promise<Shape> {
  const metadata = await openPostgresMetadata({ url, max_connections: 2 });
  metadata.close();
  const sql = new SQL(url);
  const rows: { table_name: string; column_name: string }[] = await sql`
    SELECT c.table_name, c.column_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`;
  await sql.close();
  const shape: Shape = {};
  for (const row of rows) {
    shape[row.table_name] = [...(shape[row.table_name] ?? []), row.column_name];
  }
  for (const columns of Object.values(shape)) columns.sort();
  return shape;
}

testUnless(pg.skip ?? null)("both engines hold the same tables and columns", async () => {
  db = await createTestDatabase(pg.url as string, "schema-parity");
  const sqlite = sqliteShape();
  const postgres = await postgresShape(db.url);
  // What each engine keeps for itself, named so nothing else can hide here: SQLite's full-text
  // index of names (files_search, its shadow tables and its queue; Postgres searches the files table itself),
  // Postgres's migration record and shared rate buckets, and the `seq` column that gives
  // Postgres the insertion order SQLite keeps as rowid.
  for (const table of Object.keys(sqlite)) if (table.startsWith("files_search")) delete sqlite[table];
  for (const table of ["lightd_schema", "rate_buckets"]) delete postgres[table];
  for (const table of ["credentials", "uploads"]) {
    postgres[table] = (postgres[table] ?? []).filter((column) => column !== "seq");
  }
  expect(postgres).toEqual(sqlite);
});
