import type { Database } from "bun:sqlite";
import type { Scope } from "../files";
import type { CommitListener, Metadata } from "../metadata";
import type { Repositories } from "../repositories";
import type { MetadataSnapshot } from "../snapshot";
import { openConnection } from "./connection";
import { vacuumInto } from "./snapshot";
import { WalSync } from "./wal-sync";

/** Builds the repositories of one connection; `appended` is told of every event its log writes. */
export type SqliteRepositoriesFactory = (db: Database, appended: (scope: Scope, tx: number) => void) => Repositories;

/**
 * SQLite behind the async `Metadata` contract (the design is in docs/architecture.md,
 * "Transactions"). bun:sqlite is synchronous and a connection has one transaction, so a
 * unit of work whose body awaits must not share its connection with anyone:
 * - writes go through one writer connection, one unit of work at a time (an in-process
 *   queue; across processes SQLite's own lock and busy timeout decide);
 * - reads outside a unit of work go through a second connection that cannot write
 *   (`query_only`): in WAL mode it sees the last commit, never a unit of work in flight.
 * An uncontended unit of work starts without waiting for the queue, so a request pays
 * only the BEGIN/COMMIT it paid before.
 */
export class SqliteMetadata implements Metadata {
  readonly read: Repositories;
  readonly #writer: Database;
  readonly #reader: Database;
  readonly #tx: Repositories;
  readonly #listeners = new Set<CommitListener>();
  /** Spaces whose log the running unit of work appended to, with the lowest tx. */
  readonly #appended = new Map<string, { scope: Scope; from: number }>();
  #busy = false;
  readonly #queue: (() => void)[] = [];

  /** Group commit: commits run with synchronous=NORMAL; `durable()` fsyncs the log once for all waiting. */
  readonly #wal: WalSync;

  constructor(path: string, repositories: SqliteRepositoriesFactory) {
    this.#wal = new WalSync(path);
    this.#writer = openConnection(path, { migrate: true });
    // An in-memory database exists once per connection: a test that uses one reads through the
    // writer and so sees units of work in flight (no isolation); a server always has a file.
    this.#reader = path === ":memory:" ? this.#writer : openConnection(path, { readOnly: true });
    this.#tx = repositories(this.#writer, (scope, tx) => this.#noteAppend(scope, tx));
    this.read =
      this.#reader === this.#writer
        ? this.#tx
        : repositories(this.#reader, () => {
            throw new Error("events are appended in a unit of work");
          });
  }

  /** The writer connection itself, for SQLite-only tools (tests, backups); services never use it. */
  get connection(): Database {
    return this.#writer;
  }

  async write<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      this.#writer.run("BEGIN IMMEDIATE");
      try {
        const result = await work(this.#tx);
        this.#writer.run("COMMIT");
        this.#publish();
        return result;
      } catch (error) {
        if (this.#writer.inTransaction) this.#writer.run("ROLLBACK");
        this.#appended.clear();
        throw error;
      }
    } finally {
      this.#release();
    }
  }

  async snapshot(target: string): Promise<MetadataSnapshot> {
    if (this.#reader !== this.#writer) {
      // The read connection is the one that never holds a transaction between calls, and
      // bun:sqlite is synchronous: nothing else can use it while `VACUUM INTO` runs. The
      // copy writes only `target`, but SQLite counts it as a write, so `query_only` is
      // lifted for that one statement.
      this.#reader.run("PRAGMA query_only = OFF");
      try {
        return vacuumInto(this.#reader, target);
      } finally {
        this.#reader.run("PRAGMA query_only = ON");
      }
    }
    // One in-memory connection: wait until no unit of work is open on it.
    await this.#acquire();
    try {
      return vacuumInto(this.#writer, target);
    } finally {
      this.#release();
    }
  }

  durable(): Promise<void> {
    return this.#wal.sync();
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#reader !== this.#writer) this.#reader.close();
    this.#writer.close();
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

  #noteAppend(scope: Scope, tx: number): void {
    const key = `${scope.account}:${scope.space}`;
    const seen = this.#appended.get(key);
    if (!seen) this.#appended.set(key, { scope: { account: scope.account, space: scope.space }, from: tx });
    else if (tx < seen.from) seen.from = tx;
  }

  #publish(): void {
    const appended = [...this.#appended.values()];
    this.#appended.clear();
    for (const { scope, from } of appended) for (const listener of this.#listeners) listener(scope, from);
  }
}
