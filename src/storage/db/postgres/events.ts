import { REACHES_BELOW_DEST, REACHES_BELOW_PATH } from "../../../domain/files";
import { enclosingFolders } from "../../../domain/paths";
import { beforeOf, type EventRow, type LogWindow } from "../events";
import type { Scope } from "../files";
import type { EventRepository } from "../repositories";
import { type Queryable, startsWith } from "./rows";

/** The channel on which a committed event is announced to every instance (LISTEN/NOTIFY). */
export const EVENTS_CHANNEL = "lightd_events";

/**
 * The per-space event log on Postgres. `append` also queues a NOTIFY in the same
 * transaction: Postgres delivers it to every listening instance when, and only if, the
 * unit of work commits, so a feed on any instance hears of every committed change.
 */
export class PostgresEventRepository implements EventRepository {
  constructor(
    private readonly sql: Queryable,
    private readonly appended: (scope: Scope, tx: number) => void,
    private readonly origin: string,
  ) {}

  async latestTx(scope: Scope): Promise<number> {
    const [row] = await this
      .sql`SELECT coalesce(max(tx), 0) AS tx FROM events WHERE account_id = ${scope.account} AND space = ${scope.space}`;
    return row.tx;
  }

  async append(scope: Scope, event: EventRow): Promise<void> {
    const announce = JSON.stringify({ a: scope.account, s: scope.space, tx: event.tx, o: this.origin });
    await this.sql`WITH added AS (
        INSERT INTO events (account_id, space, tx, action, path, dest, size, msg, ts)
        VALUES (${scope.account}, ${scope.space}, ${event.tx}, ${event.action}, ${event.path}, ${event.dest},
          ${event.size}, ${event.msg}, ${event.ts})
        RETURNING tx)
      SELECT pg_notify(${EVENTS_CHANNEL}, ${announce}) FROM added`;
    this.appended(scope, event.tx);
  }

  async since(scope: Scope, since: number, limit: number, window?: LogWindow): Promise<EventRow[]> {
    if (!window) {
      return this.sql`SELECT tx, action, path, dest, size, msg, ts FROM events
        WHERE account_id = ${scope.account} AND space = ${scope.space} AND tx > ${since} ORDER BY tx LIMIT ${limit}`;
    }
    return this.sql.unsafe(
      `SELECT tx, action, path, dest, size, msg, ts FROM events
        WHERE account_id = $1 AND space = $2 AND tx > $3 AND tx < $4 ORDER BY tx${window.newestFirst ? " DESC" : ""} LIMIT $5`,
      [scope.account, scope.space, since, beforeOf(window), limit],
    );
  }

  async forPath(
    scope: Scope,
    path: string,
    exact: boolean,
    since: number,
    limit: number,
    window: LogWindow = {},
  ): Promise<EventRow[]> {
    const [match, pattern] = exact ? ["=", path] : ["LIKE", startsWith(path)];
    // With the moves, deletes, restores and copies of a folder holding the path (eventMatches).
    return this.sql.unsafe(
      `SELECT tx, action, path, dest, size, msg, ts FROM events WHERE account_id = $1 AND space = $2 AND tx > $3 AND tx < $9
         AND (path ${match} $4 OR dest ${match} $4
           OR (action = ANY($6::text[]) AND path = ANY($8::text[]))
           OR (action = ANY($7::text[]) AND dest = ANY($8::text[])))
         ORDER BY tx${window.newestFirst ? " DESC" : ""} LIMIT $5`,
      [
        scope.account,
        scope.space,
        since,
        pattern,
        limit,
        [...REACHES_BELOW_PATH],
        [...REACHES_BELOW_DEST],
        enclosingFolders(path),
        beforeOf(window),
      ],
    );
  }
}
