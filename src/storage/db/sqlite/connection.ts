import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "../migrations";

/**
 * Opens a connection to the metadata database with the settings every connection needs:
 * WAL (readers never block the writer), foreign keys, a busy timeout so a second process
 * waits instead of failing, and NORMAL sync (safe under WAL). The writer (`migrate`)
 * brings the schema up to date; a `readOnly` connection refuses every write.
 */
export function openConnection(path: string, options: { migrate?: boolean; readOnly?: boolean } = {}): Database {
  // The database holds credential hashes: keep the data dir and the file private to the owner.
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { create: true, strict: true });
  if (path !== ":memory:") chmodSync(path, 0o600);
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA foreign_keys = ON");
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA temp_store = MEMORY");
  if (options.migrate) migrate(db);
  if (options.readOnly) db.run("PRAGMA query_only = ON");
  return db;
}
