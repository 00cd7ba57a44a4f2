import type { Database, Statement } from "bun:sqlite";
import { nameOf, parentOf } from "../../../domain/paths";
import type { FileRow, NewFile, Scope } from "../files";
import type { FileRepository } from "../repositories";
import type { TurnCache } from "./read-turn";
import { SearchMirror } from "./search-mirror";
import { SqliteRepository, startsWithSql } from "./sql";

/** What the file repository of one connection is given: see its constructor. */
export type FileConnection = {
  search?: SearchMirror;
  kept?: TurnCache<FileRow | null>;
  searchable?: () => Promise<void>;
};

/** Repository for `files` and its trigram search mirror `files_search` (rowid = files.id). */
export class SqliteFileRepository extends SqliteRepository implements FileRepository {
  readonly #get = this.db.query<FileRow, [number, string, string]>(
    "SELECT * FROM files WHERE account_id = ?1 AND space = ?2 AND path = ?3",
  );
  /** By number of paths: `path IN (?3, ?4, …)` costs less than a lookup each, or a JSON list. */
  readonly #getMany = new Map<number, Statement<FileRow, (number | string)[]>>();
  // The new row's id from the insert itself, not a RETURNING clause: SQLite runs RETURNING
  // as a trigger of its own, which made the insert every upload makes cost 1.5 times as much
  // (twice as much on a table of 160,000 rows).
  readonly #insert = this.db.query<unknown, [Record<string, string | number | null>]>(
    `INSERT INTO files (account_id, space, path, parent, name, type, object_key, size, content_type, etag, tx, created_at, updated_at)
     VALUES ($account_id, $space, $path, $parent, $name, $type, $object_key, $size, $content_type, $etag, $tx, $created_at, $updated_at)`,
  );
  readonly #update = this.db.query(
    `UPDATE files SET object_key = $object_key, size = $size, content_type = $content_type, etag = $etag,
       tx = $tx, updated_at = $updated_at WHERE id = $id`,
  );
  readonly #delete = this.db.query("DELETE FROM files WHERE id = ?1");
  readonly #move = this.db.query(
    "UPDATE files SET path = ?2, parent = ?3, name = ?4, tx = ?5, updated_at = ?6 WHERE id = ?1",
  );
  readonly #listFolder = this.db.query<FileRow, [Record<string, string | number>]>(
    `SELECT * FROM files WHERE account_id = $account AND space = $space AND parent = $parent
     ORDER BY type DESC, name LIMIT $limit OFFSET $offset`,
  );
  readonly #listFolderNamed = this.db.query<FileRow, [Record<string, string | number>]>(
    `SELECT * FROM files WHERE account_id = $account AND space = $space AND parent = $parent
       AND ${startsWithSql("name", "$name")}
     ORDER BY type DESC, name LIMIT $limit OFFSET $offset`,
  );
  readonly #objectKeys = this.db.query<{ object_key: string }, [number]>(
    "SELECT DISTINCT object_key FROM files WHERE account_id = ?1 AND object_key IS NOT NULL",
  );
  readonly #under = this.db.query<FileRow, [Record<string, string | number>]>(
    `SELECT * FROM files WHERE account_id = $account AND space = $space
       AND ${startsWithSql("path", "$prefix")} ORDER BY path`,
  );

  readonly #search: SearchMirror;

  /** Rows by path kept between turns of the read connection (./read-turn.ts); none on the writer. */
  readonly #kept: TurnCache<FileRow | null> | undefined;

  /** Brings `files_search` up to date with every commit so far; none on the writer. */
  readonly #searchable: (() => Promise<void>) | undefined;

  /**
   * `search`: how changes reach `files_search` (queued, ./search-mirror.ts).
   * `kept`: where the read connection keeps the rows its lookups by path found (or did not).
   * `searchable`: what a search waits for first, so it finds every file committed before it.
   */
  constructor(db: Database, connection: FileConnection = {}) {
    super(db);
    this.#search = connection.search ?? new SearchMirror(db);
    this.#kept = connection.kept;
    this.#searchable = connection.searchable;
  }

  async usesObject(objectKey: string): Promise<boolean> {
    return this.db.query("SELECT 1 FROM files WHERE object_key = ?1 LIMIT 1").get(objectKey) !== null;
  }

  async objectKeysOfAccount(accountId: number): Promise<string[]> {
    return this.#objectKeys.all(accountId).map((r) => r.object_key);
  }

  get(scope: Scope, path: string): FileRow | null {
    const kept = this.#kept;
    if (kept === undefined) return this.#get.get(scope.account, scope.space, path);
    // The space's length keeps apart scopes and paths that would concatenate alike.
    const key = `${scope.account}:${scope.space.length}:${scope.space}${path}`;
    return kept.through(key, () => this.#get.get(scope.account, scope.space, path));
  }

  async getMany(scope: Scope, paths: readonly string[]): Promise<FileRow[]> {
    if (paths.length === 0) return [];
    let statement = this.#getMany.get(paths.length);
    if (!statement) {
      const list = paths.map((_, i) => `?${i + 3}`).join(", ");
      statement = this.db.query(`SELECT * FROM files WHERE account_id = ?1 AND space = ?2 AND path IN (${list})`);
      this.#getMany.set(paths.length, statement);
    }
    return statement.all(scope.account, scope.space, ...paths);
  }

  async byId(scope: Scope, id: number): Promise<FileRow | null> {
    return this.db
      .query<FileRow, [number, number, string]>("SELECT * FROM files WHERE id = ?1 AND account_id = ?2 AND space = ?3")
      .get(id, scope.account, scope.space);
  }

  async insert(row: NewFile): Promise<number> {
    const created = row.created_at ?? row.updated_at;
    const id = Number(this.#insert.run({ ...row, created_at: created }).lastInsertRowid);
    if (row.type === "file") this.#search.changed(id);
    return id;
  }

  async updateContent(
    id: number,
    fields: Pick<FileRow, "object_key" | "size" | "content_type" | "etag" | "tx" | "updated_at">,
  ): Promise<void> {
    this.#update.run({ id, ...fields });
  }

  async delete(row: FileRow): Promise<void> {
    this.#delete.run(row.id);
    if (row.type === "file") this.#search.changed(row.id);
  }

  /** The folder's direct children, folders first; `namePrefix` narrows to names starting with it. */
  async listChildren(
    scope: Scope,
    parent: string,
    namePrefix: string,
    limit: number,
    offset: number,
  ): Promise<FileRow[]> {
    const params = { account: scope.account, space: scope.space, parent, limit, offset };
    return namePrefix === ""
      ? this.#listFolder.all(params)
      : this.#listFolderNamed.all({ ...params, name: namePrefix });
  }

  async listUnder(scope: Scope, prefix: string): Promise<FileRow[]> {
    return this.#under.all({ account: scope.account, space: scope.space, prefix });
  }

  /** Rewrites paths under `from` to start with `to` (a folder move), keeping the search mirror in sync. */
  async movePrefix(scope: Scope, from: string, to: string, tx: number, now: number): Promise<number> {
    const rows = this.#under.all({ account: scope.account, space: scope.space, prefix: from });
    for (const row of rows) {
      const path = to + row.path.slice(from.length);
      const parent = row.path === from ? parentOf(to) : to + row.parent.slice(from.length);
      const name = row.path === from ? nameOf(to) : row.name;
      this.#move.run(row.id, path, parent, name, tx, now);
      if (row.type === "file") this.#search.changed(row.id);
    }
    return rows.length;
  }

  async moveFile(row: FileRow, to: string, parent: string, name: string, tx: number, now: number): Promise<void> {
    this.#move.run(row.id, to, parent, name, tx, now);
    if (row.type === "file") this.#search.changed(row.id);
  }

  /**
   * Ranked name search (trigram FTS5, bm25 with the name weighted above the path).
   * `terms` of 3+ characters use the index; shorter ones filter by substring.
   */
  async search(scope: Scope, terms: string[], pathPrefix: string, limit: number): Promise<FileRow[]> {
    if (this.#searchable) await this.#searchable();
    const long = terms.filter((t) => [...t].length >= 3);
    const short = terms.filter((t) => [...t].length < 3);
    const shortFilter = short.map((_, i) => `AND instr(lower(f.path), lower($s${i})) > 0`).join(" ");
    const shortParams = Object.fromEntries(short.map((t, i) => [`s${i}`, t]));
    const base = { account: scope.account, space: scope.space, prefix: pathPrefix, limit, ...shortParams };
    if (long.length === 0) {
      return this.db
        .query<FileRow, Record<string, string | number>>(
          `SELECT f.* FROM files f WHERE f.account_id = $account AND f.space = $space AND f.type = 'file'
             AND ${startsWithSql("f.path", "$prefix")} ${shortFilter}
           ORDER BY length(f.name), f.path LIMIT $limit`,
        )
        .all(base);
    }
    // Each term is quoted so FTS5 syntax characters in names are taken literally.
    const match = long.map((t) => `"${t.replaceAll('"', '""')}"`).join(" AND ");
    // CROSS JOIN pins the join order: the FTS match drives and each hit is one rowid lookup.
    // With a plain JOIN the planner scans every file of the account and runs the match per
    // row (1.2 s at 100,000 files instead of ~12 ms; bench/files-metadata.ts).
    return this.db
      .query<FileRow, Record<string, string | number>>(
        `SELECT f.* FROM files_search s CROSS JOIN files f ON f.id = s.rowid
         WHERE files_search MATCH $match AND f.account_id = $account AND f.space = $space
           AND ${startsWithSql("f.path", "$prefix")} ${shortFilter}
         ORDER BY bm25(files_search, 10.0, 1.0), length(f.name), f.path LIMIT $limit`,
      )
      .all({ ...base, match });
  }

  /** File count and bytes under a prefix (used for prefix-limited credentials; the whole space uses SpaceRepository). */
  async totalsUnder(scope: Scope, prefix: string): Promise<{ files: number; bytes: number }> {
    return this.db
      .query<{ files: number; bytes: number }, Record<string, string | number>>(
        `SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM files
         WHERE account_id = $account AND space = $space AND type = 'file' AND ${startsWithSql("path", "$prefix")}`,
      )
      .get({ account: scope.account, space: scope.space, prefix }) as { files: number; bytes: number };
  }
}
