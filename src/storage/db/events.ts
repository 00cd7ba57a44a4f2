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
