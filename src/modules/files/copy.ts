import { conflict, entryNotFound } from "../../domain/errors";
import type { LockKey } from "../../domain/locks";
import { ancestorsOf, isFolderPath } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { WriteConditions } from "../../lib/conditions";
import type { BlobStat, BlobStore } from "../../storage/blob/blob-store";
import { BlobConflict, BlobNotFound } from "../../storage/blob/errors";
import { newObjectKey } from "../../storage/blob/object-keys";
import type { FileRow, Scope } from "../../storage/db/files";
import type { Repositories } from "../../storage/db/repositories";
import type { TreeWrites } from "./tree";

export interface CopyDeps {
  tree: TreeWrites;
  blobs: BlobStore;
  now: () => number;
  deleteBlobs(keys: string[]): Promise<void>;
  /** Deletes, after the commit, the objects the copy left unused (TreeWrites.release). */
  drain(keys: string[]): Promise<void>;
}

export interface CopyRequest {
  from: string;
  to: string;
  message?: string;
  conditions: WriteConditions;
  /** Who replaces what is at `to` (TransferOptions.replace); null: an existing destination is a 409. */
  replacer: Principal | null;
  /** Who copies, for the lock rule on the destination. */
  key: LockKey;
}

/** Server-side copies run a few at a time: enough to hide latency, few enough not to flood the bucket. */
const COPY_CONCURRENCY = 8;

/**
 * Copies a file or a folder tree. Bytes: a store that can copy server-side (S3) copies
 * each object to a fresh key before the transaction; any other store (local disk) lets the
 * new rows share the source's objects, so no byte moves — deletion only removes an object
 * once no row uses it (TreeWrites.unreferenced). The transaction then re-reads the source,
 * decides the conditions and the destination (deleting what is there only when asked to
 * replace it), and inserts every row with one tx and one `copy` event; whatever it does not
 * use is deleted.
 */
export async function copyTree(deps: CopyDeps, scope: Scope, request: CopyRequest) {
  const { tree, blobs } = deps;
  const { from, to, conditions } = request;
  /**
   * The source's rows, once the source exists and the conditions hold, and the rows the copy
   * replaces at the destination (none unless `replacer`; without it an existing one is a 409).
   */
  const sourceRows = async (repos: Repositories) => {
    const rows = isFolderPath(from)
      ? await repos.files.listUnder(scope, from)
      : rowOrNone(await repos.files.get(scope, from));
    if (rows.length === 0) throw entryNotFound(from);
    tree.requireConditions(await repos.files.get(scope, from), conditions.ifMatch);
    const replaced = await tree.destination(repos, scope, to, conditions.ifNoneMatch, request.replacer);
    return { rows, replaced };
  };

  // A first look, so a doomed copy fails before any byte is copied (the unit of work decides again).
  const planned = (await sourceRows(tree.metadata.read)).rows;

  const copies = blobs.copy ? await copyObjects(blobs, planned, deps.deleteBlobs) : new Map<string, Copied>();
  const used = new Set<string>();
  let orphaned: string[] = [];
  let result: { from: string; to: string; files: number; tx: number; time: number };
  try {
    result = await tree.write(async (repos) => {
      const { rows, replaced } = await sourceRows(repos);
      const now = deps.now();
      await tree.assertUnlocked(repos, scope, [{ path: to, withMembers: true, membership: true }], request.key, now);
      const tx = await repos.spaces.nextTx(scope);
      const replacedKeys = await tree.replace(repos, scope, replaced, tx, now);
      if (replaced.length > 0) await tree.dropLocks(repos, scope, to);
      await tree.ensureFolders(repos, scope, ancestorsOf(to), tx, now);
      let files = 0;
      let bytes = 0;
      for (const row of rows) {
        const path = to + row.path.slice(from.length);
        let content = { object_key: row.object_key, etag: row.etag, size: row.size };
        if (row.type === "file" && blobs.copy) {
          const copied = row.object_key ? copies.get(row.object_key) : undefined;
          // A file replaced between the first look and now: its new bytes were not copied.
          if (!copied) throw changedWhileCopying();
          content = { object_key: copied.key, etag: copied.stat.etag, size: copied.stat.size };
          used.add(copied.key);
        }
        await tree.insert(repos, scope, path, {
          type: row.type,
          content_type: row.content_type,
          ...content,
          tx,
          updated_at: now,
        });
        if (row.type === "file") {
          files++;
          bytes += content.size;
        }
      }
      await tree.count(repos, scope, files, bytes);
      orphaned = await tree.release(repos, scope, replacedKeys, now);
      await repos.events.append(scope, {
        tx,
        action: "copy",
        path: from,
        dest: to,
        size: bytes,
        msg: request.message ?? null,
        ts: now,
      });
      return { from, to, files, tx, time: now };
    });
  } catch (error) {
    await deps.deleteBlobs([...copies.values()].map((c) => c.key));
    throw error;
  }
  await deps.deleteBlobs([...copies.values()].map((c) => c.key).filter((key) => !used.has(key)));
  await deps.drain(orphaned);
  return result;
}

interface Copied {
  key: string;
  stat: BlobStat;
}

const changedWhileCopying = () => conflict("The source changed while it was being copied; copy it again");

const rowOrNone = (row: FileRow | null): FileRow[] => (row ? [row] : []);

/** Server-side copies of every object the rows use, keyed by source key; all or none (a failure deletes the rest). */
async function copyObjects(
  blobs: BlobStore,
  rows: FileRow[],
  deleteBlobs: (keys: string[]) => Promise<void>,
): Promise<Map<string, Copied>> {
  const sources = new Map<string, BlobStat>();
  for (const row of rows) {
    if (row.type === "file" && row.object_key && row.etag) {
      sources.set(row.object_key, { size: row.size, etag: row.etag });
    }
  }
  const copies = new Map<string, Copied>();
  const queue = [...sources];
  let failure: unknown;
  const worker = async () => {
    for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
      const [source, expected] = next;
      const key = newObjectKey();
      try {
        copies.set(source, { key, stat: await (blobs.copy as NonNullable<BlobStore["copy"]>)(source, key, expected) });
      } catch (error) {
        // The object changed or vanished under a concurrent replace or delete: the source changed.
        const raced = error instanceof BlobNotFound || error instanceof BlobConflict;
        failure ??= raced ? changedWhileCopying() : error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, queue.length) }, worker));
  if (failure !== undefined) {
    await deleteBlobs([...copies.values()].map((c) => c.key));
    throw failure;
  }
  return copies;
}
