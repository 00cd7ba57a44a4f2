import { afterAll, test } from "bun:test";
import { openPostgres } from "../../src/storage/db/postgres/connection";
import { PostgresMetadata } from "../../src/storage/db/postgres/metadata";
import { migratePostgres } from "../../src/storage/db/postgres/migrate";
import { runMetadataContract } from "../fixtures/metadata-contract";
import { createTestDatabase, ensurePostgres } from "../fixtures/postgres";

// The Postgres engine under the same contract as the embedded one: units of work really run
// side by side here (a pool of connections), so every race is a race.
const pg = await ensurePostgres();
const db = pg.url ? await createTestDatabase(pg.url, "contract") : undefined;
if (db) {
  const sql = openPostgres({ url: db.url, max_connections: 1 });
  await migratePostgres(sql);
  await sql.close();
  runMetadataContract("postgres", () => {
    const metadata = PostgresMetadata.connect(openPostgres({ url: db.url, max_connections: 8 }));
    return { metadata, close: () => metadata.close() };
  });
  afterAll(() => db.drop());
} else {
  test.skip(`metadata contract: postgres (skipped: ${pg.skip})`, () => {});
}
