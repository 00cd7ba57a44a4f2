import type { LockRow } from "../dav-locks";
import { type DeadProperty, type FileFacts, factsByFile, type OfFile, propertiesByFile } from "../dav-properties";
import type { Scope } from "../files";
import type { DavLockRepository, DavPropertyRepository } from "../repositories";
import { SqliteRepository, startsWithSql } from "./sql";

/** Repository for `dav_locks`: WebDAV write locks, kept in the database so they outlive a restart. */
export class SqliteDavLockRepository extends SqliteRepository implements DavLockRepository {
  readonly #active = this.db.query<LockRow, [number, string, number]>(
    "SELECT * FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND expires_at > ?3",
  );
  readonly #insert = this.db.query(
    `INSERT INTO dav_locks (token, account_id, space, path, deep, exclusive, owner, holder, timeout_s, expires_at)
     VALUES ($token, $account_id, $space, $path, $deep, $exclusive, $owner, $holder, $timeout_s, $expires_at)`,
  );
  readonly #refresh = this.db.query("UPDATE dav_locks SET timeout_s = ?2, expires_at = ?3 WHERE token = ?1");
  readonly #delete = this.db.query("DELETE FROM dav_locks WHERE token = ?1");
  readonly #deleteUnder = this.db.query(
    `DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND ${startsWithSql("path", "?3")}`,
  );
  readonly #deleteAt = this.db.query("DELETE FROM dav_locks WHERE account_id = ?1 AND space = ?2 AND path = ?3");
  readonly #deleteExpired = this.db.query("DELETE FROM dav_locks WHERE expires_at <= ?1");

  /** Every unexpired lock of a space; a space holds few locks, so callers filter by path in memory. */
  async active(scope: Scope, now: number): Promise<LockRow[]> {
    return this.#active.all(scope.account, scope.space, now);
  }

  async insert(row: LockRow): Promise<void> {
    this.#insert.run({ ...row });
  }

  async refresh(token: string, timeoutSeconds: number, expiresAt: number): Promise<void> {
    this.#refresh.run(token, timeoutSeconds, expiresAt);
  }

  async delete(token: string): Promise<void> {
    this.#delete.run(token);
  }

  async deleteUnder(scope: Scope, path: string): Promise<void> {
    if (path.endsWith("/") || path === "") this.#deleteUnder.run(scope.account, scope.space, path);
    else this.#deleteAt.run(scope.account, scope.space, path);
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#deleteExpired.run(now).changes;
  }
}

/**
 * Repository for `dav_properties` and `dav_file_facts`. Both are keyed by the file row's
 * id, so a move (which keeps the row) carries them along and a delete cascades to them.
 */
export class SqliteDavPropertyRepository extends SqliteRepository implements DavPropertyRepository {
  readonly #forFile = this.db.query<DeadProperty, [number]>(
    "SELECT ns, name, value FROM dav_properties WHERE file_id = ?1 ORDER BY ns, name",
  );
  readonly #forParent = this.db.query<OfFile<DeadProperty>, [number, string, string]>(
    `SELECT p.file_id, p.ns, p.name, p.value FROM files f JOIN dav_properties p ON p.file_id = f.id
     WHERE f.account_id = ?1 AND f.space = ?2 AND f.parent = ?3`,
  );
  readonly #set = this.db.query(
    `INSERT INTO dav_properties (file_id, ns, name, value) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (file_id, ns, name) DO UPDATE SET value = excluded.value`,
  );
  readonly #remove = this.db.query("DELETE FROM dav_properties WHERE file_id = ?1 AND ns = ?2 AND name = ?3");
  readonly #copy = this.db.query(
    `INSERT OR REPLACE INTO dav_properties (file_id, ns, name, value)
     SELECT ?2, ns, name, value FROM dav_properties WHERE file_id = ?1`,
  );
  readonly #facts = this.db.query<FileFacts, [number]>(
    "SELECT etag, mtime, checksum FROM dav_file_facts WHERE file_id = ?1",
  );
  readonly #factsForParent = this.db.query<OfFile<FileFacts>, [number, string, string]>(
    `SELECT d.file_id, d.etag, d.mtime, d.checksum FROM files f JOIN dav_file_facts d ON d.file_id = f.id
     WHERE f.account_id = ?1 AND f.space = ?2 AND f.parent = ?3`,
  );
  readonly #setFacts = this.db.query(
    `INSERT INTO dav_file_facts (file_id, etag, mtime, checksum) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (file_id) DO UPDATE SET etag = excluded.etag, mtime = excluded.mtime, checksum = excluded.checksum`,
  );

  async forFile(fileId: number): Promise<DeadProperty[]> {
    return this.#forFile.all(fileId);
  }

  /** Dead properties of every direct child of a folder, by file id (one query for a Depth 1 listing). */
  async forChildren(scope: Scope, parent: string): Promise<Map<number, DeadProperty[]>> {
    return propertiesByFile(this.#forParent.all(scope.account, scope.space, parent));
  }

  async set(fileId: number, property: DeadProperty): Promise<void> {
    this.#set.run(fileId, property.ns, property.name, property.value);
  }

  async remove(fileId: number, ns: string, name: string): Promise<void> {
    this.#remove.run(fileId, ns, name);
  }

  async copy(fromId: number, toId: number): Promise<void> {
    this.#copy.run(fromId, toId);
  }

  async facts(fileId: number): Promise<FileFacts | null> {
    return this.#facts.get(fileId);
  }

  async factsForChildren(scope: Scope, parent: string): Promise<Map<number, FileFacts>> {
    return factsByFile(this.#factsForParent.all(scope.account, scope.space, parent));
  }

  async setFacts(fileId: number, facts: FileFacts): Promise<void> {
    this.#setFacts.run(fileId, facts.etag, facts.mtime, facts.checksum);
  }
}
