import type { Database } from "bun:sqlite";

/**
 * SQL for "`column` starts with `param`" as an index range scan. The upper bound is the
 * prefix followed by the byte 0xFF, which never occurs in UTF-8 text and so sorts after
 * every path that starts with the prefix — including names that contain U+10FFFF, the
 * largest character a path may hold (SQLite compares text bytewise).
 */
export function startsWithSql(column: string, param: string): string {
  return `(${column} >= ${param} AND ${column} < ${param} || CAST(X'FF' AS TEXT))`;
}

/** A repository over one connection: its statements are fields, prepared once when it is built. */
export abstract class SqliteRepository {
  constructor(protected readonly db: Database) {}
}
