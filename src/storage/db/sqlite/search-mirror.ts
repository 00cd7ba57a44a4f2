import type { Database, Statement } from "bun:sqlite";
import { SqliteRepository } from "./sql";

/** Queued files the writer indexes in one go, right before a batch's COMMIT, once this many wait. */
export const SEARCH_QUEUE_LIMIT = 512;

/**
 * The writes to `files_search` (the trigram FTS5 mirror of `files`, rowid = files.id).
 *
 * A unit of work that adds, moves or removes a file only queues its id in
 * `files_search_queue`, a plain table written in the same transaction as the file's row: the
 * index is brought up to date from `files` later, for many files in one transaction
 * (`catchUp`). FTS5 writes a new index segment (and later merges it) for every transaction
 * that changes the index, whatever it holds: at the 9-12 uploads a batch commits together,
 * indexing at once cost an upload about 25 µs of the writer's time, the queue and its share
 * of a catch-up about 8.
 *
 * Searches stay exact: before a search reads the index, whatever is queued is indexed and
 * committed (SqliteMetadata's `searchable`), so a file is found as soon as its upload is
 * answered. The writer also catches up before a batch's COMMIT once `SEARCH_QUEUE_LIMIT` ids
 * wait, so the queue stays short when nobody searches. The queue commits with the rows it
 * names, so a crash or a copy of the database (a backup) loses nothing: the next catch-up
 * indexes it.
 *
 * Catching up rebuilds each queued id's row from `files` as it stands (a deleted file, or an
 * id SQLite reused for a folder, leaves no row), so the order of the queued changes does not matter.
 */
export class SearchMirror extends SqliteRepository {
  readonly #enqueue = this.db.query("INSERT OR IGNORE INTO files_search_queue (id) VALUES (?1)");
  #catchUp: Statement[] | null = null;
  /**
   * Ids queued since the last catch-up, starting from the queue the database holds (a
   * rolled-back unit's ids included): when to catch up, not what.
   */
  #queued: number;

  constructor(db: Database) {
    super(db);
    this.#queued = (db.query("SELECT count(*) AS n FROM files_search_queue").get() as { n: number }).n;
  }

  /** The file `id` was added, moved or removed: its search row is brought up to date at the next catch-up. */
  changed(id: number): void {
    this.#enqueue.run(id);
    this.#queued++;
  }

  /** Indexes every queued file as `files` holds it now; call inside a transaction of the writer. */
  catchUp(): void {
    this.#catchUp ??= [
      "SAVEPOINT search_catch_up",
      "DELETE FROM files_search WHERE rowid IN (SELECT id FROM files_search_queue)",
      `INSERT INTO files_search (rowid, name, path)
       SELECT f.id, f.name, f.path FROM files_search_queue q CROSS JOIN files f ON f.id = q.id WHERE f.type = 'file'`,
      "DELETE FROM files_search_queue",
      "RELEASE search_catch_up",
    ].map((sql) => this.db.query(sql));
    try {
      for (const statement of this.#catchUp) statement.run();
    } catch (error) {
      // The queue stays as it was, for the next catch-up; the transaction goes on without this one.
      if (this.db.inTransaction) {
        this.db.run("ROLLBACK TO search_catch_up");
        this.db.run("RELEASE search_catch_up");
      }
      throw error;
    }
    this.#queued = 0;
  }

  /**
   * Right before a batch's COMMIT: catches up once enough ids wait. A catch-up that fails
   * leaves the batch's own writes alone (the next search runs it again and reports the error).
   */
  beforeCommit(): void {
    if (this.#queued < SEARCH_QUEUE_LIMIT) return;
    try {
      this.catchUp();
    } catch {
      this.#queued = 0;
    }
  }
}
