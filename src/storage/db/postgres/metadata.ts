import type { SQL } from "bun";
import { AppError } from "../../../domain/errors";
import { randomBase62 } from "../../../lib/ids";
import { fromPostgres } from "../../errors";
import type { Coordination } from "../coordination";
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
import { PostgresCoordination } from "./coordination";
import { EVENTS_CHANNEL } from "./events";
import { postgresRepositories } from "./repositories";
import { speakingStorage, sqlState } from "./rows";

/** SQLSTATEs after which a unit of work is simply run again: serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);
/**
 * Writers of one space all move its tx counter, so under load most of them collide; each
 * round one commits. Enough attempts for a few dozen writers of one space at once across
 * instances, spread by a growing random backoff (at most MAX_BACKOFF_MS).
 */
const MAX_ATTEMPTS = 60;
const MAX_BACKOFF_MS = 200;

/**
 * Postgres behind the async `Metadata` contract, for any number of instances on one database.
 * - A unit of work is one SERIALIZABLE transaction: what its body read cannot change before
 *   it commits, whichever instance the other writer runs on. When Postgres cannot order two
 *   units of work it aborts one (40001) and it runs again from the start, so a body must do
 *   nothing but repository calls (the contract already asks that).
 * - `read` runs each query on its own on the pool: it sees committed data only.
 * - Committed events reach every instance: `append` queues a NOTIFY that Postgres delivers on
 *   commit; this instance tells its own listeners at once after commit and skips its own
 *   notifications when they come back.
 */
export class PostgresMetadata implements Metadata {
  readonly engine = "postgres";
  readonly read: Repositories;
  /** Rate-limit buckets and one-at-a-time jobs, shared with every instance. */
  readonly coordination: Coordination;
  /**
   * Resolves once this instance listens to every other's committed events. Until then its own
   * commits still reach its own listeners; openPostgresMetadata waits for it before handing the engine out.
   */
  readonly ready: Promise<void>;
  readonly #sql: SQL;
  readonly #origin = randomBase62(12);
  readonly #listeners = new Set<CommitListener>();
  #unlisten: (() => Promise<void>) | undefined;

  private constructor(sql: SQL) {
    this.#sql = sql;
    this.coordination = new PostgresCoordination(speakingStorage(sql));
    this.read = postgresRepositories(sql, appendOutsideUnitOfWork, this.#origin);
    this.ready = sql
      .listen(EVENTS_CHANNEL, (payload) => this.#heard(payload))
      .then((subscription) => {
        this.#unlisten = () => subscription.unlisten();
      });
    // A failure is the caller's to see through `ready`; left unobserved it must not end the process.
    this.ready.catch(() => {});
  }

  /** The engine over a pool whose schema is current, listening in the background (see `ready`). */
  static connect(sql: SQL): PostgresMetadata {
    return new PostgresMetadata(sql);
  }

  async write<T>(work: (tx: Repositories) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    // A transaction waits for nothing: what must be durable first is waited for before it begins.
    await options.after;
    for (let attempt = 1; ; attempt++) {
      const appended = new Map<string, { scope: Scope; from: number }>();
      const note = (scope: Scope, tx: number) => noteAppended(appended, scope, tx);
      try {
        const result = await this.#sql.begin("ISOLATION LEVEL SERIALIZABLE", (tx) =>
          work(postgresRepositories(tx, note, this.#origin)),
        );
        for (const { scope, from } of appended.values()) this.#tell(scope, from);
        return result as T;
      } catch (error) {
        // BEGIN and COMMIT run outside the repositories: their failures are put in storage's words here.
        if (!RETRYABLE.has(sqlState(error))) throw fromPostgres(error);
        if (attempt >= MAX_ATTEMPTS) {
          throw new AppError("service_unavailable", "Too many concurrent changes to the same data; try again");
        }
        // Back off at random, up to twice as long each time, so the writers that collided spread out.
        await Bun.sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
      }
    }
  }

  /**
   * A backup archive holds a SQLite snapshot; a Postgres deployment is backed up by Postgres
   * itself (pg_dump, base backups, a managed service's snapshots) and its bucket's versioning.
   */
  async snapshot(_target: string): Promise<MetadataSnapshot> {
    throw new AppError(
      "service_unavailable",
      "Backups archive the embedded SQLite metadata; back up a Postgres metadata engine with pg_dump or your Postgres service's backups",
    );
  }

  /** Postgres makes a COMMIT durable before it returns (synchronous_commit on): nothing left to wait for. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    void this.ready
      .catch(() => {})
      .then(() => {
        const unlisten = this.#unlisten;
        this.#unlisten = undefined;
        return unlisten?.();
      })
      .catch(() => {})
      .finally(() => this.#sql.close({ timeout: 5 }));
  }

  #heard(payload: string): void {
    let note: { a: number; s: string; tx: number; o: string };
    try {
      note = JSON.parse(payload);
    } catch {
      return;
    }
    if (note.o === this.#origin) return;
    this.#tell({ account: note.a, space: note.s }, note.tx);
  }

  #tell(scope: Scope, from: number): void {
    for (const listener of this.#listeners) listener(scope, from);
  }
}
