import type { SQL } from "bun";

/** A pool or the transaction of one unit of work: repositories run their queries on either. */
export type Queryable = SQL;

/**
 * The driver hands BIGINT columns back as strings (a 64-bit value may not fit a JS number);
 * every integer lightd stores does (milliseconds, bytes, counters), so each repository names
 * its integer columns and gets numbers back, as from SQLite.
 */
export function numeric<T>(row: unknown, fields: readonly string[]): T {
  const record = row as Record<string, unknown>;
  for (const field of fields) {
    const value = record[field];
    if (typeof value === "string" || typeof value === "bigint") record[field] = Number(value);
  }
  return record as T;
}

/** The first row with its integer columns as numbers, or null. */
export function one<T>(rows: unknown[], fields: readonly string[]): T | null {
  return rows.length === 0 ? null : numeric<T>(rows[0], fields);
}

export function all<T>(rows: unknown[], fields: readonly string[]): T[] {
  return rows.map((row) => numeric<T>(row, fields));
}

/**
 * A LIKE pattern for "starts with `prefix`": LIKE's wildcards in the prefix are escaped.
 * On a COLLATE "C" column the planner turns it into an index range scan.
 */
export function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, "\\$&")}%`;
}
