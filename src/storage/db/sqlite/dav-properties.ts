import type { DeadProperty, FileFacts } from "../dav-properties";
import type { Scope } from "../files";
import type { DavPropertyRepository } from "../repositories";
import { SqliteRepository } from "./sql";

type Keyed<T> = T & { file_id: number };

/**
 * Repository for `dav_properties` and `dav_file_facts`. Both are keyed by the file row's
 * id, so a move (which keeps the row) carries them along and a delete cascades to them.
 */
export class SqliteDavPropertyRepository extends SqliteRepository implements DavPropertyRepository {
  readonly #forFile = this.db.query<DeadProperty, [number]>(
    "SELECT ns, name, value FROM dav_properties WHERE file_id = ?1 ORDER BY ns, name",
  );
  readonly #forParent = this.db.query<Keyed<DeadProperty>, [number, string, string]>(
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
  readonly #factsForParent = this.db.query<Keyed<FileFacts>, [number, string, string]>(
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
    const out = new Map<number, DeadProperty[]>();
    for (const row of this.#forParent.all(scope.account, scope.space, parent)) {
      const list = out.get(row.file_id) ?? [];
      list.push({ ns: row.ns, name: row.name, value: row.value });
      out.set(row.file_id, list);
    }
    return out;
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
    const out = new Map<number, FileFacts>();
    for (const { file_id, ...facts } of this.#factsForParent.all(scope.account, scope.space, parent)) {
      out.set(file_id, facts);
    }
    return out;
  }

  async setFacts(fileId: number, facts: FileFacts): Promise<void> {
    this.#setFacts.run(fileId, facts.etag, facts.mtime, facts.checksum);
  }
}
