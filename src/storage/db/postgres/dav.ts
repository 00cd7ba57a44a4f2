import type { LockRow } from "../dav-locks";
import { type DeadProperty, type FileFacts, factsByFile, propertiesByFile } from "../dav-properties";
import type { Scope } from "../files";
import type { DavLockRepository, DavPropertyRepository } from "../repositories";
import { one, PostgresRepository, startsWith } from "./rows";

/** WebDAV write locks on Postgres, shared by every instance so a lock taken on one holds on all. */
export class PostgresDavLockRepository extends PostgresRepository implements DavLockRepository {
  async active(scope: Scope, now: number): Promise<LockRow[]> {
    return this
      .sql`SELECT * FROM dav_locks WHERE account_id = ${scope.account} AND space = ${scope.space} AND expires_at > ${now}`;
  }

  async insert(row: LockRow): Promise<void> {
    await this
      .sql`INSERT INTO dav_locks (token, account_id, space, path, deep, exclusive, owner, holder, timeout_s, expires_at)
      VALUES (${row.token}, ${row.account_id}, ${row.space}, ${row.path}, ${row.deep}, ${row.exclusive}, ${row.owner},
        ${row.holder}, ${row.timeout_s}, ${row.expires_at})`;
  }

  async refresh(token: string, timeoutSeconds: number, expiresAt: number): Promise<void> {
    await this
      .sql`UPDATE dav_locks SET timeout_s = ${timeoutSeconds}, expires_at = ${expiresAt} WHERE token = ${token}`;
  }

  async delete(token: string): Promise<void> {
    await this.sql`DELETE FROM dav_locks WHERE token = ${token}`;
  }

  async deleteUnder(scope: Scope, path: string): Promise<void> {
    if (path.endsWith("/") || path === "") {
      await this.sql`DELETE FROM dav_locks WHERE account_id = ${scope.account} AND space = ${scope.space}
        AND path LIKE ${startsWith(path)}`;
    } else {
      await this
        .sql`DELETE FROM dav_locks WHERE account_id = ${scope.account} AND space = ${scope.space} AND path = ${path}`;
    }
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.sql`DELETE FROM dav_locks WHERE expires_at <= ${now} RETURNING token`).length;
  }
}

/** WebDAV dead properties and client file facts on Postgres, keyed by the file row's id. */
export class PostgresDavPropertyRepository extends PostgresRepository implements DavPropertyRepository {
  async forFile(fileId: number): Promise<DeadProperty[]> {
    return await this.sql`SELECT ns, name, value FROM dav_properties WHERE file_id = ${fileId} ORDER BY ns, name`;
  }

  async forChildren(scope: Scope, parent: string): Promise<Map<number, DeadProperty[]>> {
    return propertiesByFile(
      await this.sql`SELECT p.file_id, p.ns, p.name, p.value FROM files f JOIN dav_properties p ON p.file_id = f.id
        WHERE f.account_id = ${scope.account} AND f.space = ${scope.space} AND f.parent = ${parent}`,
    );
  }

  async set(fileId: number, property: DeadProperty): Promise<void> {
    await this.sql`INSERT INTO dav_properties (file_id, ns, name, value)
      VALUES (${fileId}, ${property.ns}, ${property.name}, ${property.value})
      ON CONFLICT (file_id, ns, name) DO UPDATE SET value = excluded.value`;
  }

  async remove(fileId: number, ns: string, name: string): Promise<void> {
    await this.sql`DELETE FROM dav_properties WHERE file_id = ${fileId} AND ns = ${ns} AND name = ${name}`;
  }

  async copy(fromId: number, toId: number): Promise<void> {
    await this.sql`INSERT INTO dav_properties (file_id, ns, name, value)
      SELECT ${toId}, ns, name, value FROM dav_properties WHERE file_id = ${fromId}
      ON CONFLICT (file_id, ns, name) DO UPDATE SET value = excluded.value`;
  }

  async facts(fileId: number): Promise<FileFacts | null> {
    return one(await this.sql`SELECT etag, mtime, checksum FROM dav_file_facts WHERE file_id = ${fileId}`);
  }

  async factsForChildren(scope: Scope, parent: string): Promise<Map<number, FileFacts>> {
    return factsByFile(
      await this
        .sql`SELECT d.file_id, d.etag, d.mtime, d.checksum FROM files f JOIN dav_file_facts d ON d.file_id = f.id
        WHERE f.account_id = ${scope.account} AND f.space = ${scope.space} AND f.parent = ${parent}`,
    );
  }

  async setFacts(fileId: number, facts: FileFacts): Promise<void> {
    await this.sql`INSERT INTO dav_file_facts (file_id, etag, mtime, checksum)
      VALUES (${fileId}, ${facts.etag}, ${facts.mtime}, ${facts.checksum})
      ON CONFLICT (file_id) DO UPDATE SET etag = excluded.etag, mtime = excluded.mtime, checksum = excluded.checksum`;
  }
}
