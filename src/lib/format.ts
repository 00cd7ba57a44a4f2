/**
 * How lightd writes sizes and changes for people: the CLI, the dashboard and the shared-folder
 * page print them alike. Pure functions: the dashboard bundles this file for the browser.
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 → "1.5 KiB"; exact bytes below 1 KiB; binary units, as `ls -h` counts. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(bytes)} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** What a change event names: its path, or where a move or copy went from and to. */
export interface ChangedPaths {
  path: string | null;
  dest?: string | null;
}

/**
 * Stands for an end of a move or copy the reader may not see: events are redacted to a key's
 * prefix, so a file that arrived from outside it has no `path`, one that left has no `dest`.
 */
export const OUTSIDE = "(outside the prefix)";

/** "a.txt", "a.txt → b.txt", "(outside the prefix) → b.txt". */
export function changedPaths(event: ChangedPaths): string {
  const from = event.path ?? OUTSIDE;
  if (event.dest === undefined) return from;
  return `${from} → ${event.dest ?? OUTSIDE}`;
}

/** Whether an event touches `prefix` at either end (as the log's `path` filter does); null ends touch nothing. */
export function changeTouches(event: ChangedPaths, prefix: string): boolean {
  if (prefix === "") return true;
  return [event.path, event.dest].some((p) => typeof p === "string" && p.startsWith(prefix));
}
