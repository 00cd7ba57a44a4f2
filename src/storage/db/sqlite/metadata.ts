import type { Database, Statement } from "bun:sqlite";
import { fromFilesystem, fromSqlite } from "../../errors";
import type { Scope } from "../files";
import {
  appendOutsideUnitOfWork,
  type CommitListener,
  type Metadata,
  noteAppended,
  type WriteOptions,
} from "../metadata";
import type { Repositories } from "../repositories";
import type { MetadataSnapshot } from "../snapshot";
import { CHECKPOINT_PAGES, Checkpointer } from "./checkpointer";
import { type CommitBatch, CommitBatches, MAX_BATCH, type UnitOutcome } from "./commit-batch";
import { openConnection } from "./connection";
import { ReadTurn } from "./read-turn";
import { SearchMirror } from "./search-mirror";
import { vacuumInto } from "./snapshot";
import { WalSync } from "./wal-sync";

/**
 * What a connection's repositories are built with:
 * - `search`: the writer's queue of changes to the search index (./search-mirror.ts);
 * - `turn`: the read connection's transactions, whose caches its reads may keep rows in;
 * - `searchable`: on the read connection, what a search waits for first (the queue indexed).
 */
export type RepositoryConnection = {
  search?: SearchMirror;
  turn?: ReadTurn;
  searchable?: () => Promise<void>;
};

/** Builds the repositories of one connection; `appended` is told of every event its log writes. */
export type SqliteRepositoriesFactory = (
  db: Database,
  appended: (scope: Scope, tx: number) => void,
  connection?: RepositoryConnection,
) => Repositories;

/**
 * SQLite behind the async `Metadata` contract (the design is in docs/architecture.md,
 * "Transactions"). bun:sqlite is synchronous and a connection has one transaction, so a
 * unit of work whose body awaits must not share its connection with anyone:
 * - writes go through one writer connection, one unit of work at a time (an in-process
 *   queue; across processes SQLite's own lock and busy timeout decide);
 * - reads outside a unit of work go through a second connection that cannot write
 *   (`query_only`): in WAL mode it sees the last commit, never a unit of work in flight.
 *   The reads of one turn of the event loop share one read transaction (./read-turn.ts).
 * An uncontended unit of work starts without waiting for the queue, so a request pays
 * only the BEGIN/COMMIT it paid before.
 *
 * Units of work that queue up while one runs share its transaction (group commit,
 * ./commit-batch.ts): each runs inside its own SAVEPOINT, so a unit that throws rolls back
 * only its own writes, and the batch COMMITs once when nobody else is waiting (or after
 * `MAX_BATCH` units). A unit's result is handed back only after that COMMIT. Pages that
 * every upload touches (a folder's row, the space's counter, index pages) then go into the
 * log once per batch instead of once per unit, and the locks are taken once.
 *
 * A unit that names bytes still being synced (`WriteOptions.after`: a small upload's shared
 * data sync) runs at once, while the sync runs, and its batch COMMITs only once the bytes are
 * durable: the units' work overlaps the sync instead of following it. The units of a batch
 * wait for one sync: a unit that waits for another one has the batch commit first.
 */
export class SqliteMetadata implements Metadata {
  readonly engine = "sqlite";
  readonly #writer: Database;
  readonly #reader: Database;
  readonly #reads: Repositories;
  /** The read connection's transaction of this turn; none when it is the writer (in memory). */
  readonly #turn: ReadTurn | null;
  readonly #tx: Repositories;
  readonly #listeners = new Set<CommitListener>();
  /** Spaces whose log the running unit of work appended to, with the lowest tx. */
  readonly #appended = new Map<string, { scope: Scope; from: number }>();
  /** Appends of the units that succeeded in the open batch, told to listeners after its COMMIT. */
  #pending: { scope: Scope; from: number }[] = [];
  #busy = false;
  #commitScheduled = false;
  readonly #queue: (() => void)[] = [];
  readonly #batches: CommitBatches;

  /** Group commit: commits run with synchronous=NORMAL; `durable()` fsyncs the log once for all waiting. */
  readonly #wal: WalSync;
  /** Checkpoints on a worker thread (./checkpointer.ts); none for an in-memory database. */
  readonly #checkpointer: Checkpointer | null;
  #checkpointing = false;
  /** Changes to the search index, queued by the writer's units of work. */
  readonly #search: SearchMirror;
  /** Whether the search index has changes queued, as of the read connection's snapshot. */
  readonly #searchQueued: Statement<{ id: number }, []>;

