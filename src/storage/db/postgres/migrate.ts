import type { SQL } from "bun";
import { POSTGRES_MIGRATIONS } from "./schema";

/** The advisory lock every instance takes to migrate: only one changes the schema at a time. */
export const MIGRATION_LOCK = 0x6c696768; // "ligh"

/**
 * Brings the schema up to date. All pending migrations run in one transaction that first
 * takes a transaction-scoped advisory lock, so instances starting together queue up here:
 * the first applies the migrations, the others then find nothing left to do. A failure
 * rolls everything back (Postgres DDL is transactional), leaving the previous version intact.
 * Returns the migrations this call applied.
 */
export async function migratePostgres(sql: SQL, migrations: readonly string[] = POSTGRES_MIGRATIONS): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS lightd_schema (
      version     INTEGER PRIMARY KEY,
      applied_at  BIGINT NOT NULL
    )`;
    const [row] = await tx`SELECT coalesce(max(version), 0)::int AS version FROM lightd_schema`;
    const current = (row as { version: number }).version;
    if (current > migrations.length) {
      throw new Error(
        `database schema version ${current} is newer than this lightd (${migrations.length}); upgrade lightd`,
      );
    }
    for (let version = current; version < migrations.length; version++) {
      await tx.unsafe(migrations[version] as string);
      await tx`INSERT INTO lightd_schema (version, applied_at) VALUES (${version + 1}, ${Date.now()})`;
    }
    return migrations.length - current;
  });
}
