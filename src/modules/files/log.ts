import { narrowPrefix, redactChange } from "../../domain/access";
import { isFolderPath } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { EventFilter, EventRow, LogWindow } from "../../storage/db/events";
import type { Metadata } from "../../storage/db/metadata";
import { scopeOf } from "./request";
import { requireNotAfter } from "./versions";

/** An event row as a credential may see it: a redacted end of a move or copy is null (redactChange). */
export type LoggedEvent = Omit<EventRow, "path"> & { path: string | null };

/** The event log as a principal may read it; the log route, the live feed and webhooks all filter here. */
export class FileLog {
  constructor(private readonly metadata: Metadata) {}

  /**
   * Which events a principal may see when it asks for `path` — one file, or a folder or
   * prefix (`asPrefix` always means "everything under it"): the key's prefix narrows the
   * request, 403 outside it.
   */
  logFilter(principal: Principal, path?: string, asPrefix = false): EventFilter {
    if (path === undefined) return { path: principal.prefix, exact: false };
    const narrowed = narrowPrefix(principal, path);
    return { path: narrowed, exact: !asPrefix && narrowed !== "" && !isFolderPath(narrowed) && narrowed === path };
  }

  /**
   * The space's events after `sinceTx` (400 when it is after the newest tx: requireNotAfter) and
   * in `window` (before a tx; the newest first); for a prefix-limited credential only those
   * touching its prefix, redacted (redactChange).
   */
  async log(
    principal: Principal,
    options: { path?: string; sinceTx: number; limit: number; window?: LogWindow },
  ): Promise<LoggedEvent[]> {
    if (options.sinceTx > 0) requireNotAfter(options.sinceTx, await this.latestTx(principal), "since_tx");
    const filter = this.logFilter(principal, options.path);
    const rows = await this.readLog(principal, filter, options.sinceTx, options.limit, options.window);
    return rows.map((row) => redactChange(principal, row as LoggedEvent));
  }

  /**
   * Events after `sinceTx` in the principal's space that pass a filter made by `logFilter`,
   * not yet redacted: whoever sends them applies `redactChange` (the feed does, per event).
   */
  readLog(
    principal: Principal,
    filter: EventFilter,
    sinceTx: number,
    limit: number,
    window?: LogWindow,
  ): Promise<EventRow[]> {
    const scope = scopeOf(principal);
    if (filter.path === "") return this.metadata.read.events.since(scope, sinceTx, limit, window);
    return this.metadata.read.events.forPath(scope, filter.path, filter.exact, sinceTx, limit, window);
  }

  /** The newest tx of the principal's space: where a live feed without `since_tx` starts. */
  latestTx(principal: Principal): Promise<number> {
    return this.metadata.read.events.latestTx(scopeOf(principal));
  }
}
