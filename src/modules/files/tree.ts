import { requireAccess } from "../../domain/access";
import { changed, destinationExists, fileAtPath, folderAtDestination } from "../../domain/errors";
import { assertUnlocked, type LockedTarget, type LockKey } from "../../domain/locks";
import { isFolderPath, nameOf, parentOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { ConditionTarget, TagCondition } from "../../lib/conditions";
import { ifMatchHolds, ifNoneMatchHolds } from "../../lib/conditions";
import type { EventRow } from "../../storage/db/events";
import type { FileRow, NewFile, Scope } from "../../storage/db/files";
import type { Metadata, WriteOptions } from "../../storage/db/metadata";
import type { Repositories } from "../../storage/db/repositories";
import type { VersionEnd } from "../../storage/db/versions";
import type { Quotas } from "./quota";
import type { Retention, VersionPruner } from "./retention";

/**
 * Steps every change to the file tree shares. They run inside the change's unit of work
 * (`tx`), so what they check (a condition, a file in the way, whether bytes are still used)
 * cannot change before the write commits.
 */
export class TreeWrites {
  constructor(
    readonly metadata: Metadata,
    private readonly quotas: Quotas,
    /** Whether ended versions are kept (see ./retention.ts). */
    readonly retention: Retention,
    /** Gives up versions when a write needs their quota room. */
    readonly pruner: VersionPruner,
  ) {}

  /** Runs one change as one unit of work (see docs/architecture.md, "Transactions"). */
  write<T>(work: (tx: Repositories) => Promise<T>, options?: WriteOptions): Promise<T> {
    return this.metadata.write(work, options);
  }

  /** Conditional-request rule: 412 `precondition_failed` unless both conditions hold for `target`. */
  requireConditions(target: ConditionTarget, ifMatch?: TagCondition, ifNoneMatch?: TagCondition): void {
    if (!ifMatchHolds(ifMatch, target) || !ifNoneMatchHolds(ifNoneMatch, target)) {
      throw changed(
        target === null
          ? "The file does not exist (If-Match)"
          : "The file changed or already exists (If-Match / If-None-Match)",
      );
    }
  }

  /**
   * The lock rule (domain/locks.ts) for a change to `targets`, decided in the change's unit
   * of work so a LOCK cannot slip in before it commits: 423 unless `key` holds every lock on
   * them. One indexed read of the space's locks, which usually finds none.
   */
  async assertUnlocked(tx: Repositories, scope: Scope, targets: LockedTarget[], key: LockKey, now: number) {
    assertUnlocked(await tx.davLocks.active(scope, now), targets, key);
  }

  /** A path deleted or moved away is no longer locked (RFC 4918 §7): its locks, and those inside a folder, go. */
  dropLocks(tx: Repositories, scope: Scope, path: string): Promise<void> {
    return tx.davLocks.deleteUnder(scope, path);
  }

  /**
   * Changes the space's file and byte counters; when they grow, the account's quota is
   * checked right there, in the change's transaction (507, and the change rolls back).
   */
  async count(tx: Repositories, scope: Scope, files: number, bytes: number): Promise<void> {
    await tx.spaces.adjust(scope, files, bytes);
    if (files > 0 || bytes > 0) await this.#withinQuota(tx, scope);
  }

  /** The quota check; the account's oldest versions give their room up first. */
  #withinQuota(tx: Repositories, scope: Scope): Promise<void> {
    return this.quotas.assertWithin(tx, scope.account, (bytes) => this.pruner.evict(tx, scope.account, bytes));
  }

  /**
   * Keeps `rows` as versions ended by `end` when versioning is on; call in the change's
   * unit of work before the rows change. The versions keep the rows' objects, so `release`
   * then finds them still referenced and nothing is copied or deleted.
   */
  async retire(tx: Repositories, scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): Promise<void> {
    if (this.retention.enabled()) await tx.versions.record(scope, rows, end);
  }

  /**
   * File rows are about to name `keys` again (a restore): bytes only versions held are
   * current again. Call before the change deletes or inserts any row: a key a file still
   * names was never counted as version bytes, even if the change is about to delete that
   * file (its `release` then finds the key named again and counts nothing either).
   */
  async adopt(tx: Repositories, scope: Scope, keys: Iterable<string>): Promise<void> {
    let adopted = 0;
    for (const key of new Set(keys)) {
      if (await tx.files.usesObject(key)) continue;
      adopted += (await tx.versions.objectSize(key)) ?? 0;
    }
    await tx.spaces.adjustVersionBytes(scope, -adopted);
  }

  /** Inserts the row of `path` in `scope`; its parent and name follow from the path. */
  insert(tx: Repositories, scope: Scope, path: string, entry: Omit<NewFile, PlacedBy>): Promise<number> {
    const { account, space } = scope;
    return tx.files.insert({ account_id: account, space, path, parent: parentOf(path), name: nameOf(path), ...entry });
  }

  /** Deletes `rows`; returns the files and bytes they held and the objects they named (for `count` and `release`). */
  async deleteRows(tx: Repositories, rows: FileRow[]): Promise<{ files: number; bytes: number; keys: string[] }> {
    const gone = { files: 0, bytes: 0, keys: [] as string[] };
    for (const row of rows) {
      await tx.files.delete(row);
      if (row.type !== "file") continue;
      gone.files++;
      gone.bytes += row.size;
      if (row.object_key) gone.keys.push(row.object_key);
    }
    return gone;
  }

  /**
   * What a move or copy finds at its destination `to`: the entry there, or one of the other kind
   * under the same name (a folder `to/` for a file path, a file for a folder path), on which
   * If-None-Match is decided. Without `replacer` an entry there is a 409. With it (WebDAV's
   * `Overwrite: T`) the entry and everything in it are returned, for `replace` to delete in the
   * same unit of work. Security rule: replacing deletes, so it needs the replacer's
   * `files:delete` scope, as a delete does.
   */
  async destination(
    tx: Repositories,
    scope: Scope,
    to: string,
    ifNoneMatch: TagCondition | undefined,
    replacer: Principal | null,
  ): Promise<FileRow[]> {
    const other = isFolderPath(to) ? to.slice(0, -1) : `${to}/`;
    const rows = await this.lookup(tx, scope, [to, other]);
    const dest = rows.get(to) ?? null;
    if (replacer === null) {
      this.requireConditions(dest, undefined, ifNoneMatch);
      if (dest) throw destinationExists();
      if (rows.has(other)) throw isFolderPath(to) ? fileAtPath(other) : folderAtDestination();
      return [];
    }
    const found = dest ?? rows.get(other) ?? null;
    this.requireConditions(found, undefined, ifNoneMatch);
    if (!found) return [];
    requireAccess(replacer, "files:delete");
    return found.type === "folder" ? tx.files.listUnder(scope, found.path) : [found];
  }

  /**
   * Deletes what a move or copy replaces (`destination`) as a delete would: kept as versions
   * ended by `delete`, counted off the space. Returns the objects they named, to `release` once
   * the change's new rows are in (a copy may name the same objects again).
   */
  async replace(tx: Repositories, scope: Scope, rows: FileRow[], txNumber: number, now: number): Promise<string[]> {
    if (rows.length === 0) return [];
    await this.retire(tx, scope, rows, { tx: txNumber, at: now, by: "delete" });
    const { files, bytes, keys } = await this.deleteRows(tx, rows);
    await this.count(tx, scope, -files, -bytes);
    return keys;
  }

  /** Appends the change's one event row; a destination, size or message it does not give is null. */
  log(tx: Repositories, scope: Scope, event: Pick<EventRow, "tx" | "action" | "path" | "ts"> & Partial<EventRow>) {
    return tx.events.append(scope, { dest: null, size: null, msg: null, ...event });
  }

  async assertNoFileAt(tx: Repositories, scope: Scope, path: string): Promise<void> {
    if (await tx.files.get(scope, path)) throw fileAtPath(path);
  }

  /** The rows at `paths` by path, read in one statement. */
  async lookup(tx: Repositories, scope: Scope, paths: readonly string[]): Promise<Map<string, FileRow>> {
    return new Map((await tx.files.getMany(scope, paths)).map((row) => [row.path, row]));
  }

  /**
   * Creates the folders that do not exist yet (`folders` from the root down); a file in the
   * way is a 409. `known`: rows the caller has just read in the same unit of work (`lookup`).
   *
   * A folder's row exists only while its parent folder's does: folders are created here,
   * ancestors first, and a delete or a move takes a folder's whole subtree. So when `known`
   * holds the deepest of `folders`, every one of them exists and no file is in their way,
   * and nothing more is read; otherwise all of them are read.
   */
  async ensureFolders(
    tx: Repositories,
    scope: Scope,
    folders: string[],
    txNumber: number,
    now: number,
    known?: ReadonlyMap<string, FileRow>,
  ) {
    if (folders.length === 0 || known?.has(folders[folders.length - 1] as string)) return;
    const rows = await this.lookup(tx, scope, folderPaths(folders));
    for (const folder of folders) {
      if (rows.has(folder)) continue;
      const fileAt = folder.slice(0, -1);
      if (rows.has(fileAt)) throw fileAtPath(fileAt);
      await this.insert(tx, scope, folder, {
        type: "folder",
        object_key: null,
        size: 0,
        content_type: null,
        etag: null,
        tx: txNumber,
        updated_at: now,
      });
    }
  }

  /**
   * Queues for reclaim the keys among `keys` that no file row and no version uses any more,
   * and returns them; those only versions still use count as the space's version bytes.
   * Copies share objects, so bytes a change drops may still belong to another file;
   * asked after the change's own rows are gone and before commit, the answer cannot be
   * outdated (no new row can adopt a key nothing references), and the queue row commits
   * with the change, so the bytes are deleted even if lightd stops right after.
   */
  async release(tx: Repositories, scope: Scope, keys: Iterable<string>, now: number): Promise<string[]> {
    const unused: string[] = [];
    let versionBytes = 0;
    for (const key of new Set(keys)) {
      if (await tx.files.usesObject(key)) continue;
      const size = await tx.versions.objectSize(key);
      if (size === null) unused.push(key);
      else versionBytes += size;
    }
    await tx.reclaim.enqueue(unused, now);
    if (versionBytes > 0) {
      await tx.spaces.adjustVersionBytes(scope, versionBytes);
      await this.#withinQuota(tx, scope);
    }
    return unused;
  }
}

/** The fields of a new row that its scope and path decide. */
type PlacedBy = "account_id" | "space" | "path" | "parent" | "name";

/** What ensureFolders looks at for `folders`: each folder, and the file path that would be in its way. */
function folderPaths(folders: readonly string[]): string[] {
  return folders.flatMap((folder) => [folder, folder.slice(0, -1)]);
}
