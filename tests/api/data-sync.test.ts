import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SyncBatch } from "../../src/storage/blob/data-sync";
import type { LocalBlobStore } from "../../src/storage/blob/local";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Group commit of the bytes of one-step uploads (src/storage/blob/data-sync.ts): concurrent
 * uploads share the sync that makes their bytes durable. The sync is wrapped by a recorder
 * that sees each batch as it is synced, so the order is checked without timing anything:
 * no metadata names an object before its batch is synced, no 200 goes out before it, and a
 * failed sync fails every upload of its batch.
 */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Recorded {
  /** Upload paths of each batch (each body is its own path), in the order the batches were synced. */
  batches: string[][];
  /** Distinct directories of each batch. */
  dirs: number[];
  /** Every directory some batch synced objects of. */
  dirNames: Set<string>;
  /** Paths whose batch has finished syncing. */
  synced: Set<string>;
  /** Paths that some request could already read while their batch was being synced. */
  visibleEarly: string[];
}

/** Wraps the store's sync: records each batch, checks nothing names its objects yet, then syncs (or fails). */
function record(app: TestApp, fail: (batch: number) => boolean = () => false): Recorded {
  const store = app.ctx.blobs as LocalBlobStore;
  const real = store.dataSync.syncBatch;
  const seen: Recorded = { batches: [], dirs: [], dirNames: new Set(), synced: new Set(), visibleEarly: [] };
  const recorder: SyncBatch = async (files, dirs) => {
    const index = seen.batches.length;
    const paths = files.map((file) => readFileSync(file, "utf8"));
    seen.batches.push(paths);
    seen.dirs.push(dirs.size);
    for (const dir of dirs) seen.dirNames.add(dir);
    for (const path of paths) {
      const res = await app.request("GET", `/files/${path}`, { headers: { accept: "application/json" } });
      if (res.status !== 404) seen.visibleEarly.push(path);
    }
    if (fail(index)) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    await real(files, dirs);
    for (const path of paths) seen.synced.add(path);
  };
  store.dataSync.syncBatch = recorder;
  return seen;
}

/** Every file under the store's shard directories (not temp files, not multipart parts). */
function storedObjects(app: TestApp): string[] {
  const root = (app.ctx.blobs as LocalBlobStore).root;
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.length === 2)
    .flatMap((d) => readdirSync(join(root, d.name)));
}

describe("uploads share the sync of their bytes", () => {
  test("concurrent uploads to many folders: fewer syncs than uploads, and no 200 or metadata before its batch's sync", async () => {
    t = makeTestApp();
    const app = t;
    const seen = record(app);
    const paths = Array.from({ length: 48 }, (_, i) => `dir${i % 12}/sub${i % 5}/f${i}.bin`);
    const answeredBeforeSync: string[] = [];
    const statuses = await Promise.all(
      paths.map(async (path) => {
        const res = await app.request("PUT", `/files/${path}`, { body: path });
        if (!seen.synced.has(path)) answeredBeforeSync.push(path);
        return res.status;
      }),
    );
    expect(statuses).toEqual(paths.map(() => 200));
    expect(answeredBeforeSync).toEqual([]);
    expect(seen.visibleEarly).toEqual([]);
    // Every upload was in exactly one batch, and batches were shared.
    expect(seen.batches.flat().sort()).toEqual([...paths].sort());
    expect(seen.batches.length).toBeLessThan(paths.length);
    // Object keys made together share their shard directory (src/storage/blob/object-keys.ts):
    // the 48 objects went into a few directories, not one each as random keys would put them.
    expect(Math.min(...seen.dirs)).toBe(1);
    expect(seen.dirNames.size).toBeLessThan(paths.length / 4);
    for (const path of paths) {
      const res = await app.request("GET", `/files/${path}`, { headers: { accept: "application/json" } });
      expect(((await res.json()) as { size: number }).size).toBe(path.length);
    }
  });

  test("a failed sync fails every upload of its batch with 503 and keeps none of them; other batches are kept", async () => {
    t = makeTestApp();
    const app = t;
    // The first batch syncs; every later one fails like a disk that cannot write back.
    const seen = record(app, (batch) => batch > 0);
    expect((await app.request("PUT", "/files/first.bin", { body: "first.bin" })).status).toBe(200);
    const paths = Array.from({ length: 24 }, (_, i) => `many/d${i % 6}/f${i}.bin`);
    const responses = await Promise.all(paths.map((path) => app.request("PUT", `/files/${path}`, { body: path })));
    for (const res of responses) {
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: "service_unavailable",
        message: "The server's storage cannot be reached; nothing was changed. Try again shortly",
      });
    }
    // Each of them was in a batch whose sync failed, or gathered while one was failing: those
    // fail with it without a sync of their own (the failed sync may have lost their bytes too).
    const inFailedSyncs = seen.batches.slice(1).flat();
    expect(inFailedSyncs.length).toBeGreaterThan(0);
    for (const path of inFailedSyncs) expect(paths).toContain(path);
    expect(seen.synced).toEqual(new Set(["first.bin"]));
    // Nothing of the failed batches is visible: no file, no folder made for them, no bytes left on disk.
    for (const path of paths) expect((await app.request("GET", `/files/${path}`)).status).toBe(404);
    expect((await app.request("GET", "/files/many/")).status).toBe(404);
    expect(storedObjects(app)).toHaveLength(1);
    expect(app.logs.some((line) => line.includes("storage unavailable") && line.includes("EIO"))).toBe(true);
    // The upload that synced is untouched.
    const first = await app.request("GET", "/files/first.bin", { headers: { accept: "application/json" } });
    expect(((await first.json()) as { size: number }).size).toBe("first.bin".length);
  });
});
