import type { Database } from "bun:sqlite";
import { SqliteRepository } from "./sql";

type SearchOp = { id: number; name?: string; path?: string };

/**
 * The writes to `files_search` (the trigram FTS5 mirror of `files`, rowid = files.id).
 *
 * On the writer connection they wait for the end of their batch (./commit-batch.ts) and go
 * in together right before its COMMIT. FTS5 flushes the terms it holds in memory to a new
 * index segment at every SAVEPOINT, and every unit of work of a batch runs in one: written
 * at once, each upload would cost its own segment (pages in the log, and merges of those
 * segments later). Collected, a batch of uploads writes one. Nothing in a unit of work
 * reads `files_search` (searches go through the read connection, which only sees commits),
 * so when the rows land inside the transaction is not visible to anyone.
 *
 * A unit that fails takes its writes back with `undo(mark)`; a batch that fails, `discard()`.
 * Without `deferred` (the read connection, tools) every write runs at once.
 */
export class SearchMirror extends SqliteRepository {
  readonly #insert = this.db.query("INSERT INTO files_search (rowid, name, path) VALUES (?1, ?2, ?3)");
  readonly #delete = this.db.query("DELETE FROM files_search WHERE rowid = ?1");
  /** Pending writes in order: a delete has no name; an insert has both. */
  #pending: SearchOp[] = [];

  constructor(
    db: Database,
    private readonly deferred = false,
  ) {
    super(db);
  }

  insert(id: number, name: string, path: string): void {
    if (this.deferred) this.#pending.push({ id, name, path });
    else this.#insert.run(id, name, path);
  }

  delete(id: number): void {
    if (this.deferred) this.#pending.push({ id });
    else this.#delete.run(id);
  }

  /** Where a unit of work starts: `undo` with it forgets what the unit wrote. */
  mark(): number {
    return this.#pending.length;
  }

  undo(mark: number): void {
    this.#pending.length = Math.min(mark, this.#pending.length);
  }

  discard(): void {
    this.#pending = [];
  }

  /** Writes what the batch collected, in order; call inside its transaction, right before COMMIT. */
  flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const op of pending) {
      if (op.path === undefined) this.#delete.run(op.id);
      else this.#insert.run(op.id, op.name as string, op.path);
    }
  }
}
