import type { Database } from "bun:sqlite";
import { REACHES_BELOW_DEST, REACHES_BELOW_PATH } from "../../../domain/files";
import { enclosingFolders } from "../../../domain/paths";
import { beforeOf, type EventRow, type LogWindow } from "../events";
import type { Scope } from "../files";
import type { EventRepository } from "../repositories";
import { SqliteRepository, startsWithSql } from "./sql";

/**
 * The per-space event log on SQLite; one row per tx. `append` is the one place events are
 * written, so every change through any front door reaches the live feed and webhooks.
 */
export class SqliteEventRepository extends SqliteRepository implements EventRepository {
  readonly #insert = this.db.query(
    "INSERT INTO events (account_id, space, tx, action, path, dest, size, msg, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  );
  readonly #since = this.db.query<EventRow, [Record<string, string | number>]>(
    `SELECT tx, action, path, dest, size, msg, ts FROM events
     WHERE account_id = $account AND space = $space AND tx > $since ORDER BY tx LIMIT $limit`,
  );
  readonly #window = (newestFirst: boolean) =>
    this.db.query<EventRow, [Record<string, string | number>]>(
      `SELECT tx, action, path, dest, size, msg, ts FROM events
       WHERE account_id = $account AND space = $space AND tx > $since AND tx < $before
       ORDER BY tx${newestFirst ? " DESC" : ""} LIMIT $limit`,
    );
  readonly #latest = this.db.query<{ tx: number | null }, [number, string]>(
    "SELECT MAX(tx) AS tx FROM events WHERE account_id = ?1 AND space = ?2",
  );

  /** `appended` hears of every event written, so the unit of work can publish it once committed. */
  constructor(
    db: Database,
    private readonly appended: (scope: Scope, tx: number) => void,
  ) {
    super(db);
  }

  async latestTx(scope: Scope): Promise<number> {
    return this.#latest.get(scope.account, scope.space)?.tx ?? 0;
  }

  async append(scope: Scope, event: EventRow): Promise<void> {
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
    this.appended(scope, event.tx);
  }

  async since(scope: Scope, since: number, limit: number, window?: LogWindow): Promise<EventRow[]> {
    const params = { account: scope.account, space: scope.space, since, limit };
    if (!window) return this.#since.all(params);
    return this.#window(window.newestFirst === true).all({ ...params, before: beforeOf(window) });
  }

  /**
   * Events touching a path after `since`: the path itself (as source or destination of a
   * move) or, for a folder or a key prefix, anything under it; and the moves, deletes,
   * restores and copies of a folder holding it (the rule of `eventMatches`).
   */
  async forPath(
    scope: Scope,
    path: string,
    exact: boolean,
    since: number,
    limit: number,
    window: LogWindow = {},
  ): Promise<EventRow[]> {
    const at = exact
      ? "path = $path OR dest = $path"
      : `${startsWithSql("path", "$path")} OR ${startsWithSql("dest", "$path")}`;
    return this.db
      .query<EventRow, Record<string, string | number>>(
        `SELECT tx, action, path, dest, size, msg, ts FROM events
         WHERE account_id = $account AND space = $space AND tx > $since AND tx < $before
           AND (${at}
             OR (action IN (SELECT value FROM json_each($reachPath)) AND path IN (SELECT value FROM json_each($above)))
             OR (action IN (SELECT value FROM json_each($reachDest)) AND dest IN (SELECT value FROM json_each($above))))
         ORDER BY tx${window.newestFirst ? " DESC" : ""} LIMIT $limit`,
      )
      .all({
        account: scope.account,
        space: scope.space,
        path,
        since,
        before: beforeOf(window),
        limit,
        above: JSON.stringify(enclosingFolders(path)),
        reachPath: JSON.stringify([...REACHES_BELOW_PATH]),
        reachDest: JSON.stringify([...REACHES_BELOW_DEST]),
      });
  }
}
