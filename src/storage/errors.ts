/**
 * Storage's own failures that are no request's fault: the disk, volume or database is full,
 * or the store cannot be reached. Both metadata engines and both byte stores say them in
 * these words (each translates its own codes below, where it knows them); the one renderer
 * (src/http/errors.ts) maps them to 507 and 503. The engine's own error stays as `cause`,
 * for the log.
 */
export class StorageFull extends Error {
  constructor(cause: unknown) {
    super("The server's storage is full; nothing was changed. Try again after space is freed", { cause });
    this.name = "StorageFull";
  }
}

export class StorageUnavailable extends Error {
  constructor(cause: unknown) {
    super("The server's storage cannot be reached; nothing was changed. Try again shortly", { cause });
    this.name = "StorageUnavailable";
  }
}

/** The engine's own error behind a storage failure, for messages meant for the operator. */
export const engineError = (error: unknown): unknown =>
  error instanceof StorageFull || error instanceof StorageUnavailable ? error.cause : error;

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : "");

/** A filesystem write (data files, temp files, the metadata's log): ENOSPC, or a quota's EDQUOT; EIO. */
export function fromFilesystem(error: unknown): unknown {
  const code = codeOf(error);
  if (code === "ENOSPC" || code === "EDQUOT" || /\b(ENOSPC|no space left on device)\b/i.test(messageOf(error))) {
    return new StorageFull(error);
  }
  // The disk could not write back what was written (a failed fsync): nothing that waited for it was kept.
  if (code === "EIO") return new StorageUnavailable(error);
  return error;
}

/** SQLite: the database file (or the disk under it) is full. */
export function fromSqlite(error: unknown): unknown {
  if (codeOf(error) === "SQLITE_FULL" || /\bdatabase or disk is full\b/i.test(messageOf(error))) {
    return new StorageFull(error);
  }
  return fromFilesystem(error);
}

/** Postgres SQLSTATEs of a server that is shutting down, starting, or has no connection left. */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Postgres (Bun's client): `disk_full` (53100); a connection that could not be made or was
 * lost (SQLSTATE class 08, Bun's connection codes, a server shutting down).
 */
export function fromPostgres(error: unknown): unknown {
  const e = error as { errno?: unknown; code?: unknown } | null;
  const state = typeof e?.errno === "string" ? e.errno : "";
  const code = typeof e?.code === "string" ? e.code : "";
  if (state === "53100") return new StorageFull(error);
  if (
    state.startsWith("08") ||
    PG_UNAVAILABLE.has(state) ||
    /^ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT)/.test(code) ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET"
  ) {
    return new StorageUnavailable(error);
  }
  return error;
}
