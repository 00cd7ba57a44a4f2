import type { SQL } from "bun";
import { badRequest } from "../../../domain/errors";
import { fromPostgres } from "../../errors";

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

/** SQLSTATEs of text Postgres cannot store: a NUL character (22021), an unmappable one (22P05). */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);

/** A query's failure in storage's words (src/storage/errors.ts), or as bad input for unstorable text. */
function inStorageWords(error: unknown): never {
  const e = error as { errno?: unknown; code?: unknown };
  if (UNSTORABLE_TEXT.has(String(e?.errno ?? e?.code ?? ""))) {
    throw badRequest("text may not contain the NUL character");
  }
  throw fromPostgres(error);
}

/**
 * The queries of `sql`, failing in storage's words: a full disk or a lost connection as
 * StorageFull / StorageUnavailable, and text Postgres cannot store as bad input (400), as the
 * embedded engine, which stores any string, never has to. Values are checked by the server.
 */
export function speakingStorage(sql: Queryable): Queryable {
  return new Proxy(sql, {
    apply(target, self, args) {
      const result = Reflect.apply(target, self, args);
      // A tagged template is a query; a call with values (`sql(rows)`) builds a fragment.
      const isQuery = Array.isArray(args[0]) && "raw" in (args[0] as object);
      return isQuery ? (result as Promise<unknown>).catch(inStorageWords) : result;
    },
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === "unsafe") {
        return (...args: unknown[]) =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(inStorageWords);
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A repository over a pool or over the transaction of one unit of work. */
export abstract class PostgresRepository {
  constructor(protected readonly sql: Queryable) {}
}
