import { afterAll, describe, expect, spyOn, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import * as fsPromises from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UrlSigner } from "../../src/lib/url-signer";
import { blobUrlBuilder } from "../../src/modules/blobs/urls";
import { BlobConflict, BlobRequestInvalid, BlobTooLarge, RangeNotSatisfiable } from "../../src/storage/blob/errors";
import { LocalBlobStore } from "../../src/storage/blob/local";
import { SMALL_BODY_BYTES } from "../../src/storage/blob/small-write";
import { makeTestApp } from "../fixtures/harness";
import { pendingUploadFor } from "../fixtures/pending-upload";
import {
  expectBlobError,
  failingStream,
  newKey,
  readAll,
  runBlobStoreSuite,
  sha256,
  streamOf,
} from "./blob-store.suite";

// The local store served by a real app, so signed URLs can be followed through app.handle.
runBlobStoreSuite({
  name: "local",
  copies: false,
  make: async () => {
    const t = makeTestApp();
    const pending = new Set<string>();
    return {
      store: t.ctx.blobs,
      baseUrl: "http://localhost",
      fetchSigned: async (url, init) => {
        // lightd's signed whole-object PUT writes only for a pending upload: give the key one.
        const signed = new URL(url);
        const key = decodeURIComponent(signed.pathname.split("/").pop() as string);
        if (init?.method === "PUT" && !signed.searchParams.has("upload_id") && !pending.has(key)) {
          pending.add(key);
          await pendingUploadFor(t, key, signed.searchParams.get("content_type") ?? undefined);
        }
        return t.app.handle(new Request(url, init));
      },
      cleanup: async () => t.close(),
    };
  },
});

