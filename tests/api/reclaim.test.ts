import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../src/lib/ids";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Unreferenced bytes are given back on both backends: deleting or replacing a file queues
 * its bytes in the same transaction and deletes them after the commit (a failed delete
 * stays queued for the next pass), and the garbage collector removes what the store holds
 * that no file or upload names, without touching uploads in flight.
 */

forEachBackend(reclaimTests);

/** A cutoff after everything stored so far: every object counts as old enough to collect. */
const EVERYTHING = () => Date.now() + 60_000;

function reclaimTests(backend: Backend) {
  let t: TestApp;
  beforeEach(() => {
    // Versioning off: bytes are unreferenced as soon as no file names them (versions keep
    // them until retention; tests/api/versions-gc.test.ts covers that path).
    t = makeTestApp({ backend, config: { versions: { keep_count: 0 } } });
  });
  afterEach(() => t.close());

  const stored = async () => {
    const keys = new Set<string>();
    for (const key of await storedKeys(t.ctx.blobs)) keys.add(key);
    return keys;
  };
  /** Object keys the metadata names (files and uploads). */
  const referenced = () =>
    new Set(
      t.db
        .query<{ k: string }, []>(
          "SELECT object_key AS k FROM files WHERE object_key IS NOT NULL UNION SELECT object_key FROM uploads",
        )
        .all()
        .map((r) => r.k),
    );
  const fileKeys = () =>
    t.db
      .query<{ k: string }, []>("SELECT object_key AS k FROM files WHERE object_key IS NOT NULL")
      .all()
      .map((r) => r.k);
  const put = async (path: string, body: string) =>
    expect((await t.request("PUT", `/files/${path}`, { body })).status).toBe(200);

  test("a folder delete and an overwrite leave no unreferenced object", async () => {
    for (let i = 0; i < 5; i++) await put(`d/f${i}.txt`, `file ${i}`);
    await put("keep.txt", "one");
    await put("keep.txt", "two");
    expect((await t.request("DELETE", "/files/d/")).status).toBe(200);
    expect(await stored()).toEqual(referenced());
    expect(await t.ctx.reclaimer.queued()).toBe(0);
  });

  test("bytes whose delete failed stay queued and are reclaimed by the next pass", async () => {
    for (let i = 0; i < 3; i++) await put(`d/f${i}.txt`, `file ${i}`);
    const store = t.ctx.blobs;
    const realDelete = store.delete.bind(store);
    store.delete = () => Promise.reject(new Error("store unavailable"));
    try {
      expect((await t.request("DELETE", "/files/d/")).status).toBe(200);
    } finally {
      store.delete = realDelete;
    }
    // The metadata change committed; its bytes are still stored but queued.
    expect((await stored()).size).toBe(3);
    expect(await t.ctx.reclaimer.queued()).toBe(3);
    expect(await t.ctx.reclaimer.drain()).toBe(3);
    expect(await t.ctx.reclaimer.queued()).toBe(0);
    expect(await stored()).toEqual(referenced());
  });

  test("a pause holds every deletion back until it is resumed", async () => {
    for (let i = 0; i < 3; i++) await put(`d/f${i}.txt`, `file ${i}`);
    const orphan = newId();
    await t.ctx.blobs.putStream(orphan, new Blob(["lost"]).stream());
    const resume = await t.ctx.reclaimer.pause();
    expect(t.ctx.reclaimer.paused).toBe(true);
    expect((await t.request("DELETE", "/files/d/")).status).toBe(200);
    expect(await t.ctx.reclaimer.drain()).toBe(0);
    expect(await t.ctx.reclaimer.collect(EVERYTHING())).toEqual({ objects: 0, leftovers: 0 });
    // Everything the metadata named before the pause is still stored.
    expect((await stored()).size).toBe(4);
    resume();
    resume(); // a second call is harmless
    expect(t.ctx.reclaimer.paused).toBe(false);
    await t.ctx.reclaimer.drain();
    await t.ctx.reclaimer.collect(EVERYTHING());
    expect(await t.ctx.reclaimer.queued()).toBe(0);
    expect(await stored()).toEqual(referenced());
  });

  test("a deleted account's bytes are queued with the deletion and reclaimed", async () => {
    const carol = await registerAndLogin(t, naclSigner("carol"));
    for (const path of ["a.txt", "b/c.txt"]) {
      expect((await t.request("PUT", `/files/${path}`, { token: carol, body: "carol's" })).status).toBe(200);
    }
    const open = await t.request("POST", "/files/uploads/multipart", { token: carol, json: { path: "big.bin" } });
    const uploadId = ((await open.json()) as { upload_id: string }).upload_id;
    await put("mine.txt", "admin's");
    expect((await t.request("DELETE", "/admin/accounts/carol")).status).toBe(200);
    expect(await t.ctx.reclaimer.queued()).toBe(0);
    expect(await stored()).toEqual(referenced());
    expect(await backend.openUploads(t)).not.toContain(uploadId);
  });

  test("the garbage collector removes orphans and leftovers, never what is referenced or in flight", async () => {
    await put("kept.txt", "kept");
    // An orphan: bytes stored by an upload that crashed before its commit.
    const orphan = newId();
    await t.ctx.blobs.putStream(orphan, new Blob(["lost"]).stream());
    // Bytes this process is writing right now.
    const writing = newId();
    await t.ctx.blobs.putStream(writing, new Blob(["in flight"]).stream());
    const release = t.ctx.files.holdObject(writing);
    // A multipart upload the uploads table knows (a client is sending parts) and one it does not.
    const known = await t.request("POST", "/files/uploads/multipart", { json: { path: "big.bin", part_count: 1 } });
    const knownId = ((await known.json()) as { upload_id: string }).upload_id;
    const abandonedKey = newId();
    const abandonedId = await t.ctx.blobs.createMultipart(abandonedKey);
    // A pending two-step upload whose bytes arrived but which is not completed yet.
    const pending = await t.request("POST", "/files/uploads", { json: { path: "later.txt" } });
    const { url: pendingUrl, content_type } = (await pending.json()) as { url: string; content_type: string };
    const sent = await t.follow(pendingUrl, {
      method: "PUT",
      body: "later",
      headers: { "content-type": content_type },
    });
    expect(sent.status).toBe(200);
    // A temp file left by a crash mid-write (local store; S3 spools parts beside the database).
    const leftover =
      backend.kind === "local"
        ? join(t.dir, "data", "blobs", "tmp", "x1.tmp")
        : join(t.dir, "data", "lightd-s3-part-x1");
    writeFileSync(leftover, "half an upload");

    // Too young: nothing is collected.
    const young = await t.ctx.reclaimer.collect(Date.now() - 3_600_000);
    expect(young).toEqual({ objects: 0, leftovers: 0 });

    const result = await t.ctx.reclaimer.collect(EVERYTHING());
    release();
    expect(result).toEqual({ objects: 1, leftovers: 2 });
    // What remains is exactly what a file or upload names, plus the object being written.
    const keys = await stored();
    expect(keys).toEqual(new Set([...referenced()].filter((key) => keys.has(key)).concat(writing)));
    for (const key of fileKeys()) expect(keys.has(key)).toBe(true);
    expect(keys.has(orphan)).toBe(false);
    const open = await backend.openUploads(t);
    expect(open).toContain(knownId);
    expect(open).not.toContain(abandonedId);
    expect(await Bun.file(leftover).exists()).toBe(false);
    // The referenced file still downloads.
    const file = await t.request("GET", "/files/kept.txt");
    expect(await (await t.follow(file.headers.get("location") as string)).text()).toBe("kept");
    // The pending upload still completes.
    expect((await t.request("POST", "/files/uploads/complete", { json: { path: "later.txt" } })).status).toBe(200);
  });
}

describe("reclaim without a backend matrix", () => {
  test("a second drain finds nothing to do", async () => {
    const t = makeTestApp();
    try {
      expect(await t.ctx.reclaimer.drain()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
