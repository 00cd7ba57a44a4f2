/**
 * metadata.url decides where lightd writes: a PG* variable in the server's environment must
 * not move it to another database (Bun's client would let PGDATABASE replace the URL's).
 */

import { afterAll, expect, test } from "bun:test";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { createTestDatabase, ensurePostgres, type TestDatabase } from "../fixtures/postgres";

const pg = await ensurePostgres();
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

test.skipIf(!pg.url)("the database named in metadata.url wins over PGDATABASE in the environment", async () => {
  const named = await createTestDatabase(pg.url as string, "named");
  const other = await createTestDatabase(pg.url as string, "other");
  databases.push(named, other);
  const before = process.env.PGDATABASE;
  process.env.PGDATABASE = other.name;
  try {
    const sql = openPostgres({ url: named.url, max_connections: 1 });
    try {
      const [row] = await sql`SELECT current_database() AS name`;
      expect(row.name).toBe(named.name);
    } finally {
      await sql.close();
    }
  } finally {
    if (before === undefined) delete process.env.PGDATABASE;
    else process.env.PGDATABASE = before;
  }
});
