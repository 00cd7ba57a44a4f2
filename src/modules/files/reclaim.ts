import type { Logger } from "../../lib/logger";
import { type BlobStore, isObjectKey } from "../../storage/blob/blob-store";
import type { Metadata } from "../../storage/db/metadata";
import type { ReclaimRow } from "../../storage/db/reclaim";

export interface CollectResult {
  /** Unreferenced objects deleted. */
  objects: number;
  /** Abandoned multipart uploads and temp files removed. */
  leftovers: number;
}

const DRAIN_BATCH = 500;

/**
 * Gives back the space of bytes nothing references. Two mechanisms:
 * - the queue: a change that drops the last reference to an object queues it in its own
 *   transaction (`reclaim` table); `drain` deletes queued objects after the commit, and
 *   again at start and periodically, so a crash between commit and delete leaks nothing;
 * - `collect`, the garbage collector: it compares the store with the metadata and removes
 *   objects no file, version or upload names, abandoned multipart uploads and temp files. It never
 *   touches an upload in flight: anything newer than the cutoff, anything this process is
 *   writing (`hold`), and anything the uploads table still knows is left alone.
 */
export class Reclaimer {
  readonly #held = new Map<string, number>();
  #pauses = 0;
  /** Deletions started and not yet finished; `pause` waits for them. */
  #inflight = 0;
  #idle: Array<() => void> = [];

  constructor(
    private readonly metadata: Metadata,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks an object as being written and committed by this process until the returned release runs. */
  hold(objectKey: string): () => void {
    this.#held.set(objectKey, (this.#held.get(objectKey) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.#held.get(objectKey) ?? 1) - 1;
      if (count <= 0) this.#held.delete(objectKey);
      else this.#held.set(objectKey, count);
    };
  }

  /**
   * Stops every deletion — the queue, the collector, version pruning's deletes — until the
   * returned resume runs, and resolves once no deletion is in flight any more. Whatever a
   * snapshot of the metadata names stays in the store meanwhile (a backup copies it); items
   * queued during the pause stay queued and are reclaimed after it. Pauses nest.
   */
  async pause(): Promise<() => void> {
    this.#pauses++;
    let resumed = false;
    const resume = () => {
      if (resumed) return;
      resumed = true;
      this.#pauses--;
    };
    if (this.#inflight > 0) await new Promise<void>((done) => this.#idle.push(done));
    return resume;
  }

  /** True while a pause holds every deletion back. */
  get paused(): boolean {
    return this.#pauses > 0;
  }

  /** Items still queued (for stats and tests). */
  queued(): Promise<number> {
    return this.metadata.read.reclaim.count();
  }

  /**
   * Deletes queued objects — those of `objectKeys`, or the whole queue. A row leaves the
   * queue only once the store has let the bytes go; a failure stays queued for the next
   * pass. Returns how many items were reclaimed.
   */
  async drain(objectKeys?: Iterable<string>): Promise<number> {
    // Most changes free nothing (every new file): they ask nothing of the metadata here.
    const keys = objectKeys && new Set(objectKeys);
    if (keys?.size === 0) return 0;
    if (await this.#backupRunning()) return 0;
    if (keys) {
      // Bytes go only once the commit that freed them survives a power cut; those commits came before this call.
      await this.metadata.durable();
      let done = 0;
      for (const key of keys) {
        for (const row of await this.metadata.read.reclaim.forKey(key, this.now())) {
          if (this.paused) return done;
          if (await this.#reclaim(row)) done++;
        }
      }
      return done;
    }
    let done = 0;
    let failed = 0;
    for (;;) {
      const batch = await this.metadata.read.reclaim.page(DRAIN_BATCH, failed, this.now());
      if (batch.length === 0) return done;
      await this.metadata.durable();
      for (const row of batch) {
        if (this.paused) return done;
        if (await this.#reclaim(row)) done++;
        else failed++;
      }
    }
  }

  /** The garbage collector: removes what the store holds and the metadata does not name, if older than `cutoff` (Unix ms). */
  async collect(cutoff: number): Promise<CollectResult> {
    let objects = 0;
    if (await this.#backupRunning()) return { objects, leftovers: 0 };
    for await (const { key, modified } of this.blobs.listObjects()) {
      // Keys of another shape are not lightd's (another instance's prefix in a shared bucket).
      if (modified >= cutoff || !isObjectKey(key) || this.#held.has(key)) continue;
      if ((await this.#referenced(key)) || (await this.metadata.read.uploads.usesObject(key))) continue;
      if (await this.#backupRunning()) break;
      if (this.paused) return { objects, leftovers: 0 };
      try {
        // Unreferenced by a commit that may not be on disk yet: make it durable first.
        await this.metadata.durable();
        await this.#deleting(() => this.blobs.delete(key));
        objects++;
      } catch (error) {
        this.logger.warn("could not delete an unreferenced object", { object_key: key, error: String(error) });
      }
    }
    if (this.paused) return { objects, leftovers: 0 };
    let leftovers = 0;
    await this.#deleting(async () => {
      leftovers = await this.blobs.cleanupStaleUploads(
        cutoff,
        async (uploadId) => (await this.metadata.read.uploads.get(uploadId)) !== null,
      );
    });
    return { objects, leftovers };
  }

  /** Whether a backup holds the store still: it is copying objects its snapshot names. */
  #backupRunning(): Promise<boolean> {
    return this.metadata.read.holds.active(Date.now());
  }

  async #reclaim(row: ReclaimRow): Promise<boolean> {
    // A backup started while this pass ran: leave the row queued for the next pass.
    if (await this.#backupRunning()) return false;
    try {
      await this.#deleting(async () => {
        if (row.upload_id !== "") await this.blobs.abortMultipart(row.object_key, row.upload_id);
        // Never delete bytes a file or a version still uses: a queued key is re-checked at the last moment.
        else if (!(await this.#referenced(row.object_key))) await this.blobs.delete(row.object_key);
      });
      await this.metadata.write((tx) => tx.reclaim.remove(row));
      return true;
    } catch (error) {
      this.logger.warn("could not reclaim stored bytes; will retry", {
        object_key: row.object_key,
        error: String(error),
      });
      return false;
    }
  }

  /** True while a file or a version names the object. */
  async #referenced(objectKey: string): Promise<boolean> {
    const { files, versions } = this.metadata.read;
    return (await files.usesObject(objectKey)) || (await versions.objectSize(objectKey)) !== null;
  }

  /** Runs one deletion, counted so `pause` can wait until none is in flight. */
  async #deleting(fn: () => Promise<void>): Promise<void> {
    this.#inflight++;
    try {
      await fn();
    } finally {
      this.#inflight--;
      if (this.#inflight === 0) for (const done of this.#idle.splice(0)) done();
    }
  }
}