  constructor(path: string, repositories: SqliteRepositoriesFactory) {
    // Every commit goes through `write` below, which notes it.
    this.#wal = new WalSync(path, true);
    this.#writer = openConnection(path, { migrate: true });
    this.#checkpointer = path === ":memory:" ? null : new Checkpointer(path);
    // The worker checkpoints; the writer steps in only if the log grows far past that point.
    if (this.#checkpointer) this.#writer.run(`PRAGMA wal_autocheckpoint = ${10 * CHECKPOINT_PAGES}`);
    this.#search = new SearchMirror(this.#writer);
    this.#batches = new CommitBatches(this.#writer, this.#search);
    this.#wal.beforeSync = () => {
      const open = this.#batches.current;
      if (open?.ready && !this.#busy) this.#commit(open);
    };
    // An in-memory database exists once per connection: a test that uses one reads through the
    // writer and so sees units of work in flight (no isolation); a server always has a file.
    this.#reader = path === ":memory:" ? this.#writer : openConnection(path, { readOnly: true });
    this.#searchQueued = this.#reader.query("SELECT id FROM files_search_queue LIMIT 1");
    const searchable = () => this.#searchable();
    this.#turn = this.#reader === this.#writer ? null : new ReadTurn(this.#reader);
    this.#tx = repositories(this.#writer, (scope, tx) => noteAppended(this.#appended, scope, tx), {
      search: this.#search,
      searchable: this.#turn === null ? searchable : undefined,
    });
    this.#reads =
      this.#turn === null
        ? this.#tx
        : repositories(this.#reader, appendOutsideUnitOfWork, { turn: this.#turn, searchable });
  }

  /** The read connection's repositories; reading through them joins this turn's read transaction. */
  get read(): Repositories {
    this.#turn?.enter();
    return this.#reads;
  }

