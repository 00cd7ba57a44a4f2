import type { Database } from "bun:sqlite";
import { badRequest, conflict, notFound } from "../../errors";
import { newId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import {
  ancestorsOf,
  isFolderPath,
  nameOf,
  normalizePath,
  normalizePrefix,
  PathError,
  parentOf,
} from "../../lib/paths";
import type { BlobStore } from "../../storage/blob/blob-store";
import type { EventRepository, EventRow } from "../../storage/db/events";
import type { FileRepository, FileRow, Scope } from "../../storage/db/files";
import type { SpaceRepository } from "../../storage/db/spaces";
import { narrowPrefix, requirePath } from "../auth/access";
import type { Principal } from "../auth/principal";

export interface FileRepos {
  db: Database;
  files: FileRepository;
  spaces: SpaceRepository;
  events: EventRepository;
}

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

export const scopeOf = (principal: Principal): Scope => ({ account: principal.accountId, space: principal.space });

/** A path from a request, validated: bad paths are 400 before anything touches the DB or disk. */
export function requestPath(input: unknown, expect?: "file" | "folder"): string {
  try {
    return normalizePath(input, expect);
  } catch (error) {
    if (error instanceof PathError) throw badRequest(`Invalid path: ${error.message}`);
    throw error;
  }
}

export function requestPrefix(input: unknown): string {
  try {
    return normalizePrefix(input);
  } catch (error) {
    if (error instanceof PathError) throw badRequest(`Invalid prefix: ${error.message}`);
    throw error;
  }
}

/** Content type from the uploader, else guessed from the file name. */
export function contentTypeFor(path: string, given?: string | null): string {
  const trimmed = given?.trim();
  if (trimmed && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(trimmed) && trimmed.length <= 255) return trimmed;
  return Bun.file(nameOf(path)).type || "application/octet-stream";
}

/**
 * The file tree of one account space. Every change (upload, move, mkdir, delete) takes
 * the space's next `tx` and writes its event row in the same SQLite transaction; bytes
 * a change orphans are removed from the blob store only after the commit.
 */
export class FileService {
  constructor(
    private readonly repos: FileRepos,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A file or folder row the principal may see; 404 when absent. */
  stat(principal: Principal, path: string): FileRow {
    requirePath(principal, path);
    const row = this.repos.files.get(scopeOf(principal), path);
    if (!row) throw notFound(isFolderPath(path) ? "Folder not found" : "File not found");
    return row;
  }

  list(principal: Principal, requestedPrefix: string, limit: number, offset: number) {
    const prefix = narrowPrefix(principal, requestedPrefix);
    const slash = prefix.lastIndexOf("/");
    const parent = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    const rows = this.repos.files.listChildren(scopeOf(principal), parent, namePrefix, limit + 1, offset);
    return { prefix, rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  search(principal: Principal, query: string, limit: number): FileRow[] {
    const terms = query.normalize("NFC").split(/\s+/).filter(Boolean).slice(0, 16);
    if (terms.length === 0) throw badRequest("Search query must not be empty");
    return this.repos.files.search(scopeOf(principal), terms, principal.prefix, limit);
  }

  stats(principal: Principal): { files: number; bytes: number } {
    if (principal.prefix !== "") return this.repos.files.totalsUnder(scopeOf(principal), principal.prefix);
    const { files, bytes } = this.repos.spaces.totals(scopeOf(principal));
    return { files, bytes };
  }

  log(principal: Principal, options: { path?: string; sinceTx: number; limit: number }): EventRow[] {
    const scope = scopeOf(principal);
    if (options.path !== undefined) {
      const path = narrowPrefix(principal, options.path);
      const exact = path !== "" && !isFolderPath(path) && path === options.path;
      return this.repos.events.forPath(scope, path, exact, options.sinceTx, options.limit);
    }
    if (principal.prefix !== "")
      return this.repos.events.forPath(scope, principal.prefix, false, options.sinceTx, options.limit);
    return this.repos.events.since(scope, options.sinceTx, options.limit);
  }

  mkdir(principal: Principal, path: string): { path: string; created: boolean; tx?: number } {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    return this.#transaction(() => {
      if (this.repos.files.get(scope, path)) return { path, created: false };
      this.#assertNoFileAt(scope, path.slice(0, -1));
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.#ensureFolders(scope, [...ancestorsOf(path), path], tx, now);
      this.repos.events.append(scope, { tx, action: "mkdir", path, dest: null, size: null, msg: null, ts: now });
      return { path, created: true, tx };
    });
  }

  /**
   * Makes stored bytes visible at `path`, replacing any previous file atomically.
   * If the metadata commit fails the new bytes are deleted; on success the replaced bytes are.
   */
  async commitObject(
    principal: Principal,
    path: string,
    object: StoredObject,
    message?: string,
  ): Promise<CommitResult> {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    let replacedKey: string | null = null;
    let result: CommitResult;
    try {
      result = this.#transaction(() => {
        if (this.repos.files.get(scope, `${path}/`)) throw conflict("A folder exists at this path");
        const now = this.now();
        const tx = this.repos.spaces.nextTx(scope);
        this.#ensureFolders(scope, ancestorsOf(path), tx, now);
        const existing = this.repos.files.get(scope, path);
        const content = {
          object_key: object.objectKey,
          size: object.size,
          content_type: object.contentType,
          etag: object.etag,
          tx,
          updated_at: now,
        };
        if (existing) {
          replacedKey = existing.object_key;
          this.repos.files.updateContent(existing.id, content);
          this.repos.spaces.adjust(scope, 0, object.size - existing.size);
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
          this.repos.spaces.adjust(scope, 1, object.size);
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
    if (replacedKey && replacedKey !== object.objectKey) await this.#deleteBlobs([replacedKey]);
    return result;
  }

  /** One-step upload: streams the body into a new object, then commits it. */
  async putStream(
    principal: Principal,
    path: string,
    body: ReadableStream<Uint8Array>,
    options: { contentType?: string | null; maxBytes?: number; message?: string },
  ): Promise<CommitResult> {
    requirePath(principal, path);
    if (this.repos.files.get(scopeOf(principal), `${path}/`)) throw conflict("A folder exists at this path");
    const objectKey = newId();
    const contentType = contentTypeFor(path, options.contentType);
    const stat = await this.blobs.putStream(objectKey, body, { contentType, maxBytes: options.maxBytes });
    return this.commitObject(
      principal,
      path,
      { objectKey, size: stat.size, etag: stat.etag, contentType },
      options.message,
    );
  }

  async move(principal: Principal, from: string, to: string, message?: string) {
    requirePath(principal, from);
    requirePath(principal, to);
    if (isFolderPath(from) !== isFolderPath(to))
      throw badRequest("Move a file to a file path and a folder to a folder path (ending with '/')");
    if (from === to) throw badRequest("Source and destination are the same");
    if (isFolderPath(from) && to.startsWith(from)) throw badRequest("Cannot move a folder into itself");
    const scope = scopeOf(principal);
    return this.#transaction(() => {
      const source = this.repos.files.get(scope, from);
      if (!source) throw notFound(isFolderPath(from) ? "Folder not found" : "File not found");
      if (this.repos.files.get(scope, to)) throw conflict("Destination already exists");
      if (isFolderPath(to)) this.#assertNoFileAt(scope, to.slice(0, -1));
      else if (this.repos.files.get(scope, `${to}/`)) throw conflict("A folder exists at the destination");
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.#ensureFolders(scope, ancestorsOf(to), tx, now);
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

  /** Deletes a file, or a folder and everything under it. */
  async remove(principal: Principal, path: string): Promise<{ deleted: number; tx: number; time: number }> {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    const orphaned: string[] = [];
    const result = this.#transaction(() => {
      const single = isFolderPath(path) ? null : this.repos.files.get(scope, path);
      const rows = isFolderPath(path) ? this.repos.files.listUnder(scope, path) : single ? [single] : [];
      if (rows.length === 0) throw notFound(isFolderPath(path) ? "Folder not found" : "File not found");
      let files = 0;
      let bytes = 0;
      for (const row of rows) {
        this.repos.files.delete(row);
        if (row.type === "file") {
          files++;
          bytes += row.size;
          if (row.object_key) orphaned.push(row.object_key);
        }
      }
      const now = this.now();
      const tx = this.repos.spaces.nextTx(scope);
      this.repos.spaces.adjust(scope, -files, -bytes);
      this.repos.events.append(scope, { tx, action: "delete", path, dest: null, size: bytes, msg: null, ts: now });
      return { deleted: rows.length, tx, time: now };
    });
    await this.#deleteBlobs(orphaned);
    return result;
  }

  /** True while a file row points at this stored object. */
  usesObject(objectKey: string): boolean {
    return this.repos.files.usesObject(objectKey);
  }

  /** A short-lived signed download URL for a file row. */
  downloadUrl(row: FileRow, baseUrl: string, expiresIn = 300): Promise<string> {
    if (row.type !== "file" || !row.object_key) throw badRequest("Path is a folder; list it with GET /files?prefix=");
    return this.blobs.signedUrl(row.object_key, {
      method: "GET",
      expiresIn,
      baseUrl,
      contentType: row.content_type ?? "application/octet-stream",
      filename: row.name,
    });
  }

  #assertNoFileAt(scope: Scope, path: string): void {
    if (this.repos.files.get(scope, path)) throw conflict(`A file exists at '${path}'`);
  }

  /** Creates the folders that do not exist yet; a file in the way is a 409. */
  #ensureFolders(scope: Scope, folders: string[], tx: number, now: number): void {
    for (const folder of folders) {
      if (this.repos.files.get(scope, folder)) continue;
      this.#assertNoFileAt(scope, folder.slice(0, -1));
      this.repos.files.insert({
        account_id: scope.account,
        space: scope.space,
        path: folder,
        parent: parentOf(folder),
        name: nameOf(folder),
        type: "folder",
        object_key: null,
        size: 0,
        content_type: null,
        etag: null,
        tx,
        updated_at: now,
      });
    }
  }

  #transaction<T>(fn: () => T): T {
    return this.repos.db.transaction(fn).immediate();
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
