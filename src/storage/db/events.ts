import type { Database, Statement } from "bun:sqlite";
import { type Scope, startsWithSql } from "./files";

/** Every action the log records (webhooks filter on them). */
export const EVENT_ACTIONS = ["upload", "move", "copy", "mkdir", "delete", "share", "restore"] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export interface EventRow {
  tx: number;
  action: EventAction;
  path: string;
  dest: string | null;
  size: number | null;
  msg: string | null;
  ts: number;
}

/** Which events to keep: one file (`exact`), or everything under a folder or prefix ("" = all). */
export interface EventFilter {
  path: string;
  exact: boolean;
}

/** The rule of `forPath` for one event in memory (the live feed filters with it). */
export function eventMatches(event: EventRow, filter: EventFilter): boolean {
  if (filter.path === "") return true;
  if (filter.exact) return event.path === filter.path || event.dest === filter.path;
  return event.path.startsWith(filter.path) || event.dest?.startsWith(filter.path) === true;
}

/**
 * Told of every appended event while its transaction is still open. It must not assume the
 * commit happens: the change feed re-reads the log after the transaction ends (see
 * modules/feed/hub.ts), so a rolled-back change is never published.
 */
export type AppendListener = (scope: Scope, tx: number) => void;

/**
 * Repository for the per-space event log; one row per tx. `append` is the one place events
 * are written, so every change through any front door reaches the live feed and webhooks.
 */
export class EventRepository {
  readonly #insert: Statement;
  readonly #since: Statement<EventRow>;
  readonly #latest: Statement<{ tx: number | null }>;
  #listener: AppendListener | null = null;

  constructor(private readonly db: Database) {
    this.#insert = db.query(
      "INSERT INTO events (account_id, space, tx, action, path, dest, size, msg, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    );
    this.#since = db.query(
      `SELECT tx, action, path, dest, size, msg, ts FROM events
       WHERE account_id = $account AND space = $space AND tx > $since ORDER BY tx LIMIT $limit`,
    );
    this.#latest = db.query("SELECT MAX(tx) AS tx FROM events WHERE account_id = ?1 AND space = ?2");
  }

  /** Registers the one listener told of appends (the change feed's publisher). */
  onAppend(listener: AppendListener): void {
    this.#listener = listener;
  }

  /** True while a transaction is open on this connection: appended events are not committed yet. */
  inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** The newest committed tx of a space (0 when it has none). */
  latestTx(scope: Scope): number {
    return this.#latest.get(scope.account, scope.space)?.tx ?? 0;
  }

  append(scope: Scope, event: EventRow): void {
    this.#insert.run(
      scope.account,
      scope.space,
      event.tx,
      event.action,
      event.path,
      event.dest,
      event.size,
      event.msg,
      event.ts,
    );
    this.#listener?.(scope, event.tx);
  }

  /** Events after `since`, oldest first. */
  since(scope: Scope, since: number, limit: number): EventRow[] {
    return this.#since.all({ account: scope.account, space: scope.space, since, limit });
  }

  /**
   * Events touching a path after `since`: the path itself (as source or destination of a
   * move) or, for a folder or a key prefix, anything under it.
   */
  forPath(scope: Scope, path: string, exact: boolean, since: number, limit: number): EventRow[] {
    const where = exact
      ? "(path = $path OR dest = $path)"
      : `(${startsWithSql("path", "$path")} OR ${startsWithSql("dest", "$path")})`;
    return this.db
      .query<EventRow, Record<string, string | number>>(
        `SELECT tx, action, path, dest, size, msg, ts FROM events
         WHERE account_id = $account AND space = $space AND tx > $since AND ${where} ORDER BY tx LIMIT $limit`,
      )
      .all({ account: scope.account, space: scope.space, path, since, limit });
  }
}
