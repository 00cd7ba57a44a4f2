import { REACHES_BELOW_DEST, REACHES_BELOW_PATH } from "../../domain/files";
import { folderHolds } from "../../domain/paths";

/**
 * Every action the log records (webhooks filter on them): changes to the tree, each a tx.
 * Creating or revoking a share link changes no file and takes no tx, so it is not one.
 */
export const EVENT_ACTIONS = ["upload", "move", "copy", "mkdir", "delete", "restore"] as const;
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

/**
 * Which stretch of the log to read beyond "after `since`": `before` keeps events before that tx,
 * and `newestFirst` reads from the newest end (the newest `limit` events, newest first).
 */
export interface LogWindow {
  before?: number;
  newestFirst?: boolean;
}

/** The window's upper bound as a number SQL compares with (none: past any tx). */
export const beforeOf = (window: LogWindow): number => window.before ?? Number.MAX_SAFE_INTEGER;

/** Which events to keep: one file (`exact`), or everything under a folder or prefix ("" = all). */
export interface EventFilter {
  path: string;
  exact: boolean;
}

/**
 * The rule of `forPath` for one event in memory (the live feed and webhooks filter with it):
 * an event at the path or under it, or one that moved, deleted, restored or copied a folder
 * holding it.
 */
export function eventMatches(event: EventRow, filter: EventFilter): boolean {
  if (filter.path === "") return true;
  const at = (end: string) => (filter.exact ? end === filter.path : end.startsWith(filter.path));
  if (at(event.path) || (event.dest !== null && at(event.dest))) return true;
  // A change to a folder above the path or prefix (a move, delete or restore of `site/`)
  // changes everything under it, so a filter for `site/sub/` keeps it.
  return (
    (REACHES_BELOW_PATH.has(event.action) && folderHolds(event.path, filter.path)) ||
    (event.dest !== null && REACHES_BELOW_DEST.has(event.action) && folderHolds(event.dest, filter.path))
  );
}
