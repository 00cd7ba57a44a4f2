import type { Repositories } from "../../storage/db/repositories";
import type { VersionRow } from "../../storage/db/versions";

/** `versions` in config.json: how long and how many ended versions of a path are kept; 0 turns versioning off. */
export interface VersionsConfig {
  keep_days: number;
  keep_count: number;
}

/** How long a signed download URL lightd hands out stays valid (seconds). */
export const DOWNLOAD_URL_TTL_S = 300;

const DAY_MS = 86_400_000;

/**
 * The retention rule, in one place: versioning is on unless `keep_days` or `keep_count` is 0;
 * a version is past retention once it ended more than `keep_days` ago or `keep_count` newer
 * versions of its path exist.
 */
export class Retention {
  constructor(private readonly config: () => VersionsConfig) {}

  enabled(): boolean {
    const { keep_days, keep_count } = this.config();
    return keep_days > 0 && keep_count > 0;
  }

  /** Versions that ended before this time (Unix ms) are past retention; with versioning off, all are. */
  endedBefore(now: number): number {
    return this.enabled() ? now - this.config().keep_days * DAY_MS : Number.POSITIVE_INFINITY;
  }

  keepCount(): number {
    return this.enabled() ? this.config().keep_count : 0;
  }
}

/**
 * Gives up versions: their rows go, and objects no file and no version names any more are
 * queued for reclaim. A signed URL for a version may have been handed out just before, so
 * the queue keeps those bytes until such a URL has expired (`not_before`). Runs inside the
 * caller's unit of work (the garbage collector's, or a write that needs quota room).
 */
export class VersionPruner {
  constructor(private readonly now: () => number) {}

  /** Removes `rows`; returns the bytes given back to their spaces (objects that became unreferenced). */
  async prune(tx: Repositories, rows: VersionRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await tx.versions.delete(rows);
    const now = this.now();
    const freedKeys: string[] = [];
    let freed = 0;
    const seen = new Set<string>();
    for (const row of rows) {
      const key = row.object_key;
      if (key === null || seen.has(key)) continue;
      seen.add(key);
      if ((await tx.versions.objectSize(key)) !== null || (await tx.files.usesObject(key))) continue;
      freedKeys.push(key);
      freed += row.size;
      await tx.spaces.adjustVersionBytes({ account: row.account_id, space: row.space }, -row.size);
    }
    await tx.reclaim.enqueue(freedKeys, now, "", now + DOWNLOAD_URL_TTL_S * 1000);
    return freed;
  }

  /** Oldest versions of an account given up until `bytes` are freed (versions yield to files under a quota). */
  async evict(tx: Repositories, accountId: number, bytes: number): Promise<number> {
    let freed = 0;
    while (freed < bytes) {
      const batch = await tx.versions.oldestOf(accountId, 50);
      if (batch.length === 0) break;
      for (const row of batch) {
        freed += await this.prune(tx, [row]);
        if (freed >= bytes) break;
      }
    }
    return freed;
  }
}
