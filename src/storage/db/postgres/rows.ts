import type { SQL } from "bun";
import { badRequest } from "../../../domain/errors";
import { fromPostgres } from "../../errors";

/** A pool or the transaction of one unit of work: repositories run their queries on either. */
export type Queryable = SQL;

/** int8 and numeric (a BIGINT column, a count, a sum): the driver hands them back as strings. */
const WIDE_NUMBERS = new Set([20, 1700]);

/**
 * A 64-bit value may not fit a JS number, but every integer lightd stores does (milliseconds,
 * bytes, counters), so a query's int8 and numeric columns become numbers, as from SQLite.
 */
function asNumbers<Rows>(rows: Rows): Rows {
  const columns = (rows as { columns?: { name: string; type: number }[] | null }).columns ?? [];
  const wide = columns.filter((column) => WIDE_NUMBERS.has(column.type)).map((column) => column.name);
  if (wide.length === 0 || !Array.isArray(rows)) return rows;
  for (const row of rows as Record<string, unknown>[]) {
    for (const name of wide) {
      const value = row[name];
      if (typeof value === "string" || typeof value === "bigint") row[name] = Number(value);
    }
  }
  return rows;
}

/** The first row, or null. */
export function one<T>(rows: unknown[]): T | null {
  return (rows[0] as T | undefined) ?? null;
}

/**
 * A LIKE pattern for "starts with `prefix`": LIKE's wildcards in the prefix are escaped.
 * On a COLLATE "C" column the planner turns it into an index range scan.
 */
export function startsWith(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, "\\$&")}%`;
}

/** SQLSTATEs of text Postgres cannot store: a NUL character (22021), an unmappable one (22P05). */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);

/** The SQLSTATE of a failed query (Bun's client names it `errno`, or `code`); "" when it has none. */
export function sqlState(error: unknown): string {
  const e = error as { errno?: unknown; code?: unknown };
  return typeof e?.errno === "string" ? e.errno : typeof e?.code === "string" ? e.code : "";
}

/** A query's failure in storage's words (src/storage/errors.ts), or as bad input for unstorable text. */
function inStorageWords(error: unknown): never {
  if (UNSTORABLE_TEXT.has(sqlState(error))) {
    throw badRequest("text may not contain the NUL character");
  }
  throw fromPostgres(error);
}

/** What speakingStorage already wrapped: a repository built on it does not wrap it twice. */
const speaking = new WeakSet<Queryable>();

/**
 * The queries of `sql`, answering numbers as numbers (asNumbers) and failing in storage's
 * words: a full disk or a lost connection as StorageFull / StorageUnavailable, and text
 * Postgres cannot store as bad input (400), as the embedded engine, which stores any string,
 * never has to. Values are checked by the server.
 */
export function speakingStorage(sql: Queryable): Queryable {
  if (speaking.has(sql)) return sql;
  const speaker = new Proxy(sql, {
    apply(target, self, args) {
      const result = Reflect.apply(target, self, args);
      // A tagged template is a query; a call with values (`sql(rows)`) builds a fragment.
      const isQuery = Array.isArray(args[0]) && "raw" in (args[0] as object);
      return isQuery ? (result as Promise<unknown>).then(asNumbers, inStorageWords) : result;
    },
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === "unsafe") {
        return (...args: unknown[]) =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).then(asNumbers, inStorageWords);
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  speaking.add(speaker);
  return speaker;
}

/** A repository over a pool or over the transaction of one unit of work, speaking storage's words. */
export abstract class PostgresRepository {
  protected readonly sql: Queryable;

  constructor(sql: Queryable) {
    this.sql = speakingStorage(sql);
  }
}
