import { requirePath } from "../../domain/access";
import { badRequest, entryNotFound, folderAtPath } from "../../domain/errors";
import { lockKeyOf } from "../../domain/locks";
import { ancestorsOf, isFolderPath, nameOf, parentOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { WriteConditions } from "../../lib/conditions";
import type { Logger } from "../../lib/logger";
import type { BlobStore } from "../../storage/blob/blob-store";
import type { Repositories } from "../../storage/db/repositories";
import { copyTree } from "./copy";
import type { Reclaimer } from "./reclaim";
import { scopeOf } from "./request";
import { refuseReservedRoot } from "./reserved";
import type { TreeWrites } from "./tree";

export interface StoredObject {
  objectKey: string;
  size: number;
  etag: string;
  contentType: string;
  /** Set while the bytes are not durable yet (PutResult.durable): the commit waits for it. */
  durable?: Promise<void>;
}

/** How a move or copy treats an existing destination. */
export interface TransferOptions {
  /**
   * Replace what is at the destination (a file, or a folder with everything in it) in the same
   * unit of work, as a delete would, instead of refusing with 409: WebDAV's `Overwrite: T`
   * (RFC 4918 §9.8.4, §9.9.3). Needs the `files:delete` scope when something is replaced.
   */
  replace?: boolean;
}

export interface CommitResult {
  path: string;
  name: string;
  size: number;
  tx: number;
  time: number;
}

/**
 * Every change to the file tree (mkdir, commit of stored bytes, move, copy, delete). Each
 * takes the space's next `tx` and writes its event row in one unit of work, where its
 * conditions (If-Match / If-None-Match) are decided too; bytes a change leaves unreferenced
 * are removed from the blob store only after the commit.
 */
export class FileWrites {
  constructor(
    private readonly tree: TreeWrites,
    private readonly blobs: BlobStore,
    private readonly reclaimer: Reclaimer,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Creates a folder (and its missing parents); `lockTokens`: the WebDAV lock tokens the caller submitted. */
  async mkdir(
    principal: Principal,
    path: string,
    lockTokens?: ReadonlySet<string>,
  ): Promise<{ path: string; created: boolean; tx?: number }> {
    requirePath(principal, path);
    refuseReservedRoot(path);
    const scope = scopeOf(principal);
    return this.tree.write(async (tx) => {
      if (await tx.files.get(scope, path)) return { path, created: false };
      await this.tree.assertNoFileAt(tx, scope, path.slice(0, -1));
      const now = this.now();
      const key = lockKeyOf(principal, lockTokens);
      await this.tree.assertUnlocked(tx, scope, [{ path, membership: true }], key, now);
      const txNumber = await tx.spaces.nextTx(scope);
      await this.tree.ensureFolders(tx, scope, [...ancestorsOf(path), path], txNumber, now);
      await this.tree.log(tx, scope, { tx: txNumber, action: "mkdir", path, ts: now });
      return { path, created: true, tx: txNumber };
    });
  }

  /**
   * Makes stored bytes visible at `path`, replacing any previous file atomically, if the
   * conditions hold for the file as it is inside the unit of work (412 otherwise).
   * The commit waits until the new bytes are durable (`object.durable`). If it fails the new
   * bytes are deleted; on success the replaced bytes are, unless a copy still uses them.
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
      const ancestors = ancestorsOf(path);
      const work = async (tx: Repositories): Promise<CommitResult> => {
        // The file, a folder at its path and its parent folder, read in one statement. With the
        // parent there, so is every ancestor (FileTree.ensureFolders), which most uploads find.
        const known = await this.tree.lookup(tx, scope, [path, `${path}/`, ...ancestors.slice(-1)]);
        const existing = known.get(path) ?? null;
        this.tree.requireConditions(existing, conditions.ifMatch, conditions.ifNoneMatch);
        if (known.has(`${path}/`)) throw folderAtPath();
        const now = this.now();
        const key = lockKeyOf(principal, conditions.lockTokens);
        await this.tree.assertUnlocked(tx, scope, [{ path, membership: !existing }], key, now);
        const txNumber = await tx.spaces.nextTx(scope);
        await this.tree.ensureFolders(tx, scope, ancestors, txNumber, now, known);
        const content = {
          object_key: object.objectKey,
          size: object.size,
          content_type: object.contentType,
          etag: object.etag,
          tx: txNumber,
          updated_at: now,
        };
        if (existing) {
          await this.tree.retire(tx, scope, [existing], { tx: txNumber, at: now, by: "upload" });
          await tx.files.updateContent(existing.id, content);
          await this.tree.count(tx, scope, 0, object.size - existing.size);
          if (existing.object_key && existing.object_key !== object.objectKey) {
            orphaned = await this.tree.release(tx, scope, [existing.object_key], now);
          }
        } else {
          await this.tree.insert(tx, scope, path, { type: "file", ...content });
          await this.tree.count(tx, scope, 1, object.size);
        }
        await tx.events.append(scope, {
          tx: txNumber,
          action: "upload",
          path,
          dest: null,
          size: object.size,
          msg: message ?? null,
          ts: now,
        });
        return { path, name: nameOf(path), size: object.size, tx: txNumber, time: now };
      };
      result = await this.tree.write(work, { after: object.durable });
    } catch (error) {
      // A sync of the bytes may still be running: they are removed once it is over.
      await object.durable?.catch(() => {});
      await this.deleteBlobs([object.objectKey]);
      throw error;
    }
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /**
   * Renames a file or folder. `If-Match` names the source's ETag; `If-None-Match: *` guards the
   * destination. An existing destination is a 409 unless `replace` (see TransferOptions).
   */
  async move(
    principal: Principal,
    from: string,
    to: string,
    message?: string,
    conditions: WriteConditions = {},
    options: TransferOptions = {},
  ) {
    checkTransfer(principal, from, to, "move", options);
    const scope = scopeOf(principal);
    let orphaned: string[] = [];
    const result = await this.tree.write(async (tx) => {
      const source = await tx.files.get(scope, from);
      if (!source) throw entryNotFound(from);
      this.tree.requireConditions(source, conditions.ifMatch);
      const replaced = await this.tree.destination(
        tx,
        scope,
        to,
        conditions.ifNoneMatch,
        options.replace ? principal : null,
      );
      const now = this.now();
      const touched = [from, to].map((path) => ({ path, withMembers: true, membership: true }));
      await this.tree.assertUnlocked(tx, scope, touched, lockKeyOf(principal, conditions.lockTokens), now);
      const txNumber = await tx.spaces.nextTx(scope);
      const keys = await this.tree.replace(tx, scope, replaced, txNumber, now);
      if (replaced.length > 0) await this.tree.dropLocks(tx, scope, to);
      await this.tree.ensureFolders(tx, scope, ancestorsOf(to), txNumber, now);
      const moved = isFolderPath(from) ? await tx.files.listUnder(scope, from) : [source];
      await this.tree.retire(tx, scope, moved, { tx: txNumber, at: now, by: "move" });
      if (isFolderPath(from)) await tx.files.movePrefix(scope, from, to, txNumber, now);
      else await tx.files.moveFile(source, to, parentOf(to), nameOf(to), txNumber, now);
      orphaned = await this.tree.release(tx, scope, keys, now);
      await this.tree.dropLocks(tx, scope, from);
      await tx.events.append(scope, {
        tx: txNumber,
        action: "move",
        path: from,
        dest: to,
        size: source.size,
        msg: message ?? null,
        ts: now,
      });
      return { from, to, tx: txNumber, time: now };
    });
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /**
   * Copies a file, or a folder and everything in it, in one tx with one `copy` event.
   * Same conditions and options as a move. See ./copy.ts for how bytes are (not) copied.
   */
  async copy(
    principal: Principal,
    from: string,
    to: string,
    message?: string,
    conditions: WriteConditions = {},
    options: TransferOptions = {},
  ) {
    checkTransfer(principal, from, to, "copy", options);
    const deps = {
      tree: this.tree,
      blobs: this.blobs,
      now: this.now,
      deleteBlobs: (keys: string[]) => this.deleteBlobs(keys),
      drain: async (keys: string[]) => void (await this.reclaimer.drain(keys)),
    };
    return copyTree(deps, scopeOf(principal), {
      from,
      to,
      message,
      conditions,
      replacer: options.replace ? principal : null,
      key: lockKeyOf(principal, conditions.lockTokens),
    });
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
    const result = await this.tree.write(async (tx) => {
      const target = await tx.files.get(scope, path);
      const rows = isFolderPath(path) ? await tx.files.listUnder(scope, path) : target ? [target] : [];
      if (rows.length === 0) throw entryNotFound(path);
      this.tree.requireConditions(target, conditions.ifMatch, conditions.ifNoneMatch);
      const now = this.now();
      const touched = [{ path, withMembers: true, membership: true }];
      await this.tree.assertUnlocked(tx, scope, touched, lockKeyOf(principal, conditions.lockTokens), now);
      const txNumber = await tx.spaces.nextTx(scope);
      await this.tree.retire(tx, scope, rows, { tx: txNumber, at: now, by: "delete" });
      const { files, bytes, keys } = await this.tree.deleteRows(tx, rows);
      await this.tree.count(tx, scope, -files, -bytes);
      orphaned = await this.tree.release(tx, scope, keys, now);
      await this.tree.dropLocks(tx, scope, path);
      await this.tree.log(tx, scope, { tx: txNumber, action: "delete", path, size: bytes, ts: now });
      return { deleted: files, tx: txNumber, time: now };
    });
    await this.reclaimer.drain(orphaned);
    return result;
  }

  async deleteBlobs(keys: string[]): Promise<void> {
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
function checkTransfer(
  principal: Principal,
  from: string,
  to: string,
  verb: "move" | "copy",
  options: TransferOptions,
): void {
  requirePath(principal, from);
  requirePath(principal, to);
  if (isFolderPath(from) !== isFolderPath(to))
    throw badRequest(
      `${verb === "move" ? "Move" : "Copy"} a file to a file path and a folder to a folder path (ending with '/')`,
    );
  if (from === to) throw badRequest("Source and destination are the same");
  if (isFolderPath(from) && to.startsWith(from)) throw badRequest(`Cannot ${verb} a folder into itself`);
  // Replacing a folder the source lies in would delete the source with it.
  if (options.replace && from.startsWith(isFolderPath(to) ? to : `${to}/`)) {
    throw badRequest(`Cannot ${verb} onto a folder that holds the source`);
  }
  refuseReservedRoot(to);
}
