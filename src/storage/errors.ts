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

/**
 * A change that names a row deleted while it ran: its account (deleted by the admin during an
 * upload), the key a link or hook is made with (revoked meanwhile), a file or folder. The
 * foreign key refused it, so nothing was changed; the renderer answers 409.
 */
export class ReferenceGone extends Error {
  constructor(cause: unknown) {
    super(
      "Something this change refers to (its account, key, file or folder) was deleted while it ran; nothing was changed",
      { cause },
    );
    this.name = "ReferenceGone";
  }
}

/** The engine's own error behind a storage failure, for messages meant for the operator. */
export const engineError = (error: unknown): unknown =>
  error instanceof StorageFull || error instanceof StorageUnavailable || error instanceof ReferenceGone
    ? error.cause
    : error;

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

/** SQLite: the database file (or the disk under it) is full; a foreign key names a deleted row. */
export function fromSqlite(error: unknown): unknown {
  if (codeOf(error) === "SQLITE_FULL" || /\bdatabase or disk is full\b/i.test(messageOf(error))) {
    return new StorageFull(error);
  }
  if (codeOf(error) === "SQLITE_CONSTRAINT_FOREIGNKEY" || /\bFOREIGN KEY constraint failed\b/.test(messageOf(error))) {
    return new ReferenceGone(error);
  }
  return fromFilesystem(error);
}

/** Postgres SQLSTATEs of a server that is shutting down, starting, or has no connection left. */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Postgres (Bun's client): `disk_full` (53100); `foreign_key_violation` (23503); a connection
 * that could not be made or was lost (SQLSTATE class 08, Bun's connection codes, a server
 * shutting down).
 */
export function fromPostgres(error: unknown): unknown {
  const e = error as { errno?: unknown; code?: unknown } | null;
  const state = typeof e?.errno === "string" ? e.errno : "";
  const code = typeof e?.code === "string" ? e.code : "";
  if (state === "53100") return new StorageFull(error);
  if (state === "23503") return new ReferenceGone(error);
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