describe("LocalBlobStore specifics", () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-local-"));
  const root = join(dir, "blobs");
  const store = new LocalBlobStore(root, blobUrlBuilder(new UrlSigner("local-test-secret-0123456789abcdef0123")));
  const text = (s: string) => new TextEncoder().encode(s);
  const files = (sub: string) => readdirSync(join(root, sub));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("bytes live at <root>/<first 2 chars>/<key>; the etag is the hex sha256", async () => {
    const key = newKey();
    const bytes = text("layout check");
    const stat = await store.putStream(key, streamOf(bytes));
    expect(existsSync(join(root, key.slice(0, 2), key))).toBe(true);
    expect(stat.etag).toBe(sha256(bytes));
    expect(files("tmp")).toEqual([]);
  });

  test("keys that are not internal ids never reach the filesystem", async () => {
    for (const bad of [
      "../../etc/passwd",
      "a/b/c/d/e/f",
      "short",
      "with space 123",
      "dots.in.key",
      "",
      "x".repeat(129),
    ]) {
      await expectBlobError(store.putStream(bad, streamOf(text("x"))), BlobRequestInvalid);
      await expectBlobError(store.head(bad), BlobRequestInvalid);
      await expectBlobError(store.getStream(bad), BlobRequestInvalid);
      await expectBlobError(store.delete(bad), BlobRequestInvalid);
      await expectBlobError(store.createMultipart(bad), BlobRequestInvalid);
    }
    expect(existsSync(join(dir, "etc"))).toBe(false);
  });

  test("failed uploads leave no temp file", async () => {
    await expectBlobError(
      store.putStream(newKey(), streamOf(new Uint8Array(10_000), 1000), { maxBytes: 100 }),
      BlobTooLarge,
    );
    await expect(store.putStream(newKey(), failingStream(new Uint8Array(5000)))).rejects.toThrow();
    expect(files("tmp")).toEqual([]);
  });

  test("head rebuilds a lost or stale sidecar from the bytes", async () => {
    const key = newKey();
    const stat = await store.putStream(key, streamOf(text("sidecar")));
    rmSync(join(root, key.slice(0, 2), `${key}.meta`));
    expect(await store.head(key)).toMatchObject({ size: 7, etag: stat.etag });
    // A sidecar left by an older version of the file (crash between the renames).
    writeFileSync(join(root, key.slice(0, 2), `${key}.meta`), JSON.stringify({ etag: "stale", size: 7, ino: 1 }));
    expect((await store.head(key)).etag).toBe(stat.etag);
  });

  test("multipart complete: etag is the sha256 of the whole; parts dir removed", async () => {
    const key = newKey();
    const id = await store.createMultipart(key);
    const a = await store.uploadPart(key, id, 1, streamOf(text("hello ")));
    const b = await store.uploadPart(key, id, 2, streamOf(text("world")));
    expect(a.etag).toBe(sha256(text("hello ")));
    const done = await store.completeMultipart(key, id, [
      { partNumber: 1, etag: a.etag },
      { partNumber: 2, etag: b.etag },
    ]);
    expect(done.etag).toBe(sha256(text("hello world")));
    expect(files("multipart")).toEqual([]);
    expect(new TextDecoder().decode(await readAll(await store.getStream(key)))).toBe("hello world");
  });

  test("an upload id belongs to its key", async () => {
    const key = newKey();
    const id = await store.createMultipart(key);
    await expect(store.uploadPart(newKey(), id, 1, streamOf(text("x")))).rejects.toThrow("Upload not found");
    await store.abortMultipart(newKey(), id);
    expect(files("multipart")).toContain(id);
    await store.abortMultipart(key, id);
    expect(files("multipart")).not.toContain(id);
  });

  test("part numbers outside 1..10000 are bad_request", async () => {
    const key = newKey();
    const id = await store.createMultipart(key);
    for (const n of [0, -1, 1.5, 10_001])
      await expectBlobError(store.uploadPart(key, id, n, streamOf(text("x"))), BlobRequestInvalid);
    await store.abortMultipart(key, id);
  });

  test("cleanupStaleUploads also removes old temp files, not fresh ones", async () => {
    const old = join(root, "tmp", "leftover.tmp");
    const fresh = join(root, "tmp", "inflight.tmp");
    writeFileSync(old, "partial");
    writeFileSync(fresh, "partial");
    const past = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(old, past, past);
    await store.cleanupStaleUploads(Date.now() - 86_400_000);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    rmSync(fresh);
  });

  test("range outside the object is range_not_satisfiable", async () => {
    const key = newKey();
    await store.putStream(key, streamOf(text("0123")));
    await expectBlobError(store.getStream(key, { start: 2, end: 4 }), RangeNotSatisfiable);
    await expectBlobError(store.getStream(key, { start: 3, end: 2 }), RangeNotSatisfiable);
  });

  test("a fresh key's write into a shard directory removed behind the store's back makes it again", async () => {
    const first = `zq${newKey().slice(2)}`;
    const second = `zq${newKey().slice(2)}`;
    const fresh = { freshKey: true, metadataKeepsStat: true };
    await store.putStream(first, streamOf(text("first")), fresh);
    rmSync(join(root, "zq"), { recursive: true });
    const stat = await store.putStream(second, streamOf(text("second")), fresh);
    expect(stat.etag).toBe(sha256(text("second")));
    expect(await readAll(await store.getStream(second))).toEqual(text("second"));
    expect(files("tmp")).toEqual([]);
  });

  test("fresh keys' concurrent writes into a new shard directory make it once", async () => {
    const made = spyOn(fsPromises, "mkdir");
    try {
      const keys = Array.from({ length: 8 }, () => `zw${newKey().slice(2)}`);
      const fresh = { freshKey: true, metadataKeepsStat: true };
      await Promise.all(keys.map((key) => store.putStream(key, streamOf(text(key)), fresh)));
      expect(made.mock.calls.map(([dir]) => dir)).toEqual([join(root, "zw")]);
      for (const key of keys) expect(await readAll(await store.getStream(key))).toEqual(text(key));
      // Known from then on: the next write into it makes nothing.
      await store.putStream(`zw${newKey().slice(2)}`, streamOf(text("later")), fresh);
      expect(made.mock.calls.length).toBe(1);
    } finally {
      made.mockRestore();
    }
  });

  test("fresh keys' writes resolve before their shared sync, and those of one sync share one promise of it", async () => {
    const fresh = { freshKey: true, metadataKeepsStat: true };
    // Batches the tests before left behind run to their end first: this write's sync comes after theirs.
    await (await store.putStream(newKey(), streamOf(text("settle")), fresh)).durable;
    // The first write's sync is held open. The three writes after it finish while it runs, in
    // whatever turns of the event loop their bytes land, so they gather into the next batch:
    // one sync for all three, as under load.
    const sync = store.dataSync.syncBatch;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let syncs = 0;
    store.dataSync.syncBatch = async (files, dirs) => {
      if (syncs++ === 0) {
        started();
        await held;
      }
      await sync(files, dirs);
    };
    const keys = [newKey(), newKey(), newKey()];
    try {
      const first = await store.putStream(newKey(), streamOf(text("first")), fresh);
      await running;
      const [a, b, c] = await Promise.all(keys.map((key) => store.putStream(key, streamOf(text(key)), fresh)));
      expect(a?.durable).toBeInstanceOf(Promise);
      // Every write resolved while its sync could not have run: a write does not wait for the disk.
      const pending = Symbol("pending");
      expect(await Promise.race([a?.durable, Promise.resolve(pending)])).toBe(pending);
      expect(a?.durable).not.toBe(first.durable);
      expect(b?.durable).toBe(a?.durable);
      expect(c?.durable).toBe(a?.durable);
      release();
      await first.durable;
      await a?.durable;
      expect(syncs).toBe(2);
      // A write after that sync waits for a sync of its own.
      const later = await store.putStream(newKey(), streamOf(text("later")), fresh);
      expect(later.durable).not.toBe(a?.durable);
      await later.durable;
      expect(syncs).toBe(3);
    } finally {
      release();
      store.dataSync.syncBatch = sync;
    }
    for (const key of keys) expect(await readAll(await store.getStream(key))).toEqual(text(key));
    // Any other write is durable when it resolves.
    expect((await store.putStream(newKey(), streamOf(text("plain")))).durable).toBeUndefined();
  });

  test("a small body under a fresh key is written in place, without a temp file; a larger one needs one", async () => {
    const fresh = { freshKey: true, metadataKeepsStat: true };
    rmSync(join(root, "tmp"), { recursive: true });
    try {
      const key = newKey();
      const stat = await store.putStream(key, streamOf(text("in place")), fresh);
      expect(stat).toMatchObject({ size: 8, etag: sha256(text("in place")) });
      expect(await readAll(await store.getStream(key))).toEqual(text("in place"));
      // Past the small-write size the body streams to a temp file, which cannot be made now.
      const big = newKey();
      await expect(store.putStream(big, streamOf(new Uint8Array(SMALL_BODY_BYTES + 1)), fresh)).rejects.toThrow();
      expect(existsSync(join(root, big.slice(0, 2), big))).toBe(false);
    } finally {
      mkdirSync(join(root, "tmp"));
    }
  });

  test("a small fresh write to a key already stored is refused and leaves the stored bytes alone", async () => {
    const fresh = { freshKey: true, metadataKeepsStat: true };
    const key = newKey();
    await store.putStream(key, streamOf(text("first")), fresh);
    await expectBlobError(store.putStream(key, streamOf(text("second")), fresh), BlobConflict);
    expect(await readAll(await store.getStream(key))).toEqual(text("first"));
  });

  test("a small fresh write whose body fails or runs over its limit leaves nothing under its key", async () => {
    const fresh = { freshKey: true, metadataKeepsStat: true };
    const failed = newKey();
    await expect(store.putStream(failed, failingStream(text("part")), fresh)).rejects.toThrow("client went away");
    const over = newKey();
    await expectBlobError(store.putStream(over, streamOf(text("too long")), { ...fresh, maxBytes: 4 }), BlobTooLarge);
    for (const key of [failed, over]) expect(existsSync(join(root, key.slice(0, 2), key))).toBe(false);
    expect(files("tmp")).toEqual([]);
  });

  test("a download reads a small object as it is now, though its descriptor is kept between downloads", async () => {
    const key = newKey();
    const bytesOf = (body: Uint8Array | Blob | undefined) => body as Uint8Array;
    await store.putStream(key, streamOf(text("first")));
    expect(bytesOf(store.bodyOf(key, 5)?.body)).toEqual(text("first"));
    expect(bytesOf(store.bodyOf(key, 5)?.body)).toEqual(text("first"));
    // Replaced through the store, then deleted through it.
    await store.putStream(key, streamOf(text("again")));
    expect(bytesOf(store.bodyOf(key, 5)?.body)).toEqual(text("again"));
    await store.delete(key);
    expect(store.bodyOf(key, 5)).toBeNull();
    // Replaced and deleted behind the store's back (another instance sharing the directory).
    const other = newKey();
    const fresh = { freshKey: true, metadataKeepsStat: true };
    await store.putStream(other, streamOf(text("one")), fresh);
    expect(bytesOf(store.bodyOf(other, 3)?.body)).toEqual(text("one"));
    writeFileSync(join(root, "tmp", "swap"), text("two"));
    renameSync(join(root, "tmp", "swap"), join(root, other.slice(0, 2), other));
    expect(bytesOf(store.bodyOf(other, 3)?.body)).toEqual(text("two"));
    unlinkSync(join(root, other.slice(0, 2), other));
    expect(store.bodyOf(other, 3)).toBeNull();
  });

  test("closing the store lets go of the descriptors its downloads kept", async () => {
    const own = new LocalBlobStore(
      join(dir, "closing"),
      blobUrlBuilder(new UrlSigner("local-test-secret-0123456789abcdef0123")),
    );
    const descriptors = () => readdirSync("/proc/self/fd").length;
    const keys = [newKey(), newKey(), newKey()];
    for (const key of keys) await own.putStream(key, streamOf(text("kept")));
    const before = descriptors();
    for (const key of keys) own.bodyOf(key, 4);
    expect(descriptors()).toBe(before + keys.length);
    await own.close();
    expect(descriptors()).toBeLessThanOrEqual(before);
  });
});
