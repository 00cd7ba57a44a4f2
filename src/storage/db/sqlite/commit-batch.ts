import type { Database, Statement } from "bun:sqlite";
import type { SearchMirror } from "./search-mirror";

/** Units of work one transaction may hold: a bound on how long the first of them waits for its COMMIT. */
export const MAX_BATCH = 64;

export type UnitOutcome<T> = { value: T } | { error: unknown };

/**
 * One transaction on the writer connection shared by the units of work that queued up
 * together (group commit). Each unit runs inside its own SAVEPOINT: one that throws rolls
 * back to it and leaves the others' writes in place, so every unit still commits all of its
 * writes or none. `committed` settles once, when the batch COMMITs (or fails as a whole).
 * Right before the COMMIT, the search index catches up if enough changes are queued (./search-mirror.ts).
 */
export class CommitBatch {
  size = 0;
  readonly committed: Promise<void>;
  /**
   * Set when the whole batch cannot commit: SQLite itself rolled the transaction back, or what
   * it waits for (`after`) failed. Every unit of the batch fails with it.
   */
  lost: unknown = null;
  /**
   * What must be durable before the batch commits (WriteOptions.after): the sync of its units'
   * bytes. One per batch: the metadata keeps a unit that waits for another out (./metadata.ts).
   */
  after: Promise<void> | null = null;
  /** Whether the batch may commit: false while `after` is pending. */
  ready = true;
  /** Resolves when `ready` turns true. */
  settled: Promise<void> = Promise.resolve();
  /** Set when the batch should have committed but could not yet: no more units join it. */
  sealed = false;
  #settle!: (error: unknown) => void;

  constructor(
    private readonly db: Database,
    private readonly search: SearchMirror,
    private readonly closed: () => void,
    private readonly sql: BatchStatements,
  ) {
    this.committed = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === null ? resolve() : reject(error));
    });
    // A unit that failed on its own waits for the commit without caring how it ends.
    this.committed.catch(() => {});
    sql.begin.run();
  }

  /** Runs one unit of work inside the batch; its error is returned, not thrown, so the batch goes on. */
  async unit<T>(work: () => Promise<T>): Promise<UnitOutcome<T>> {
    this.size++;
    if (this.lost !== null) return { error: this.lost };
    this.sql.savepoint.run();
    try {
      const value = await work();
      this.sql.release.run();
      return { value };
    } catch (error) {
      if (this.db.inTransaction) {
        this.sql.rollbackTo.run();
        this.sql.release.run();
      } else this.lost = error;
      return { error };
    }
  }

  /**
   * The batch commits only once `after` has resolved; if it rejects, the batch is lost.
   * `onReady` is called when it settles. Units that wait for nothing join any batch.
   */
  waitFor(after: Promise<void>, onReady: () => void): void {
    if (this.after === after) return;
    this.after = after;
    this.ready = false;
    this.settled = after
      .catch((error) => {
        this.lost ??= error;
      })
      .then(() => {
        this.ready = true;
        onReady();
      });
  }

  /** COMMITs the batch, which must be `ready`; false (and every unit told) when it could not. */
  commit(): boolean {
    this.closed();
    if (this.lost !== null) {
      if (this.db.inTransaction) this.sql.rollback.run();
      this.#settle(this.lost);
      return false;
    }
    try {
      this.search.beforeCommit();
      this.sql.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.sql.rollback.run();
      this.#settle(error);
      return false;
    }
    this.#settle(null);
    return true;
  }
}

/** The statements a batch runs, prepared once per connection (preparing one costs more than running it). */
type BatchStatements = Record<"begin" | "savepoint" | "release" | "rollbackTo" | "commit" | "rollback", Statement>;

function batchStatements(db: Database): BatchStatements {
  return {
    begin: db.query("BEGIN IMMEDIATE"),
    savepoint: db.query("SAVEPOINT unit"),
    release: db.query("RELEASE unit"),
    rollbackTo: db.query("ROLLBACK TO unit"),
    commit: db.query("COMMIT"),
    rollback: db.query("ROLLBACK"),
  };
}

/** The writer connection's open batch, if any; a unit of work joins it or opens the next. */
export class CommitBatches {
  #open: CommitBatch | null = null;
  readonly #sql: BatchStatements;

  constructor(
    private readonly db: Database,
    private readonly search: SearchMirror,
  ) {
    this.#sql = batchStatements(db);
  }

  get current(): CommitBatch | null {
    return this.#open;
  }

  open(): CommitBatch {
    this.#open ??= new CommitBatch(
      this.db,
      this.search,
      () => {
        this.#open = null;
      },
      this.#sql,
    );
    return this.#open;
  }
}
