import type { Database, Statement } from "bun:sqlite";
import { type Scope, startsWithSql } from "./files";

export type EventAction = "upload" | "move" | "copy" | "mkdir" | "delete" | "share";

export interface EventRow {
  tx: number;
  action: EventAction;
  path: string;
  dest: string | null;
  size: number | null;
  msg: string | null;
  ts: number;
}

/** Repository for the per-space event log; one row per tx. */
export class EventRepository {
  readonly #insert: Statement;
  readonly #since: Statement<EventRow>;

  constructor(private readonly db: Database) {
    this.#insert = db.query(
      "INSERT INTO events (account_id, space, tx, action, path, dest, size, msg, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    );
    this.#since = db.query(
      `SELECT tx, action, path, dest, size, msg, ts FROM events
       WHERE account_id = $account AND space = $space AND tx > $since ORDER BY tx LIMIT $limit`,
    );
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
