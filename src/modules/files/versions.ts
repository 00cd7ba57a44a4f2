import { narrowPrefix, requirePath } from "../../domain/access";
import { badRequest, entryNotFound, nothingAt } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import { lockKeyOf } from "../../domain/locks";
import { isFolderPath, nameOf } from "../../domain/paths";
import type { Principal } from "../../domain/principal";
import type { Metadata } from "../../storage/db/metadata";
import type { VersionRow } from "../../storage/db/versions";
import type { Reclaimer } from "./reclaim";
import { scopeOf } from "./request";
import { type RestoreResult, restorePath, restorePrefix } from "./restore";
import type { TreeWrites } from "./tree";

/** One version of a path as the API shows it; the current one has no end. */
export interface VersionView {
  tx: number;
  size: number;
  etag: string | null;
  content_type: string | null;
  ts: number;
  current: boolean;
  ended_tx: number | null;
  ended_by: string | null;
}

export interface TrashView {
  path: string;
  tx: number;
  size: number;
  etag: string | null;
  content_type: string | null;
  deleted_tx: number;
  deleted_at: number;
}

/** Most versions one listing shows (retention keeps at most 100,000 per path). */
const MAX_LISTED = 1000;
const PRUNE_BATCH = 1000;

/**
 * A tx given by a client: a positive integer no later than the space's newest tx. A future
 * tx is refused, not read as "now": what it will name is not decided yet.
 */
export function requireTx(input: unknown, newest: number): number {
  const text = typeof input === "number" ? String(input) : input;
  if (typeof text !== "string" || !/^[0-9]{1,15}$/.test(text) || Number(text) < 1) {
    throw badRequest("tx must be a positive integer");
  }
  return requireNotAfter(Number(text), newest);
}

/**
 * A tx a client holds (a version to read, a feed cursor) names a change that happened: one
 * after the space's newest is refused (400), never read as "now", so a cursor from before a
 * restore is noticed instead of silently skipping every change up to it.
 */
export function requireNotAfter(tx: number, newest: number, name = "tx"): number {
  if (tx > newest) throw badRequest(`${name} ${tx} is after this space's newest tx (${newest})`);
  return tx;
}

/** A version in the shape of a file entry, so downloads and metadata treat both alike. */
export function versionAsFile(v: VersionRow): StoredEntry {
  return {
    id: 0,
    path: v.path,
    name: nameOf(v.path),
    type: v.type,
    object_key: v.object_key,
    size: v.size,
    content_type: v.content_type,
    etag: v.etag,
    tx: v.tx,
    created_at: v.ts,
    updated_at: v.ts,
  };
}

/**
 * File history: the versions of a path, a path as it was at any tx, the trash, restores,
 * and retention. Every restore is one tx with one `restore` event (./restore.ts).
 */
export class VersionService {
  readonly #metadata: Metadata;

  constructor(
    private readonly tree: TreeWrites,
    private readonly reclaimer: Reclaimer,
    private readonly now: () => number = Date.now,
  ) {
    this.#metadata = tree.metadata;
  }

  /** A path's versions, newest first, the current one (if any) first and marked. */
  async list(principal: Principal, path: string): Promise<VersionView[]> {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    const current = await this.#metadata.read.files.get(scope, path);
    const rows = [
      ...(current ? [{ ...current, ts: current.updated_at, ended_tx: null, ended_by: null }] : []),
      ...(await this.#metadata.read.versions.forPath(scope, path, MAX_LISTED)),
    ];
    if (rows.length === 0) throw entryNotFound(path);
    return rows.map((v) => ({
      tx: v.tx,
      size: v.size,
      etag: v.etag,
      content_type: v.content_type,
      ts: v.ts,
      current: v.ended_tx === null,
      ended_tx: v.ended_tx,
      ended_by: v.ended_by,
    }));
  }

  /** The file or folder at `path` as it was at `tx` (a raw tx from the client); 404 when nothing was there. */
  async at(principal: Principal, path: string, rawTx: unknown): Promise<StoredEntry> {
    requirePath(principal, path);
    const scope = scopeOf(principal);
    const { files, versions, spaces } = this.#metadata.read;
    const tx = requireTx(rawTx, (await spaces.totals(scope)).last_tx);
    const current = await files.get(scope, path);
    if (current && current.tx <= tx) return current;
    const version = await versions.at(scope, path, tx);
    if (!version) throw nothingAt(path, tx);
    return versionAsFile(version);
  }

  /** Deleted files still restorable, newest deletion first, within the principal's prefix. */
  async trash(principal: Principal, prefix: string, limit: number, offset: number): Promise<TrashView[]> {
    const narrowed = narrowPrefix(principal, prefix);
    const rows = await this.#metadata.read.versions.trash(scopeOf(principal), narrowed, limit, offset);
    return rows.map((v) => ({
      path: v.path,
      tx: v.tx,
      size: v.size,
      etag: v.etag,
      content_type: v.content_type,
      deleted_tx: v.ended_tx,
      deleted_at: v.ended_at,
    }));
  }

  /** Makes the version of `path` current at `tx` current again (one new tx), unless it already is. */
  async restorePath(principal: Principal, path: string, rawTx: unknown, message?: string): Promise<RestoreResult> {
    requirePath(principal, path);
    if (isFolderPath(path)) throw badRequest("Restore a folder with {prefix, tx}");
    const scope = scopeOf(principal);
    const { result, orphaned } = await this.tree.write(async (repos) => {
      const tx = requireTx(rawTx, (await repos.spaces.totals(scope)).last_tx);
      const now = this.now();
      const membership = !(await repos.files.get(scope, path));
      await this.tree.assertUnlocked(repos, scope, [{ path, membership }], lockKeyOf(principal), now);
      return restorePath(this.tree, repos, scope, path, tx, now, message);
    });
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /** Brings everything under `prefix` ("" = the whole space) back to its state at `tx`, as one new tx. */
  async restorePrefix(principal: Principal, prefix: string, rawTx: unknown, message?: string): Promise<RestoreResult> {
    const narrowed = narrowPrefix(principal, prefix);
    const scope = scopeOf(principal);
    const { result, orphaned } = await this.tree.write(async (repos) => {
      const tx = requireTx(rawTx, (await repos.spaces.totals(scope)).last_tx);
      const now = this.now();
      const touched = [{ path: narrowed, withMembers: true, membership: true }];
      await this.tree.assertUnlocked(repos, scope, touched, lockKeyOf(principal), now);
      return restorePrefix(this.tree, repos, scope, narrowed, tx, now, message);
    });
    await this.reclaimer.drain(orphaned);
    return result;
  }

  /**
   * Retention, run by the garbage collector: versions past it are removed and bytes nothing
   * names any more are queued (kept until signed URLs handed out for them have expired).
   */
  async pruneExpired(): Promise<{ versions: number; bytes: number }> {
    const now = this.now();
    const { retention, pruner } = this.tree;
    let versions = 0;
    let bytes = 0;
    for (;;) {
      const batch = await this.tree.write(async (repos) => {
        const rows = await repos.versions.pastRetention(retention.endedBefore(now), retention.keepCount(), PRUNE_BATCH);
        bytes += await pruner.prune(repos, rows);
        return rows.length;
      });
      versions += batch;
      if (batch < PRUNE_BATCH) return { versions, bytes };
    }
  }
}
