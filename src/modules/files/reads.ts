import { narrowPrefix, requirePath } from "../../domain/access";
import { badRequest, entryNotFound, fileIsFolder } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import type { Principal } from "../../domain/principal";
import { type Awaitable, andThen } from "../../lib/awaitable";
import type { BlobStore } from "../../storage/blob/blob-store";
import type { Metadata } from "../../storage/db/metadata";
import type { Quotas, QuotaView } from "./quota";
import { scopeOf } from "./request";
import { DOWNLOAD_URL_TTL_S } from "./retention";

/** Reads of the file tree as a principal may see it: its space, inside its prefix. */
export class FileReads {
  constructor(
    private readonly metadata: Metadata,
    private readonly quotas: Quotas,
    private readonly blobs: BlobStore,
  ) {}

  /**
   * A file or folder row the principal may see; 404 when absent, naming the folder when a file
   * path was given for one (`docs` for `docs/`). At once on the embedded engine.
   */
  stat(principal: Principal, path: string): Awaitable<StoredEntry> {
    return andThen(this.find(principal, path), (row) => {
      if (row) return row;
      if (path.endsWith("/")) throw entryNotFound(path);
      return andThen(this.metadata.read.files.get(scopeOf(principal), `${path}/`), (folder) => {
        throw folder ? fileIsFolder(path) : entryNotFound(path);
      });
    });
  }

  /** The row at a path the principal may see, or null when there is none. At once on the embedded engine. */
  find(principal: Principal, path: string): Awaitable<StoredEntry | null> {
    requirePath(principal, path);
    return this.metadata.read.files.get(scopeOf(principal), path);
  }

  async list(
    principal: Principal,
    requestedPrefix: string,
    limit: number,
    offset: number,
  ): Promise<{ prefix: string; rows: StoredEntry[]; truncated: boolean }> {
    const prefix = narrowPrefix(principal, requestedPrefix);
    const slash = prefix.lastIndexOf("/");
    const parent = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    const rows = await this.metadata.read.files.listChildren(scopeOf(principal), parent, namePrefix, limit + 1, offset);
    return { prefix, rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** A folder and everything under it, in path order. */
  async subtree(principal: Principal, folder: string): Promise<StoredEntry[]> {
    requirePath(principal, folder);
    return this.metadata.read.files.listUnder(scopeOf(principal), folder);
  }

  async search(principal: Principal, query: string, limit: number): Promise<StoredEntry[]> {
    // Paths never hold control characters, and a NUL would cut the full-text query short.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(query)) throw badRequest("Search query contains a control character");
    if (!query.isWellFormed()) throw badRequest("Search query is not valid UTF-8");
    const terms = query.normalize("NFC").split(/\s+/).filter(Boolean).slice(0, 16);
    if (terms.length === 0) throw badRequest("Search query must not be empty");
    return this.metadata.read.files.search(scopeOf(principal), terms, principal.prefix, limit);
  }

  /** Files and bytes the credential sees (its space, its prefix), with the account's quota and usage. */
  async stats(
    principal: Principal,
  ): Promise<{ files: number; bytes: number; version_bytes: number; quota: QuotaView }> {
    const quota = await this.quotas.view(principal.accountId);
    const { files, spaces, versions } = this.metadata.read;
    const scope = scopeOf(principal);
    if (principal.prefix !== "") {
      const under = await files.totalsUnder(scope, principal.prefix);
      return { ...under, version_bytes: await versions.bytesOnlyUnder(scope, principal.prefix), quota };
    }
    const totals = await spaces.totals(scope);
    return { files: totals.files, bytes: totals.bytes, version_bytes: totals.version_bytes, quota };
  }

  /** True while a file or a version points at this stored object: its bytes must stay. */
  async usesObject(objectKey: string): Promise<boolean> {
    const { files, versions } = this.metadata.read;
    return (await files.usesObject(objectKey)) || (await versions.objectSize(objectKey)) !== null;
  }

  /** A short-lived signed download URL for a file row (or a version in that shape). */
  downloadUrl(row: StoredEntry, baseUrl: string, expiresIn = DOWNLOAD_URL_TTL_S): Awaitable<string> {
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
  downloadable(row: StoredEntry): { key: string; contentType: string; stat?: { size: number; etag: string } } {
    if (row.type !== "file" || !row.object_key) throw badRequest("Path is a folder; list it with GET /files?prefix=");
    return {
      key: row.object_key,
      contentType: row.content_type ?? "application/octet-stream",
      stat: row.etag ? { size: row.size, etag: row.etag } : undefined,
    };
  }
}
