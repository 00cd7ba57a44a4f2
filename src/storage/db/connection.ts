import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "./migrations";

/**
 * Opens the metadata database with the settings every connection needs:
 * WAL (readers never block the writer), foreign keys, a busy timeout so a
 * second process waits instead of failing, and NORMAL sync (safe under WAL).
 */
export function openDatabase(path: string): Database {
  // The database holds credential hashes: keep the data dir and the file private to the owner.
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { create: true, strict: true });
  if (path !== ":memory:") chmodSync(path, 0o600);
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA foreign_keys = ON");
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA temp_store = MEMORY");
  migrate(db);
  return db;
}