  /**
   * Indexes the search queue (./search-mirror.ts) if it holds anything committed, and waits
   * for that to commit: a search that follows finds every file committed before it.
   */
  async #searchable(): Promise<void> {
    if (this.#searchQueued.get() === null) return;
    await this.write(async () => this.#search.catchUp());
  }

  /** The writer connection itself, for SQLite-only tools (tests, backups); services never use it. */
  get connection(): Database {
    return this.#writer;
  }

  async write<T>(work: (tx: Repositories) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const after = options.after;
    await this.#acquire();
    let batch: CommitBatch;
    let outcome: UnitOutcome<T>;
    try {
      this.#turn?.end();
      // A full batch, or one waiting for other bytes than this unit's, commits first: joining
      // it would make this unit wait for that sync too, or the batch for this unit's sync.
      const open = this.#batches.current;
      if (open && (open.sealed || (after && open.after && open.after !== after))) await this.#commitHeld(open);
      batch = this.#batches.open();
      outcome = await batch.unit(() => work(this.#tx));
      if (!("error" in outcome)) {
        this.#pending.push(...this.#appended.values());
        if (after) batch.waitFor(after, () => this.#whenReady(batch));
      }
      this.#appended.clear();
      // A full or failed batch commits now. Otherwise the next unit in line joins in, and
      // when none is waiting the COMMIT waits for the end of this turn of the event loop:
      // requests whose bytes reached the disk in the same turn join the batch first.
      if (batch.size >= MAX_BATCH || batch.lost !== null) this.#finish(batch);
      else if (this.#queue.length === 0) this.#commitSoon();
    } finally {
      this.#release();
    }
    if ("error" in outcome) {
      // Even a refusal waits: it may rest on what earlier units of the batch wrote.
      await batch.committed.catch(() => {});
      throw fromSqlite(outcome.error);
    }
    await batch.committed.catch((error) => {
      throw fromSqlite(error);
    });
    return outcome.value;
  }

  #commitSoon(): void {
    // A batch waiting for its bytes commits when they are durable (#whenReady).
    if (this.#batches.current?.ready === false) return;
    // A log sync is running: commit right before the next one starts (WalSync.beforeSync).
    // Every unit of the batch would wait for that next sync anyway, so they share one COMMIT
    // and one sync, and no answer goes out later than it would have.
    if (this.#wal.running) {
      this.#wal.next().catch(() => {});
      return;
    }
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => {
      this.#commitScheduled = false;
      const open = this.#batches.current;
      // A unit still running in the batch commits (or schedules) it when it ends.
      if (open?.ready && !this.#busy) this.#commit(open);
    });
  }

  /** Commits `batch` now if it may; otherwise it takes no more units and commits once it may (#whenReady). */
  #finish(batch: CommitBatch): void {
    if (batch.ready) this.#commit(batch);
    else batch.sealed = true;
  }

  /**
   * What a batch waited for has settled (its units' bytes are durable, or could not be made
   * so): it commits, or rolls back, now. A unit holding the writer commits it itself (#commitHeld).
   */
  #whenReady(batch: CommitBatch): void {
    if (this.#batches.current === batch && !this.#busy) this.#commit(batch);
  }

  /** Commits `batch` for the caller holding the writer, once it may. */
  async #commitHeld(batch: CommitBatch): Promise<void> {
    await batch.settled;
    if (this.#batches.current === batch) this.#commit(batch);
  }

  /** COMMITs the open batch and tells the listeners of every event its units appended. */
  #commit(batch: CommitBatch): void {
    const appended = this.#pending;
    this.#pending = [];
    if (!batch.commit()) return;
    this.#turn?.end();
    this.#wal.noteCommit();
    this.#publish(appended);
    if (this.#checkpointer?.committed()) void this.#checkpoint(this.#checkpointer);
  }

  /**
   * Checkpoints the log on the worker while units of work wait for the writer (the thread
   * goes on serving requests meanwhile), so the checkpoint copies all of the log and the next
   * commit starts it over. If the worker fails, the writer's connection checkpoints itself.
   */
  async #checkpoint(checkpointer: Checkpointer): Promise<void> {
    if (this.#checkpointing) return;
    this.#checkpointing = true;
    await this.#acquire();
    try {
      const open = this.#batches.current;
      if (open) await this.#commitHeld(open);
      await checkpointer.run().catch(() => this.#writer.run("PRAGMA wal_checkpoint(PASSIVE)"));
    } catch {
      // The log stays as it is; the next checkpoint (or the writer's own) takes it.
    } finally {
      this.#checkpointing = false;
      this.#release();
    }
  }

  async snapshot(target: string): Promise<MetadataSnapshot> {
    // VACUUM INTO runs outside any transaction.
    this.#turn?.end();
    if (this.#reader !== this.#writer) {
      // The read connection holds no transaction once its turn has ended (above), and
      // bun:sqlite is synchronous: nothing else can use it while `VACUUM INTO` runs. The
      // copy writes only `target`, but SQLite counts it as a write, so `query_only` is
      // lifted for that one statement.
      this.#reader.run("PRAGMA query_only = OFF");
      try {
        return vacuumInto(this.#reader, target);
      } catch (error) {
        throw fromSqlite(error);
      } finally {
        this.#reader.run("PRAGMA query_only = ON");
      }
    }
    // One in-memory connection: wait until no unit of work is open on it.
    await this.#acquire();
    try {
      const open = this.#batches.current;
      if (open) await this.#commitHeld(open);
      return vacuumInto(this.#writer, target);
    } catch (error) {
      throw fromSqlite(error);
    } finally {
      this.#release();
    }
  }

  durable(): Promise<void> {
    return this.#wal.sync().catch((error) => {
      throw fromFilesystem(error);
    });
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    const open = this.#batches.current;
    if (open && !this.#busy) {
      // A batch still waiting for its bytes rolls back: its units fail, and nothing names bytes that may be lost.
      if (!open.ready) open.lost ??= new Error("the metadata database closed before the batch could commit");
      this.#commit(open);
    }
    this.#turn?.end();
    if (this.#reader !== this.#writer) this.#reader.close();
    this.#writer.close();
    this.#wal.close();
    this.#checkpointer?.close();
  }

  /** Waits for the writer connection (units of work run one at a time). */
  async #acquire(): Promise<void> {
    if (this.#busy) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#busy = true;
  }

  /** Hands the writer straight to the next unit of work in line, or marks it free. */
  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  #publish(appended: { scope: Scope; from: number }[]): void {
    for (const { scope, from } of appended) for (const listener of this.#listeners) listener(scope, from);
  }
}
