import { openPostgres, type PostgresSettings } from "./connection";
import { PostgresMetadata } from "./metadata";
import { migratePostgres } from "./migrate";

/**
 * The Postgres metadata engine of one instance: its pool, the schema brought up to date
 * (one instance at a time), and the change feed joined to every other instance's.
 */
export async function openPostgresMetadata(
  settings: PostgresSettings,
  env: Record<string, string | undefined> = {},
): Promise<PostgresMetadata> {
  const sql = openPostgres(settings, env);
  try {
    await migratePostgres(sql);
    const metadata = PostgresMetadata.connect(sql);
    await metadata.ready;
    return metadata;
  } catch (error) {
    await sql.close({ timeout: 5 });
    throw error;
  }
}
