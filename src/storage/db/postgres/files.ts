import { nameOf, parentOf } from "../../../domain/paths";
import type { FileRow, NewFile, Scope } from "../files";
import type { FileRepository } from "../repositories";
import { one, PostgresRepository, startsWith } from "./rows";

/** `files` on Postgres: the tree of every space; paths compare bytewise (COLLATE "C"). */
export class PostgresFileRepository extends PostgresRepository implements FileRepository {
  async get(scope: Scope, path: string): Promise<FileRow | null> {
    return one(
      await this
        .sql`SELECT * FROM files WHERE account_id = ${scope.account} AND space = ${scope.space} AND path = ${path}`,
    );
  }

  async getMany(scope: Scope, paths: readonly string[]): Promise<FileRow[]> {
    return await this.sql`SELECT * FROM files WHERE account_id = ${scope.account} AND space = ${scope.space}
      AND path = ANY(${this.sql.array([...paths], "TEXT")}::text[])`;
  }

  async byId(scope: Scope, id: number): Promise<FileRow | null> {
    return one(
      await this.sql`SELECT * FROM files WHERE id = ${id} AND account_id = ${scope.account} AND space = ${scope.space}`,
    );
  }

  async usesObject(objectKey: string): Promise<boolean> {
    return (await this.sql`SELECT 1 FROM files WHERE object_key = ${objectKey} LIMIT 1`).length > 0;
  }

  async objectKeysOfAccount(accountId: number): Promise<string[]> {
    const rows = await this
      .sql`SELECT DISTINCT object_key FROM files WHERE account_id = ${accountId} AND object_key IS NOT NULL`;
    return rows.map((r: { object_key: string }) => r.object_key);
  }

  async insert(row: NewFile): Promise<number> {
    const [inserted] = await this.sql`INSERT INTO files
      (account_id, space, path, parent, name, type, object_key, size, content_type, etag, tx, created_at, updated_at)
      VALUES (${row.account_id}, ${row.space}, ${row.path}, ${row.parent}, ${row.name}, ${row.type}, ${row.object_key},
        ${row.size}, ${row.content_type}, ${row.etag}, ${row.tx}, ${row.created_at ?? row.updated_at}, ${row.updated_at})
      RETURNING id`;
    return inserted.id;
  }

  async updateContent(
    id: number,
    fields: Pick<FileRow, "object_key" | "size" | "content_type" | "etag" | "tx" | "updated_at">,
  ): Promise<void> {
    await this.sql`UPDATE files SET object_key = ${fields.object_key}, size = ${fields.size},
      content_type = ${fields.content_type}, etag = ${fields.etag}, tx = ${fields.tx}, updated_at = ${fields.updated_at}
      WHERE id = ${id}`;
  }

  async delete(row: FileRow): Promise<void> {
    await this.sql`DELETE FROM files WHERE id = ${row.id}`;
  }

  async listChildren(
    scope: Scope,
    parent: string,
    namePrefix: string,
    limit: number,
    offset: number,
  ): Promise<FileRow[]> {
    return this.sql`SELECT * FROM files WHERE account_id = ${scope.account} AND space = ${scope.space}
      AND parent = ${parent} AND name LIKE ${startsWith(namePrefix)}
      ORDER BY type DESC, name LIMIT ${limit} OFFSET ${offset}`;
  }

  async listUnder(scope: Scope, prefix: string): Promise<FileRow[]> {
    return this.sql`SELECT * FROM files WHERE account_id = ${scope.account} AND space = ${scope.space}
      AND path LIKE ${startsWith(prefix)} ORDER BY path`;
  }

  /** A folder move: every row under `from` in one UPDATE (the folder itself also changes name and parent). */
  async movePrefix(scope: Scope, from: string, to: string, tx: number, now: number): Promise<number> {
    const cut = [...from].length + 1;
    const rows = await this.sql`UPDATE files SET
        path = ${to} || substr(path, ${cut}),
        parent = CASE WHEN path = ${from} THEN ${parentOf(to)} ELSE ${to} || substr(parent, ${cut}) END,
        name = CASE WHEN path = ${from} THEN ${nameOf(to)} ELSE name END,
        tx = ${tx}, updated_at = ${now}
      WHERE account_id = ${scope.account} AND space = ${scope.space} AND path LIKE ${startsWith(from)}
      RETURNING id`;
    return rows.length;
  }

  async moveFile(row: FileRow, to: string, parent: string, name: string, tx: number, now: number): Promise<void> {
    await this.sql`UPDATE files SET path = ${to}, parent = ${parent}, name = ${name}, tx = ${tx}, updated_at = ${now}
      WHERE id = ${row.id}`;
  }

  /**
   * Name search: files whose path holds every term (case-insensitively), under `pathPrefix`;
   * files with more terms in their name first, then shorter names. (SQLite ranks with its
   * trigram index; Postgres needs no extension for this.)
   */
  async search(scope: Scope, terms: string[], pathPrefix: string, limit: number): Promise<FileRow[]> {
    const lowered = terms.map((t) => t.toLowerCase());
    return this.sql`SELECT f.* FROM files f
      WHERE f.account_id = ${scope.account} AND f.space = ${scope.space} AND f.type = 'file'
        AND f.path LIKE ${startsWith(pathPrefix)}
        AND (SELECT bool_and(strpos(lower(f.path), t) > 0) FROM unnest(${this.sql.array(lowered, "TEXT")}::text[]) t)
      ORDER BY (SELECT count(*) FROM unnest(${this.sql.array(lowered, "TEXT")}::text[]) t WHERE strpos(lower(f.name), t) > 0) DESC,
        length(f.name), f.path
      LIMIT ${limit}`;
  }

  async totalsUnder(scope: Scope, prefix: string): Promise<{ files: number; bytes: number }> {
    const [totals] = await this.sql`SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM files
      WHERE account_id = ${scope.account} AND space = ${scope.space} AND type = 'file'
        AND path LIKE ${startsWith(prefix)}`;
    return totals;
  }
}
