import { SQL } from "bun";

/** `metadata` settings that reach the Postgres engine. */
export interface PostgresSettings {
  /** `postgres://user:pass@host:port/db`; without it, the PG* environment variables. */
  url?: string;
  max_connections: number;
}

/**
 * Opens the connection pool of one instance. Bun's built-in client (`Bun.sql`): lightd's
 * stress test (tests/postgres/client-stress.test.ts) runs it with these exact options on
 * every CI run, because releases of 2026 returned another query's rows from the prepared-
 * statement cache and stalled the pool beside `begin()`; a regression fails that test.
 */
export function openPostgres(settings: PostgresSettings, env: Record<string, string | undefined> = {}): SQL {
  return new SQL({
    ...(settings.url ? { url: settings.url, ...databaseOf(settings.url) } : fromEnvironment(env)),
    max: settings.max_connections,
    // A connection idle this long is closed; a connection never waits forever for a server.
    idleTimeout: 60,
    connectionTimeout: 10,
    // Bigints (counters, byte totals) come back as numbers: every value lightd stores fits 2^53.
    bigint: false,
  });
}

/**
 * The database a URL names, passed on its own: Bun's client otherwise lets a PGDATABASE in
 * the environment replace it, and lightd would quietly write into another database. As in
 * libpq, a URL without a database leaves the choice to the environment.
 */
function databaseOf(url: string): { database?: string } {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  return name ? { database: name } : {};
}

/** libpq's usual variables, with its defaults (local server, database named after the user). */
function fromEnvironment(env: Record<string, string | undefined>) {
  const user = env.PGUSER ?? env.USER ?? "postgres";
  return {
    hostname: env.PGHOST ?? "localhost",
    port: Number(env.PGPORT ?? 5432),
    username: user,
    password: env.PGPASSWORD,
    database: env.PGDATABASE ?? user,
  };
}

/** The server a pool talks to, without the password, for the start-up log and error messages. */
export function describePostgres(settings: PostgresSettings, env: Record<string, string | undefined> = {}): string {
  if (settings.url) return settings.url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  const { hostname, port, username, database } = fromEnvironment(env);
  return `postgres://${username}@${hostname}:${port}/${database}`;
}
