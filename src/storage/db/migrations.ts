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
  // 2: the file tree, its per-space counters, the event log, uploads, shares and search.
  `
  CREATE TABLE spaces (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space       TEXT NOT NULL CHECK (space IN ('live', 'test')),
    last_tx     INTEGER NOT NULL DEFAULT 0,
    files       INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, space)
  ) WITHOUT ROWID;

  CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space         TEXT NOT NULL,
    path          TEXT NOT NULL,
    parent        TEXT NOT NULL,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('file', 'folder')),
    object_key    TEXT,
    size          INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT,
    etag          TEXT,
    tx            INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, space, path)
  );
  CREATE INDEX files_by_parent ON files (account_id, space, parent, type DESC, name);
  CREATE INDEX files_by_object ON files (object_key) WHERE object_key IS NOT NULL;

  CREATE TABLE events (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space       TEXT NOT NULL,
    tx          INTEGER NOT NULL,
    action      TEXT NOT NULL,
    path        TEXT NOT NULL,
    dest        TEXT,
    size        INTEGER,
    msg         TEXT,
    ts          INTEGER NOT NULL,
    PRIMARY KEY (account_id, space, tx)
  ) WITHOUT ROWID;
  CREATE INDEX events_by_path ON events (account_id, space, path, tx);

  CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space         TEXT NOT NULL,
    path          TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('single', 'multipart')),
    content_type  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
  );
  CREATE INDEX uploads_by_path ON uploads (account_id, space, path, created_at);
  CREATE INDEX uploads_by_age ON uploads (created_at);

  CREATE TABLE shares (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space       TEXT NOT NULL,
    path        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE INDEX shares_by_expiry ON shares (expires_at);

  -- Trigram index over file names and paths: 'rep' finds 'report.pdf'. Rows mirror files.id.
  CREATE VIRTUAL TABLE files_search USING fts5 (name, path, tokenize = 'trigram');
  `,
  // 3: login challenges (Ed25519 nonces) and magic links (argon2id-hashed, by e-mail).
  `
  CREATE TABLE challenges (
    id          TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    nonce       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE INDEX challenges_by_expiry ON challenges (expires_at);

  CREATE TABLE magic_links (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL COLLATE NOCASE,
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  );
  CREATE INDEX magic_links_by_expiry ON magic_links (expires_at);
  `,
  // 4: completed single uploads are kept until their signed URL expires, so whatever a
  // replayed PUT writes to the old object key can be swept.
  `
  ALTER TABLE uploads ADD COLUMN completed_at INTEGER;
  `,
  // 5: share links name their file or folder by row id, so they follow it through moves and
  // die with it (cascade) or with its bytes being replaced (trigger); optional download caps.
  // Links whose path no longer exists are dead already and are not carried over.
  `
  CREATE TABLE shares_by_file (
    id             TEXT PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space          TEXT NOT NULL,
    file_id        INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    max_downloads  INTEGER,
    downloads      INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO shares_by_file (id, token_hash, account_id, space, file_id, created_at, expires_at)
    SELECT s.id, s.token_hash, s.account_id, s.space, f.id, s.created_at, s.expires_at
    FROM shares s JOIN files f ON f.account_id = s.account_id AND f.space = s.space AND f.path = s.path;
  DROP TABLE shares;
  ALTER TABLE shares_by_file RENAME TO shares;
  CREATE INDEX shares_by_expiry ON shares (expires_at);
  CREATE INDEX shares_by_file_id ON shares (file_id);
  CREATE INDEX shares_by_owner ON shares (account_id, space, created_at);
  CREATE TRIGGER shares_end_when_bytes_replaced AFTER UPDATE OF object_key ON files
    WHEN OLD.object_key IS NOT NEW.object_key
    BEGIN DELETE FROM shares WHERE file_id = OLD.id; END;
  `,
  // 6: webhooks and their durable delivery queue. A hook's queued_tx is how far the event
  // log has been turned into deliveries, so events committed just before a crash are
  // queued at the next start; each delivery keeps its id across attempts (webhook-id).
  `
  CREATE TABLE hooks (
    id          TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space       TEXT NOT NULL,
    url         TEXT NOT NULL,
    prefix      TEXT NOT NULL DEFAULT '',
    actions     TEXT,
    secret      TEXT NOT NULL,
    queued_tx   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX hooks_by_space ON hooks (account_id, space);

  CREATE TABLE hook_deliveries (
    id               TEXT PRIMARY KEY,
    hook_id          TEXT NOT NULL REFERENCES hooks(id) ON DELETE CASCADE,
    tx               INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    UNIQUE (hook_id, tx)
  );
  CREATE INDEX hook_deliveries_pending ON hook_deliveries (hook_id, tx) WHERE status = 'pending';
  CREATE INDEX hook_deliveries_by_age ON hook_deliveries (created_at) WHERE status <> 'pending';
  `,
  // 7: WebDAV: dead properties and client file facts (modtime, checksum) follow a file row
  // (a move keeps the row, a delete cascades); locks survive restarts until they expire.
  `
  CREATE TABLE dav_properties (
    file_id  INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    ns       TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (file_id, ns, name)
  ) WITHOUT ROWID;

  CREATE TABLE dav_file_facts (
    file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    etag      TEXT NOT NULL,
    mtime     INTEGER,
    checksum  TEXT
  );

  CREATE TABLE dav_locks (
    token        TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space        TEXT NOT NULL,
    path         TEXT NOT NULL,
    deep         INTEGER NOT NULL,
    exclusive    INTEGER NOT NULL,
    owner        TEXT NOT NULL,
    holder       TEXT NOT NULL,
    timeout_s    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  );
  CREATE INDEX dav_locks_by_space ON dav_locks (account_id, space, path);
  CREATE INDEX dav_locks_by_expiry ON dav_locks (expires_at);
  `,
  // 8: stored bytes a change stopped using, queued in the transaction of that change and
  // deleted from the store after it commits, so a crash in between never leaks them.
  // upload_id is set for a multipart upload to abort ('' for an object).
  `
  CREATE TABLE reclaim (
    object_key  TEXT NOT NULL,
    upload_id   TEXT NOT NULL DEFAULT '',
    queued_at   INTEGER NOT NULL,
    PRIMARY KEY (object_key, upload_id)
  ) WITHOUT ROWID;
  CREATE INDEX uploads_by_object ON uploads (object_key);
  `,
  // 9: per-account storage quotas (NULL = no limit) and the admin's single-use invite codes.
  `
  ALTER TABLE accounts ADD COLUMN quota_bytes INTEGER;
  ALTER TABLE accounts ADD COLUMN quota_files INTEGER;

  CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    used_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL
  );
  `,
  // 10: OAuth 2.0: registered apps, one-time authorization codes (by SHA-256 of the code), and
  // grants — one per consent — to which the access and refresh tokens in credentials belong, so
  // revoking a grant or deleting its app ends every token it issued (cascade).
  `
  CREATE TABLE oauth_clients (
    id             TEXT PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    redirect_uris  TEXT NOT NULL,
    auth_method    TEXT NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
    secret_hash    TEXT,
    created_at     INTEGER NOT NULL,
    secret_rotated_at INTEGER
  );
  CREATE INDEX oauth_clients_by_account ON oauth_clients (account_id);

  CREATE TABLE oauth_grants (
    id            TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    scopes        TEXT NOT NULL,
    prefix        TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    refreshed_at  INTEGER
  );
  CREATE INDEX oauth_grants_by_account ON oauth_grants (account_id);
  CREATE INDEX oauth_grants_by_client ON oauth_grants (client_id);

  CREATE TABLE oauth_codes (
    code_hash       TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    redirect_uri    TEXT,
    scopes          TEXT NOT NULL,
    prefix          TEXT NOT NULL DEFAULT '',
    code_challenge  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    grant_id        TEXT REFERENCES oauth_grants(id) ON DELETE SET NULL
  );
  CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);

  ALTER TABLE credentials ADD COLUMN grant_id TEXT REFERENCES oauth_grants(id) ON DELETE CASCADE;
  CREATE INDEX credentials_by_grant ON credentials (grant_id) WHERE grant_id IS NOT NULL;
  `,
  // 11: backups. A hold pauses the deletion of stored bytes while a backup copies the objects
  // its database snapshot names (a lease, so a crashed backup cannot hold it forever); the
  // backups table records each run for GET /admin/backups.
  `
  CREATE TABLE reclaim_holds (
    id     TEXT PRIMARY KEY,
    until  INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE backups (
    id           TEXT PRIMARY KEY,
    path         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    files        INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    encrypted    INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX backups_by_start ON backups (started_at);
  `,
  // 12: versions. A row is a file or folder as it stood at a path from the tx that made it
  // current (tx, ts) to the tx that ended it (an overwrite, move, delete or restore). It
  // names the object the file used, so no byte is copied; the object is reclaimed once no
  // file and no version names it. version_bytes counts, per space, objects only versions
  // hold (quotas count them); a reclaim row waits until not_before, so a signed URL handed
  // out before the last reference went keeps working until it expires.
  `
  CREATE TABLE versions (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    space         TEXT NOT NULL,
    path          TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('file', 'folder')),
    object_key    TEXT,
    size          INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT,
    etag          TEXT,
    tx            INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    ended_tx      INTEGER NOT NULL,
    ended_at      INTEGER NOT NULL,
    ended_by      TEXT NOT NULL
  );
  CREATE INDEX versions_by_path ON versions (account_id, space, path, ended_tx);
  CREATE INDEX versions_by_object ON versions (object_key) WHERE object_key IS NOT NULL;
  CREATE INDEX versions_by_age ON versions (ended_at);
  ALTER TABLE spaces ADD COLUMN version_bytes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE reclaim ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
  `,
  // 13: the answer of a refresh token's rotation, sealed under a key only that token yields,
  // so a duplicate refresh within the grace window gets the same answer on any instance.
  `
  ALTER TABLE credentials ADD COLUMN rotation_answer TEXT;
  `,
  // 14: no query reads events by path. The events of a path are those whose path or
  // destination matches it, which the planner finds through the primary key (by tx), so
  // events_by_path only cost every event's insert: a leaf page per upload in each batch's log.
  `
  DROP INDEX events_by_path;
  `,
  // 15: files whose row in files_search is behind their row in files. Units of work queue an
  // id here, in their own transaction, and the writer indexes the queue in bulk: FTS5 pays
  // per transaction that changes it, far more than per row (src/storage/db/sqlite/search-mirror.ts).
  `
  CREATE TABLE files_search_queue (id INTEGER PRIMARY KEY);
  `,
  // 16: a hook lives as long as the credential that made it: the API key or token (also when
  // a session opened with it made the hook), or an app's authorization (OAuth grant). Revoking
  // the key, its expiry sweep, revoking the authorization or deleting the app deletes the hook
  // and its queue with it (cascade). NULL for the master token and a person's own session:
  // those hooks belong to the account. Hooks made before this migration keep NULL.
  `
  ALTER TABLE hooks ADD COLUMN credential_id TEXT REFERENCES credentials(id) ON DELETE CASCADE;
  ALTER TABLE hooks ADD COLUMN grant_id TEXT REFERENCES oauth_grants(id) ON DELETE CASCADE;
  CREATE INDEX hooks_by_credential ON hooks (credential_id) WHERE credential_id IS NOT NULL;
  CREATE INDEX hooks_by_grant ON hooks (grant_id) WHERE grant_id IS NOT NULL;
  `,
  // 17: the bytes a pending upload holds (what its signed PUTs reserved and stored), so the
  // quota counts them while the upload waits to be completed.
  `
  ALTER TABLE uploads ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  `,
  // 18: a share link lives as long as the credential that made it, as a hook does (16): the API
  // key or token (also when a session opened with it made the link), or an app's authorization.
  // Revoking the key, its expiry sweep, revoking the authorization or deleting the app deletes
  // the link (cascade); a live link also needs its key unexpired (LIVE_SHARE). NULL for the
  // master token and a person's own session. Links made before this migration keep NULL.
  `
  ALTER TABLE shares ADD COLUMN credential_id TEXT REFERENCES credentials(id) ON DELETE CASCADE;
  ALTER TABLE shares ADD COLUMN grant_id TEXT REFERENCES oauth_grants(id) ON DELETE CASCADE;
  CREATE INDEX shares_by_credential ON shares (credential_id) WHERE credential_id IS NOT NULL;
  CREATE INDEX shares_by_grant ON shares (grant_id) WHERE grant_id IS NOT NULL;
  `,
  // 19: an API key made with a key or token (or a session opened with one) lives as long as its
  // maker, as a share link (18) and a hook (16) do: revoking the maker, or the expiry sweep taking
  // it, deletes the keys it made, theirs in turn (cascade). A key made by an app is held to its
  // authorization. NULL for keys made with the master token or the person's own sign-in.
  `
  ALTER TABLE credentials ADD COLUMN made_by TEXT REFERENCES credentials(id) ON DELETE CASCADE;
  ALTER TABLE credentials ADD COLUMN made_by_grant TEXT REFERENCES oauth_grants(id) ON DELETE CASCADE;
  CREATE INDEX credentials_by_maker ON credentials (made_by) WHERE made_by IS NOT NULL;
  CREATE INDEX credentials_by_maker_grant ON credentials (made_by_grant) WHERE made_by_grant IS NOT NULL;
  `,
  // 20: every quota check sums what an account's pending uploads hold; completed uploads stay a
  // day, so without this the sum read them all (2 ms per write at 24,000 of them).
  `
  CREATE INDEX uploads_pending ON uploads (account_id) WHERE completed_at IS NULL;
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
