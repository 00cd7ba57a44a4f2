import type { Database } from "bun:sqlite";

/**
 * Numbered migrations. Each runs once, in its own transaction, and bumps
 * `PRAGMA user_version`; never edit a migration that has shipped, add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: accounts and every issued credential (tokens, sessions, API keys, OAuth).
  `
  CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    type        TEXT NOT NULL DEFAULT 'human' CHECK (type IN ('human', 'agent')),
    public_key  TEXT,
    email       TEXT UNIQUE COLLATE NOCASE,
    created_at  INTEGER NOT NULL
  );
  INSERT INTO accounts (id, name, type, created_at) VALUES (1, 'admin', 'human', CAST(unixepoch('subsec') * 1000 AS INTEGER));

  CREATE TABLE credentials (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    secret_hash    TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    scopes         TEXT,
    prefix         TEXT NOT NULL DEFAULT '',
    remove_on_use  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    rotated_at     INTEGER,
    last_used_at   INTEGER,
    use_count      INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX credentials_by_expiry ON credentials (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX credentials_by_account ON credentials (account_id, kind);
  `,
];

export function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this lightd (${MIGRATIONS.length}); upgrade lightd`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.run(MIGRATIONS[version] as string);
      db.run(`PRAGMA user_version = ${version + 1}`);
    }).immediate();
  }
}
