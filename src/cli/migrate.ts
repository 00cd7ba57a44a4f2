import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfigFile, resolveDataDir } from "../config";
import { describePostgres, openPostgres } from "../storage/db/postgres/connection";
import { copySqliteToPostgres } from "../storage/db/postgres/copy-from-sqlite";
import { UsageError } from "./args";

export interface MigrateOptions {
  configPath: string;
  url?: string;
  dataDir?: string;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
}

/**
 * `lightd migrate --to postgres`: copies the SQLite metadata of the server that config.json
 * describes into an empty Postgres database, then says what to change in config.json.
 * The bytes are not touched: local blobs or the bucket stay where `storage` points.
 */
export async function runMigrateCommand(options: MigrateOptions): Promise<number> {
  if (!existsSync(options.configPath)) throw new UsageError(`no config file at ${options.configPath} (see --config)`);
  const { config } = loadConfigFile(options.configPath, { persist: false });
  const dataDir = resolveDataDir(options.configPath, config, options.dataDir ?? options.env.LIGHTD_DATA);
  const sqlitePath = join(dataDir, "lightd.db");
  if (!existsSync(sqlitePath)) throw new UsageError(`no SQLite database at ${sqlitePath} (see --data)`);
  const settings = {
    url: options.url ?? config.metadata.url,
    max_connections: 2,
  };
  const target = describePostgres(settings, options.env);
  const sql = openPostgres(settings, options.env);
  try {
    const report = await copySqliteToPostgres(sqlitePath, sql);
    options.out(`Copied ${sqlitePath} into ${target}:\n`);
    for (const { name, rows } of report.tables) options.out(`  ${name.padEnd(16)}${rows}\n`);
    options.out(
      `\nNow set "metadata": { "engine": "postgres", "url": "…" } in ${options.configPath} and start lightd.\n`,
    );
    return 0;
  } finally {
    await sql.close({ timeout: 5 });
  }
}
