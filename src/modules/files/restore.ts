import { conflict, nothingAt } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import { ancestorsOf } from "../../domain/paths";
import type { FileRow, Scope } from "../../storage/db/files";
import type { Repositories } from "../../storage/db/repositories";
import type { TreeWrites } from "./tree";

export interface RestoreResult {
  /** The path or prefix restored. */
  path: string;
  /** The tx whose state was brought back. */
  from_tx: number;
  /** The restore's own tx; null when everything already was as at `from_tx`. */
  tx: number | null;
  /** Files put back or replaced. */
  restored: number;
  /** Files removed because they did not exist at `from_tx`. */
  removed: number;
  time: number;
}

interface Restored {
  result: RestoreResult;
  /** Objects no file or version uses any more (versioning off): reclaimed after the commit. */
  orphaned: string[];
}

/** A row as it stood at some tx: a current row not changed since, or a version. */
type PastRow = Pick<StoredEntry, "path" | "type" | "object_key" | "size" | "content_type" | "etag">;

const sameContent = (a: PastRow, b: PastRow) => a.type === b.type && a.object_key === b.object_key;

/** Runs inside the caller's unit of work (`repos`): the version of `path` current at `tx` becomes current again. */
export async function restorePath(
  tree: TreeWrites,
  repos: Repositories,
  scope: Scope,
  path: string,
  tx: number,
  now: number,
  message?: string,
): Promise<Restored> {
  const { files, versions } = repos;
  const current = await files.get(scope, path);
  const past: PastRow | null = current && current.tx <= tx ? current : await versions.at(scope, path, tx);
  if (past?.type !== "file") throw nothingAt(path, tx);
  const time = now;
  if (current && sameContent(current, past)) {
    return { result: { path, from_tx: tx, tx: null, restored: 0, removed: 0, time }, orphaned: [] };
  }
  if (await files.get(scope, `${path}/`)) throw conflict("A folder exists at this path; move or delete it first");
  const next = await repos.spaces.nextTx(scope);
  await tree.ensureFolders(repos, scope, ancestorsOf(path), next, now);
  const orphaned = await replace(tree, repos, scope, current ? [current] : [], [past], next, now);
  await appendRestore(repos, scope, path, tx, next, now, past.size, message);
  return { result: { path, from_tx: tx, tx: next, restored: 1, removed: 0, time }, orphaned };
}

/**
 * Runs inside the caller's unit of work (`repos`): everything under `prefix` is brought back to its
 * state at `tx` — files created since removed, deleted ones back, moved ones back at their
 * old paths, overwritten ones at their old bytes — as one tx with one `restore` event.
 * Removed files become versions themselves, so a restore can be undone the same way.
 */
export async function restorePrefix(
  tree: TreeWrites,
  repos: Repositories,
  scope: Scope,
  prefix: string,
  tx: number,
  now: number,
  message?: string,
): Promise<Restored> {
  const { files, versions } = repos;
  const current = await files.listUnder(scope, prefix);
  const past = new Map<string, PastRow>();
  for (const row of current) if (row.tx <= tx) past.set(row.path, row);
  for (const row of await versions.liveAt(scope, prefix, tx)) past.set(row.path, row);
  const currentByPath = new Map(current.map((row) => [row.path, row]));
  // Folders anything restored lives in stay, even if history no longer knows them.
  const needed = new Set<string>();
  for (const path of past.keys()) for (const folder of ancestorsOf(path)) needed.add(folder);
  const remove = current.filter((row) => {
    const then = past.get(row.path);
    return then ? !sameContent(row, then) : !needed.has(row.path);
  });
  const add = [...past.values()].filter((row) => {
    const nowRow = currentByPath.get(row.path);
    return !nowRow || !sameContent(nowRow, row);
  });
  const time = now;
  if (remove.length === 0 && add.length === 0) {
    return { result: { path: prefix, from_tx: tx, tx: null, restored: 0, removed: 0, time }, orphaned: [] };
  }
  const next = await repos.spaces.nextTx(scope);
  const orphaned = await replace(tree, repos, scope, remove, add, next, now);
  const restored = add.filter((row) => row.type === "file");
  const replaced = new Set(restored.map((row) => row.path));
  const removed = remove.filter((row) => row.type === "file" && !replaced.has(row.path)).length;
  const bytes = restored.reduce((sum, row) => sum + row.size, 0);
  await appendRestore(repos, scope, prefix, tx, next, now, bytes, message);
  return { result: { path: prefix, from_tx: tx, tx: next, restored: restored.length, removed, time }, orphaned };
}

/** Ends `remove` (kept as versions) and puts `add` in place, in path order so folders come first. */
async function replace(
  tree: TreeWrites,
  repos: Repositories,
  scope: Scope,
  remove: FileRow[],
  add: PastRow[],
  tx: number,
  now: number,
): Promise<string[]> {
  const { files } = repos;
  const keys = add.flatMap((row) => (row.type === "file" && row.object_key ? [row.object_key] : []));
  await tree.adopt(repos, scope, keys);
  await tree.retire(repos, scope, remove, { tx, at: now, by: "restore" });
  const removed = await tree.deleteRows(repos, remove);
  let fileCount = -removed.files;
  let bytes = -removed.bytes;
  for (const row of [...add].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (await files.get(scope, row.path)) continue; // a folder kept because something lives in it
    if (row.type === "file" && (await files.get(scope, `${row.path}/`))) {
      throw conflict(`A folder exists at '${row.path}'; move or delete it first`);
    }
    await tree.ensureFolders(repos, scope, ancestorsOf(row.path), tx, now);
    await tree.insert(repos, scope, row.path, {
      type: row.type,
      object_key: row.object_key,
      size: row.size,
      content_type: row.content_type,
      etag: row.etag,
      tx,
      updated_at: now,
    });
    if (row.type === "file") {
      fileCount++;
      bytes += row.size;
    }
  }
  await tree.count(repos, scope, fileCount, bytes);
  return tree.release(repos, scope, removed.keys, now);
}

async function appendRestore(
  repos: Repositories,
  scope: Scope,
  path: string,
  fromTx: number,
  tx: number,
  now: number,
  size: number,
  message?: string,
): Promise<void> {
  await repos.events.append(scope, {
    tx,
    action: "restore",
    path,
    dest: null,
    size,
    msg: message ?? `restored to tx ${fromTx}`,
    ts: now,
  });
}
