import { Database } from "bun:sqlite";
import type { SQL } from "bun";
import { migratePostgres } from "./migrate";

/**
 * Tables in the order they are copied: every table before the ones that reference it.
 * `order` keeps the source's insertion order where it matters (list order of keys and
 * uploads follows it); `files_search` and its queue are SQLite's own search index and are not copied.
 */
const TABLES: readonly { name: string; order: string }[] = [
  { name: "accounts", order: "id" },
  { name: "oauth_clients", order: "rowid" },
  { name: "oauth_grants", order: "rowid" },
  { name: "oauth_codes", order: "rowid" },
  { name: "credentials", order: "rowid" },
  { name: "spaces", order: "account_id, space" },
  { name: "files", order: "id" },
  { name: "events", order: "account_id, space, tx" },
  { name: "uploads", order: "rowid" },
  { name: "shares", order: "rowid" },
  { name: "challenges", order: "rowid" },
  { name: "magic_links", order: "rowid" },
  { name: "hooks", order: "rowid" },
  { name: "hook_deliveries", order: "rowid" },
  { name: "dav_properties", order: "file_id, ns, name" },
  { name: "dav_file_facts", order: "file_id" },
  { name: "dav_locks", order: "rowid" },
  { name: "reclaim", order: "queued_at, object_key, upload_id" },
  { name: "invites", order: "rowid" },
  { name: "versions", order: "id" },
  { name: "reclaim_holds", order: "id" },
  { name: "backups", order: "started_at, id" },
];
const SQLITE_ONLY = /^(sqlite_|files_search)/;
/** Rows per INSERT: well under Postgres's 65,535 parameters for the widest table. */
const BATCH = 2000;

export class CopyRefused extends Error {
  override name = "CopyRefused";
}

export interface CopyReport {
  /** Rows copied, by table, in copy order. */
  tables: { name: string; rows: number }[];
}

/**
 * Copies a SQLite server's metadata into an empty Postgres database, in one transaction:
 * on any error nothing is left behind. Refuses a target that already holds data, and a
 * source with a table or column this version's Postgres schema lacks (nothing is dropped
 * silently). Stop the server first: the source is read as it is at the start.
 */
export async function copySqliteToPostgres(sqlitePath: string, sql: SQL): Promise<CopyReport> {
  const source = new Database(sqlitePath, { readonly: true, strict: true });
  try {
    await migratePostgres(sql);
    const columns = await plan(source, sql);
    return await sql.begin(async (tx) => {
      // A fresh schema holds only the built-in admin; the source's admin row replaces it.
      const counts = TABLES.map(({ name }) =>
        name === "accounts" ? "(SELECT count(*) FROM accounts WHERE id <> 1)" : `(SELECT count(*) FROM ${name})`,
      );
      const [{ taken }] = await tx.unsafe(`SELECT ${counts.join(" + ")} AS taken`);
      if (Number(taken) > 0)
        throw new CopyRefused("the Postgres database already holds lightd data; copy into an empty one");
      await tx`DELETE FROM accounts`;
      const tables: CopyReport["tables"] = [];
      for (const { name, order } of TABLES) {
        const cols = columns.get(name);
        if (!cols) continue;
        let copied = 0;
        const select = source.query(`SELECT ${cols.join(", ")} FROM ${name} ORDER BY ${order} LIMIT ?1 OFFSET ?2`);
        for (;;) {
          const rows = select.all(BATCH, copied) as Record<string, unknown>[];
          if (rows.length === 0) break;
          await tx`INSERT INTO ${tx(name)} ${tx(rows, ...cols)}`;
          copied += rows.length;
          if (rows.length < BATCH) break;
        }
        tables.push({ name, rows: copied });
      }
      // New accounts, files and versions continue after the copied ids.
      for (const table of ["accounts", "files", "versions"]) {
        await tx.unsafe(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), greatest((SELECT max(id) FROM ${table}), 1))`,
        );
      }
      return { tables };
    });
  } finally {
    source.close();
  }
}

/** The columns to copy per table; refuses what the Postgres schema cannot hold. */
async function plan(source: Database, sql: SQL): Promise<Map<string, string[]>> {
  const known = new Set(TABLES.map((t) => t.name));
  const sourceTables = (source.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map((t) => t.name)
    .filter((name) => !SQLITE_ONLY.test(name));
  const unknown = sourceTables.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CopyRefused(`the SQLite database has tables this lightd cannot copy yet: ${unknown.join(", ")}`);
  }
  const targetColumns = await sql`SELECT table_name || '.' || column_name AS name FROM information_schema.columns
    WHERE table_schema = current_schema()`;
  const target = new Set(targetColumns.map((column: { name: string }) => column.name));
  const out = new Map<string, string[]>();
  for (const name of sourceTables) {
    const cols = (source.query(`PRAGMA table_info(${name})`).all() as { name: string }[]).map((c) => c.name);
    const missing = cols.filter((c) => !target.has(`${name}.${c}`));
    if (missing.length > 0) {
      throw new CopyRefused(`the Postgres schema lacks ${missing.map((c) => `${name}.${c}`).join(", ")}`);
    }
    out.set(name, cols);
  }
  return out;
}
