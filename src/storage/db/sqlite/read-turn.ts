import type { Database, Statement } from "bun:sqlite";

/**
 * One read transaction on the read connection per turn of the event loop.
 *
 * A statement run outside a transaction begins and ends one of its own, and in WAL mode
 * that takes and drops a read lock on the shared-memory index: two fcntl(2) calls, more
 * than the lookup itself costs (a file's row by path took 5.8 µs on its own and 2.0 µs
 * inside a transaction). So the first read of a turn begins a transaction (`enter`) and
 * the turn's end (`setImmediate`) ends it: every request the server handles in that turn
 * shares the lock.
 *
 * The snapshot is never older than what this process has committed: `end` runs after
 * every COMMIT of the writer (a read that follows a commit sees it, so a revoked key is
 * refused on the next request) and before the writer opens a batch, so the reader holds
 * no lock when the writer may start the log over. Another process's commit is seen from
 * the next turn on.
 */
export class ReadTurn {
  readonly #begin: Statement;
  readonly #commit: Statement;
  #open = false;

  constructor(private readonly db: Database) {
    // Cached statements (`query`): closing the connection finalizes them, so it closes the file.
    this.#begin = db.query("BEGIN");
    this.#commit = db.query("COMMIT");
  }

  /** Makes sure the turn's transaction is open; the reads that follow share it. */
  enter(): void {
    if (this.#open) return;
    this.#begin.run();
    this.#open = true;
    setImmediate(() => this.end());
  }

  /** Ends the turn's transaction now: reads after this see every commit made so far. */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      this.#commit.run();
    } catch {
      // A read transaction has nothing to lose: drop it however it ended up.
      if (this.db.inTransaction) this.db.run("ROLLBACK");
    }
  }
}
