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
 *
 * Rows read in one turn may be kept for the next ones (`cache`) for as long as the
 * database has not changed: the first use of a cache in a turn asks for
 * `PRAGMA data_version`, which changes whenever another connection (this process's writer,
 * another process) committed since, and every cache is emptied when it did. A kept row is
 * therefore exactly what a read in this turn's snapshot would return. A turn that uses no
 * cache never asks (after a commit, most turns that read only read what changed).
 */
export class ReadTurn {
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #version: Statement<{ data_version: number }, []>;
  /** The data_version the caches' rows were read at; undefined before the first turn. */
  #seen: number | undefined;
  readonly #caches: TurnCache<unknown>[] = [];
  #open = false;
  /** This turn's snapshot was compared with the one the kept rows were read in. */
  #compared = false;

  constructor(private readonly db: Database) {
    // Cached statements (`query`): closing the connection finalizes them, so it closes the file.
    this.#begin = db.query("BEGIN");
    this.#commit = db.query("COMMIT");
    this.#version = db.query("PRAGMA data_version");
  }

  /** A cache of up to `capacity` rows read on this connection, emptied whenever the database changed since. */
  cache<V>(capacity: number): TurnCache<V> {
    const cache = new TurnCache<V>(capacity, () => this.#usable());
    this.#caches.push(cache as TurnCache<unknown>);
    return cache;
  }

  /** Makes sure the turn's transaction is open; the reads that follow share it. */
  enter(): void {
    if (this.#open) return;
    this.#begin.run();
    this.#open = true;
    this.#compared = false;
    setImmediate(() => this.end());
  }

  /** Whether kept rows may be used now: inside a turn, once its snapshot was compared with theirs. */
  #usable(): boolean {
    if (!this.#open) return false;
    if (this.#compared) return true;
    let version: number | undefined;
    try {
      // The value of this transaction's snapshot, whichever statement of the turn took it.
      version = this.#version.get()?.data_version;
    } finally {
      if (version === undefined || version !== this.#seen) {
        this.#seen = version;
        for (const cache of this.#caches) cache.clear();
      }
    }
    this.#compared = true;
    return true;
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

/**
 * Rows kept between turns (`ReadTurn.cache`). Read and filled only while a turn's
 * transaction is open, so only after the check that the database did not change: a read
 * outside a turn goes to the database. A kept row is shared by every reader: keep it frozen.
 *
 * Two generations instead of an exact LRU order (which costs a delete and a set per hit):
 * rows go into the young one; when it holds half the capacity it becomes the old one and
 * the old one goes. A row found in the old generation moves to the young one, so what is
 * read again stays.
 */
export class TurnCache<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #half: number;

  constructor(
    capacity: number,
    private readonly usable: () => boolean,
  ) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: string): V | undefined {
    if (!this.usable()) return undefined;
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.#keep(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.usable()) this.#keep(key, value);
  }

  /** The row kept for `key`, or what `load` reads (a row, or null for none), kept frozen for the next turns. */
  through(key: string, load: () => V): V {
    const found = this.get(key);
    if (found !== undefined) return found;
    const row = load();
    this.set(key, row === null ? row : Object.freeze(row));
    return row;
  }

  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
  }

  /** How many rows are kept (for tests). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #keep(key: string, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size < this.#half) return;
    this.#old = this.#young;
    this.#young = new Map();
  }
}
