import { narrowPrefix, pathAllowed, redactChange, requirePath } from "../../domain/access";
import {
  type AppError,
  badRequest,
  destinationExists,
  entryNotFound,
  folderAtDestination,
  folderAtPath,
} from "../../domain/errors";
import { ancestorsOf, isFolderPath, nameOf, parentOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { WriteConditions } from "../../lib/conditions";
import { newId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { BlobStore } from "../../storage/blob/blob-store";
import { BlobTooLarge } from "../../storage/blob/errors";
import type { EventFilter, EventRow } from "../../storage/db/events";
import type { FileRow, Scope } from "../../storage/db/files";
import { copyTree } from "./copy";
import type { QuotaView } from "./quota";
import type { Reclaimer } from "./reclaim";
import { refuseReservedRoot } from "./reserved";
import { DOWNLOAD_URL_TTL_S } from "./retention";
import { type FileRepos, TreeWrites } from "./tree";

export type { FileRepos } from "./tree";

export interface StoredObject {
  objectKey: string;
  size: number;
  etag: string;
  contentType: string;
}

export interface CommitResult {
  path: string;
  name: string;
  size: number;
  tx: number;
  time: number;
}

/** An event row as a credential may see it: a redacted end of a move or copy is null (redactChange). */
export type LoggedEvent = Omit<EventRow, "path"> & { path: string | null };

export const scopeOf = (principal: Principal): Scope => ({ account: principal.accountId, space: principal.space });

/**
 * Content type from the uploader, else guessed from the file name. A type with characters
 * outside printable ASCII is refused (400): no HTTP client could send it back in the
 * Content-Type header a signed upload URL binds, so the URL would fail for everyone.
 */
export function contentTypeFor(path: string, given?: string | null): string {
  if (given && !/^[\x20-\x7e]*$/.test(given)) {
    throw badRequest("content_type may hold only printable ASCII characters");
  }
  const trimmed = given?.trim();
  if (trimmed && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(trimmed) && trimmed.length <= 255) return trimmed;
  return Bun.file(nameOf(path)).type || "application/octet-stream";
}

/**
 * The file tree of one account space. Every change (upload, move, copy, mkdir, delete)
 * takes the space's next `tx` and writes its event row in the same SQLite transaction,
 * where its conditions (If-Match / If-None-Match) are decided too; bytes a change leaves
 * unreferenced are removed from the blob store only after the commit.
 */
export class FileService {
  readonly #tree: TreeWrites;

  constructor(
    private readonly repos: FileRepos,
    private readonly blobs: BlobStore,
    private readonly reclaimer: Reclaimer,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#tree = new TreeWrites(repos);
  }

  /** A file or folder row the principal may see; 404 when absent. */
  stat(principal: Principal, path: string): FileRow {
    const row = this.find(principal, path);
    if (!row) throw entryNotFound(path);
    return row;
  }

  /** A row by its id within the principal's space and prefix, or null (share links follow a file by id). */
  byId(principal: Principal, id: number): FileRow | null {
    const row = this.repos.files.byId(scopeOf(principal), id);
    return row && pathAllowed(principal, row.path) ? row : null;
  }

  /** The row at a path the principal may see, or null when there is none. */
  find(principal: Principal, path: string): FileRow | null {
    requirePath(principal, path);
    return this.repos.files.get(scopeOf(principal), path);
  }

  list(principal: Principal, requestedPrefix: string, limit: number, offset: number) {
    const prefix = narrowPrefix(principal, requestedPrefix);
    const slash = prefix.lastIndexOf("/");
    const parent = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    const rows = this.repos.files.listChildren(scopeOf(principal), parent, namePrefix, limit + 1, offset);
    return { prefix, rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** A folder and everything under it, in path order. */
  subtree(principal: Principal, folder: string): FileRow[] {
    requirePath(principal, folder);
    return this.repos.files.listUnder(scopeOf(principal), folder);
  }

  search(principal: Principal, query: string, limit: number): FileRow[] {
    // Paths never hold control characters, and a NUL would cut the full-text query short.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(query)) throw badRequest("Search query contains a control character");
    if (!query.isWellFormed()) throw badRequest("Search query is not valid UTF-8");
    const terms = query.normalize("NFC").split(/\s+/).filter(Boolean).slice(0, 16);
    if (terms.length === 0) throw badRequest("Search query must not be empty");
    return this.repos.files.search(scopeOf(principal), terms, principal.prefix, limit);
  }

  /** Files and bytes the credential sees (its space, its prefix), with the account's quota and usage. */
  stats(principal: Principal): { files: number; bytes: number; version_bytes: number; quota: QuotaView } {
    const quota = this.repos.quotas.view(principal.accountId);
    if (principal.prefix !== "") {
      const under = this.repos.files.totalsUnder(scopeOf(principal), principal.prefix);
      const versionBytes = this.repos.versions.bytesOnlyUnder(scopeOf(principal), principal.prefix);
      return { ...under, version_bytes: versionBytes, quota };
    }
    const { files, bytes, version_bytes } = this.repos.spaces.totals(scopeOf(principal));
    return { files, bytes, version_bytes, quota };
  }

  /**
   * The early quota check, before any byte is accepted: 507 unless `bytes` more (unknown:
   * undefined) and, for a new file, one more file fit. An overwrite of `path` counts the
   * difference. The final word is the commit's transaction (TreeWrites.count).
   */
  requireRoom(scope: Scope, path: string, bytes?: number): void {
    const existing = this.repos.files.get(scope, path);
    this.repos.quotas.requireRoom(scope.account, { bytes, newFile: !existing, freed: existing?.size ?? 0 });
  }

  /** The 507 for an account over its quota, naming its limits and usage. */
  quotaExceeded(accountId: number): AppError {
    return this.repos.quotas.exceeded(accountId);
  }

  /** The most bytes a write to `path` may bring under the account's quota; undefined for no limit. */
  bytesRoom(scope: Scope, path: string): number | undefined {
    const room = this.repos.quotas.room(scope.account).bytes;
    return room === undefined ? undefined : room + (this.repos.files.get(scope, path)?.size ?? 0);
  }

  /**
   * Which events a principal may see when it asks for `path` — one file, or a folder or
   * prefix (`asPrefix` always means "everything under it"): the key's prefix narrows the
   * request, 403 outside it. The log, the live feed and webhooks all filter with this.
   */
  logFilter(principal: Principal, path?: string, asPrefix = false): EventFilter {
    if (path === undefined) return { path: principal.prefix, exact: false };
    const narrowed = narrowPrefix(principal, path);
    return { path: narrowed, exact: !asPrefix && narrowed !== "" && !isFolderPath(narrowed) && narrowed === path };
  }

  /** The space's events; for a prefix-limited credential only those touching its prefix, redacted (redactChange). */
  log(principal: Principal, options: { path?: string; sinceTx: number; limit: number }): LoggedEvent[] {
    const rows = this.readLog(principal, this.logFilter(principal, options.path), options.sinceTx, options.limit);
    return rows.map((row) => redactChange(principal, row as LoggedEvent));
  }

  /**
   * Events after `sinceTx` in the principal's space that pass a filter made by `logFilter`,
   * not yet redacted: whoever sends them applies `redactChange` (the feed does, per event).
   */
  readLog(principal: Principal, filter: EventFilter, sinceTx: number, limit: number): EventRow[] {
    const scope = scopeOf(principal);
    if (filter.path === "") return this.repos.events.since(scope, sinceTx, limit);
    return this.repos.events.forPath(scope, filter.path, filter.exact, sinceTx, limit);
  }

  /** The newest tx of the principal's space: where a live feed without `since_tx` starts. */
  latestTx(principal: Principal): number {
    return this.repos.events.latestTx(scopeOf(principal));
  }

  mkdir(principal: Principal, path: string): { path: string; created: boolean; tx?: number } {
    requirePath(principal, path);
    refuseReservedRoot(path);
    const scope = scopeOf(principal);
    return this.#tree.transaction(() => {
      if (this.repos.files.get(scope, path)) return { path, created: false };
      this.#tree.assertNoFileAt(scope, path.slice(0, -1));
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.#tree.ensureFolders(scope, [...ancestorsOf(path), path], tx, now);
      this.repos.events.append(scope, { tx, action: "mkdir", path, dest: null, size: null, msg: null, ts: now });
      return { path, created: true, tx };
    });
  }

  /**
   * Answers 412 now when the conditions already fail, before a client streams bytes that
   * would be thrown away. Only a hint: the commit decides again inside its transaction.
   */
  precheck(principal: Principal, path: string, conditions: WriteConditions): void {
    requirePath(principal, path);
    refuseReservedRoot(path);
    if (conditions.ifMatch === undefined && conditions.ifNoneMatch === undefined) return;
    const row = this.repos.files.get(scopeOf(principal), path);
    this.#tree.requireConditions(row, conditions.ifMatch, conditions.ifNoneMatch);
  }

  /**
   * Makes stored bytes visible at `path`, replacing any previous file atomically, if the
   * conditions hold for the file as it is inside the transaction (412 otherwise).
   * If the metadata commit fails the new bytes are deleted; on success the replaced bytes
   * are, unless a copy still uses them.
   */
  async commitObject(
    principal: Principal,
    path: string,
    object: StoredObject,
    message?: string,
    conditions: WriteConditions = {},
  ): Promise<CommitResult> {
    let orphaned: string[] = [];
    let result: CommitResult;
    try {
      requirePath(principal, path);
      refuseReservedRoot(path);
      const scope = scopeOf(principal);
      result = this.#tree.transaction(() => {
        const existing = this.repos.files.get(scope, path);
        this.#tree.requireConditions(existing, conditions.ifMatch, conditions.ifNoneMatch);
        if (this.repos.files.get(scope, `${path}/`)) throw folderAtPath();
        const now = this.now();
        const tx = this.repos.spaces.nextTx(scope);
        this.#tree.ensureFolders(scope, ancestorsOf(path), tx, now);
        const content = {
          object_key: object.objectKey,
          size: object.size,
          content_type: object.contentType,
          etag: object.etag,
          tx,
          updated_at: now,
        };
        if (existing) {
          this.#tree.retire(scope, [existing], { tx, at: now, by: "upload" });
          this.repos.files.updateContent(existing.id, content);
          this.#tree.count(scope, 0, object.size - existing.size);
          if (existing.object_key && existing.object_key !== object.objectKey) {
            orphaned = this.#tree.release(scope, [existing.object_key], now);
          }
        } else {
          this.repos.files.insert({
            account_id: scope.account,
            space: scope.space,
            path,
            parent: parentOf(path),
            name: nameOf(path),
            type: "file",
            ...content,
          });
          this.#tree.count(scope, 1, object.size);
        }
        this.repos.events.append(scope, {
          tx,
          action: "upload",
          path,
          dest: null,
          size: object.size,
          msg: message ?? null,
          ts: now,
        });
        return { path, name: nameOf(path), size: object.size, tx, time: now };
      });
    } catch (error) {
      await this.#deleteBlobs([object.objectKey]);
      throw error;
    }
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /** One-step upload: streams the body into a new object, then commits it. */
  async putStream(
    principal: Principal,
    path: string,
    body: ReadableStream<Uint8Array>,
    options: {
      contentType?: string | null;
      maxBytes?: number;
      /** The body's Content-Length when the client sent one: over the quota is 507 before a byte is read. */
      declaredBytes?: number;
      message?: string;
      conditions?: WriteConditions;
    },
  ): Promise<CommitResult> {
    const conditions = options.conditions ?? {};
    this.precheck(principal, path, conditions);
    const scope = scopeOf(principal);
    if (this.repos.files.get(scope, `${path}/`)) throw folderAtPath();
    this.requireRoom(scope, path, options.declaredBytes);
    const objectKey = newId();
    const contentType = contentTypeFor(path, options.contentType);
    // Bytes written but not yet committed are nobody's: keep the garbage collector off them.
    const release = this.reclaimer.hold(objectKey);
    try {
      const stat = await this.#putWithin(scope, path, objectKey, body, contentType, options.maxBytes);
      return await this.commitObject(
        principal,
        path,
        { objectKey, size: stat.size, etag: stat.etag, contentType },
        options.message,
        conditions,
      );
    } finally {
      release();
    }
  }

  /**
   * Streams a body into a new object, stopping it as soon as it passes `maxBytes` (413) or the
   * account's quota (507) — whichever is smaller — so an unknown-length body cannot fill the disk.
   */
  async #putWithin(
    scope: Scope,
    path: string,
    objectKey: string,
    body: ReadableStream<Uint8Array>,
    contentType: string,
    maxBytes: number | undefined,
  ) {
    const room = this.bytesRoom(scope, path);
    const quotaBinds = room !== undefined && (maxBytes === undefined || room < maxBytes);
    try {
      return await this.blobs.putStream(objectKey, body, {
        contentType,
        maxBytes: quotaBinds ? room : maxBytes,
        metadataKeepsStat: true,
      });
    } catch (error) {
      if (quotaBinds && error instanceof BlobTooLarge) {
        throw this.repos.quotas.exceeded(scope.account);
      }
      throw error;
    }
  }

  /** Renames a file or folder. `If-Match` names the source's ETag; `If-None-Match: *` guards the destination. */
  async move(principal: Principal, from: string, to: string, message?: string, conditions: WriteConditions = {}) {
    checkTransfer(principal, from, to, "move");
    const scope = scopeOf(principal);
    return this.#tree.transaction(() => {
      const source = this.repos.files.get(scope, from);
      if (!source) throw entryNotFound(from);
      this.#tree.requireConditions(source, conditions.ifMatch);
      const dest = this.repos.files.get(scope, to);
      this.#tree.requireConditions(dest, undefined, conditions.ifNoneMatch);
      if (dest) throw destinationExists();
      if (isFolderPath(to)) this.#tree.assertNoFileAt(scope, to.slice(0, -1));
      else if (this.repos.files.get(scope, `${to}/`)) throw folderAtDestination();
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.#tree.ensureFolders(scope, ancestorsOf(to), tx, now);
      const moved = isFolderPath(from) ? this.repos.files.listUnder(scope, from) : [source];
      this.#tree.retire(scope, moved, { tx, at: now, by: "move" });
      if (isFolderPath(from)) this.repos.files.movePrefix(scope, from, to, tx, now);
      else this.repos.files.moveFile(source, to, parentOf(to), nameOf(to), tx, now);
      this.repos.events.append(scope, {
        tx,
        action: "move",
        path: from,
        dest: to,
        size: source.size,
        msg: message ?? null,
        ts: now,
      });
      return { from, to, tx, time: now };
    });
  }

  /**
   * Copies a file, or a folder and everything in it, in one tx with one `copy` event.
   * Same conditions as a move. See ./copy.ts for how bytes are (not) copied.
   */
  async copy(principal: Principal, from: string, to: string, message?: string, conditions: WriteConditions = {}) {
    checkTransfer(principal, from, to, "copy");
    return copyTree(
      { tree: this.#tree, blobs: this.blobs, now: this.now, deleteBlobs: (keys) => this.#deleteBlobs(keys) },
      scopeOf(principal),
      { from, to, message, conditions },
    );
  }

  /** Deletes a file, or a folder and everything under it; `deleted` counts the files removed. */
  async remove(
    principal: Principal,
    path: string,
    conditions: WriteConditions = {},
  ): Promise<{ deleted: number; tx: number; time: number }> {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    let orphaned: string[] = [];
    const result = this.#tree.transaction(() => {
      const target = this.repos.files.get(scope, path);
      const rows = isFolderPath(path) ? this.repos.files.listUnder(scope, path) : target ? [target] : [];
      if (rows.length === 0) throw entryNotFound(path);
      this.#tree.requireConditions(target, conditions.ifMatch, conditions.ifNoneMatch);
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.#tree.retire(scope, rows, { tx, at: now, by: "delete" });
      let files = 0;
      let bytes = 0;
      const keys: string[] = [];
      for (const row of rows) {
        this.repos.files.delete(row);
        if (row.type === "file") {
          files++;
          bytes += row.size;
          if (row.object_key) keys.push(row.object_key);
        }
      }
      this.#tree.count(scope, -files, -bytes);
      orphaned = this.#tree.release(scope, keys, now);
      this.repos.events.append(scope, { tx, action: "delete", path, dest: null, size: bytes, msg: null, ts: now });
      return { deleted: files, tx, time: now };
    });
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /** Keeps the garbage collector off an object this process is about to commit; call the result when done. */
  holdObject(objectKey: string): () => void {
    return this.reclaimer.hold(objectKey);
  }

  /** True while a file or a version points at this stored object: its bytes must stay. */
  usesObject(objectKey: string): boolean {
    return this.repos.files.usesObject(objectKey) || this.repos.versions.objectSize(objectKey) !== null;
  }

  /** A short-lived signed download URL for a file row (or a version in that shape). */
  downloadUrl(row: FileRow, baseUrl: string, expiresIn = DOWNLOAD_URL_TTL_S): Promise<string> {
    const object = this.downloadable(row);
    return this.blobs.signedUrl(object.key, {
      method: "GET",
      expiresIn,
      baseUrl,
      contentType: object.contentType,
      filename: row.name,
      stat: object.stat,
    });
  }

  /** The stored object a file row's download serves, as the metadata knows it; 400 for a folder. */
  downloadable(row: FileRow): { key: string; contentType: string; stat?: { size: number; etag: string } } {
    if (row.type !== "file" || !row.object_key) throw badRequest("Path is a folder; list it with GET /files?prefix=");
    return {
      key: row.object_key,
      contentType: row.content_type ?? "application/octet-stream",
      stat: row.etag ? { size: row.size, etag: row.etag } : undefined,
    };
  }

  async #deleteBlobs(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.blobs.delete(key);
      } catch (error) {
        // The metadata is already consistent; a leftover object is only wasted space.
        this.logger.error("could not delete stored object", { object_key: key, error: String(error) });
      }
    }
  }
}

/** The rules a move and a copy share: both paths allowed, same kind, not onto or into itself, no reserved destination. */
function checkTransfer(principal: Principal, from: string, to: string, verb: "move" | "copy"): void {
  requirePath(principal, from);
  requirePath(principal, to);
  if (isFolderPath(from) !== isFolderPath(to))
    throw badRequest(
      `${verb === "move" ? "Move" : "Copy"} a file to a file path and a folder to a folder path (ending with '/')`,
    );
  if (from === to) throw badRequest("Source and destination are the same");
  if (isFolderPath(from) && to.startsWith(from)) throw badRequest(`Cannot ${verb} a folder into itself`);
  refuseReservedRoot(to);
}
