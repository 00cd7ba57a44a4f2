import type { Scope } from "./files";
import type { Repositories } from "./repositories";
import type { MetadataSnapshot } from "./snapshot";

/** Told, after a unit of work committed, that a space's event log grew from `fromTx` on. */
export type CommitListener = (scope: Scope, fromTx: number) => void;

/** The spaces a unit of work appended events to, each with its lowest tx: what its listeners are told on commit. */
type AppendedSpaces = Map<string, { scope: Scope; from: number }>;

/** Notes, for both engines' units of work, that `tx` was appended to `scope`'s event log. */
export function noteAppended(appended: AppendedSpaces, scope: Scope, tx: number): void {
  const key = `${scope.account}:${scope.space}`;
  const seen = appended.get(key);
  if (!seen) appended.set(key, { scope: { account: scope.account, space: scope.space }, from: tx });
  else if (tx < seen.from) seen.from = tx;
}

/** What the repositories for reads do on `events.append`: events are only written in a unit of work. */
export function appendOutsideUnitOfWork(): never {
  throw new Error("events are appended in a unit of work");
}

export interface WriteOptions {
  /**
   * What must be durable before the unit of work commits, such as the bytes of an object it
   * names (`PutResult.durable`). The unit never commits before this resolves; if it rejects,
   * the unit fails with its error. An engine may run the body meanwhile: SQLite does, and the
   * units that share its transaction then fail with it too (nothing of theirs is kept).
   */
  after?: Promise<void>;
}

/**
 * The metadata engine as services see it (SQLite embedded, or Postgres): repositories to
 * read committed data, and units of work to change it. Nothing outside `storage/db` runs
 * SQL or knows which engine is behind this.
 *
 * The isolation rule every engine keeps (docs/architecture.md, "Transactions"):
 * - `read` sees only committed data — never another request's unit of work in flight;
 * - a unit of work sees its own writes, and either all of them commit or none do;
 * - units of work that write the same rows are serialised: what a body read (a condition,
 *   a counter, a row in the way) cannot change before it commits.
 */
export interface Metadata {
  /** Repositories for reads outside a unit of work. Never write through them. */
  readonly read: Repositories;
  /** Which engine this is: the embedded SQLite file, or a PostgreSQL database instances share. */
  readonly engine: "sqlite" | "postgres";
  /**
   * Runs `work` as one unit of work (one transaction): every write made through `tx`
   * commits when `work` resolves, or is rolled back when it throws (the error is rethrown).
   * The body may `await` repositories, but nothing else slow (no blob I/O, no network):
   * on SQLite, units of work run one at a time. Never start a unit of work inside
   * another's body (pass `tx` down instead): it would wait for itself.
   */
  write<T>(work: (tx: Repositories) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * Writes a consistent copy of the committed metadata to the file `target` (which must not
   * exist) while units of work carry on, and opens it: what a backup archives. The engine
   * decides how (SQLite: `VACUUM INTO`).
   */
  snapshot(target: string): Promise<MetadataSnapshot>;
  /**
   * Resolves once every unit of work committed before the call survives a power loss.
   * Commits need not wait for the disk themselves: whoever answers a client or deletes
   * bytes a commit freed waits here first, and concurrent callers share one flush (group
   * commit). An engine whose commits are durable on their own resolves at once.
   */
  durable(): Promise<void>;
  /** Registers the listener told of committed events (the change feed's hub); returns the unsubscribe function. */
  onCommitted(listener: CommitListener): () => void;
  close(): void;
}
