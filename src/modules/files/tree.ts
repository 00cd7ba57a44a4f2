import type { Database } from "bun:sqlite";
import { changed, conflict } from "../../domain/errors";
import { nameOf, parentOf } from "../../domain/paths";
import type { ConditionTarget, TagCondition } from "../../lib/conditions";
import { ifMatchHolds, ifNoneMatchHolds } from "../../lib/conditions";
import type { EventRepository } from "../../storage/db/events";
import type { FileRepository, FileRow, Scope } from "../../storage/db/files";
import type { ReclaimRepository } from "../../storage/db/reclaim";
import type { SpaceRepository } from "../../storage/db/spaces";
import type { VersionEnd, VersionRepository } from "../../storage/db/versions";
import type { Quotas } from "./quota";
import type { Retention, VersionPruner } from "./retention";

export interface FileRepos {
  db: Database;
  files: FileRepository;
  spaces: SpaceRepository;
  events: EventRepository;
  /** Bytes waiting to be deleted from the store (see ./reclaim.ts). */
  reclaim: ReclaimRepository;
  quotas: Quotas;
  /** Ended versions of every path (see ./versions.ts), kept under `retention`. */
  versions: VersionRepository;
  retention: Retention;
  pruner: VersionPruner;
}

/**
 * Steps every change to the file tree shares. They run inside the change's transaction,
 * so what they check (a condition, a file in the way, whether bytes are still used)
 * cannot change before the write commits.
 */
export class TreeWrites {
  constructor(readonly repos: FileRepos) {}

  transaction<T>(fn: () => T): T {
    return this.repos.db.transaction(fn).immediate();
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
   * Changes the space's file and byte counters; when they grow, the account's quota is
   * checked right there, in the change's transaction (507, and the change rolls back).
   */
  count(scope: Scope, files: number, bytes: number): void {
    this.repos.spaces.adjust(scope, files, bytes);
    if (files > 0 || bytes > 0) this.#withinQuota(scope);
  }

  /** The quota check; the account's oldest versions give their room up first. */
  #withinQuota(scope: Scope): void {
    this.repos.quotas.assertWithin(scope.account, (bytes) => this.repos.pruner.evict(scope.account, bytes));
  }

  /**
   * Keeps `rows` as versions ended by `end` when versioning is on; call in the change's
   * transaction before the rows change. The versions keep the rows' objects, so `release`
   * then finds them still referenced and nothing is copied or deleted.
   */
  retire(scope: Scope, rows: Iterable<FileRow>, end: VersionEnd): void {
    if (this.repos.retention.enabled()) this.repos.versions.record(scope, rows, end);
  }

  /**
   * A file row is about to name `objectKey` again (a restore): bytes only versions held are
   * current again. Call before the row changes.
   */
  adopt(scope: Scope, objectKey: string): void {
    if (this.repos.files.usesObject(objectKey)) return;
    const size = this.repos.versions.objectSize(objectKey);
    if (size !== null) this.repos.spaces.adjustVersionBytes(scope, -size);
  }

  assertNoFileAt(scope: Scope, path: string): void {
    if (this.repos.files.get(scope, path)) throw conflict(`A file exists at '${path}'`);
  }

  /** Creates the folders that do not exist yet; a file in the way is a 409. */
  ensureFolders(scope: Scope, folders: string[], tx: number, now: number): void {
    for (const folder of folders) {
      if (this.repos.files.get(scope, folder)) continue;
      this.assertNoFileAt(scope, folder.slice(0, -1));
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

  /**
   * Queues for reclaim the keys among `keys` that no file row and no version uses any more,
   * and returns them; those only versions still use count as the space's version bytes.
   * Copies share objects, so bytes a change drops may still belong to another file;
   * asked after the change's own rows are gone and before commit, the answer cannot be
   * outdated (no new row can adopt a key nothing references), and the queue row commits
   * with the change, so the bytes are deleted even if lightd stops right after.
   */
  release(scope: Scope, keys: Iterable<string>, now: number): string[] {
    const unused: string[] = [];
    let versionBytes = 0;
    for (const key of new Set(keys)) {
      if (this.repos.files.usesObject(key)) continue;
      const size = this.repos.versions.objectSize(key);
      if (size === null) unused.push(key);
      else versionBytes += size;
    }
    this.repos.reclaim.enqueue(unused, now);
    if (versionBytes > 0) {
      this.repos.spaces.adjustVersionBytes(scope, versionBytes);
      this.#withinQuota(scope);
    }
    return unused;
  }
}
