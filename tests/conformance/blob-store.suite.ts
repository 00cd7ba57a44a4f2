import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { randomBase62 } from "../../src/lib/ids";
import type { BlobStore } from "../../src/storage/blob/blob-store";
import {
  BlobConflict,
  type BlobError,
  BlobNotFound,
  BlobRequestInvalid,
  BlobTooLarge,
} from "../../src/storage/blob/errors";
import { storedKeys } from "../fixtures/blob-keys";

export interface BlobStoreFixture {
  store: BlobStore;
  /** Base URL handed to signedUrl / signedPartUrl (default http://localhost). */
  baseUrl?: string;
  /**
   * Fetches a signed URL. Local stores point at lightd, so their fixture routes this
   * through the app; S3 fixtures pass global fetch. Every backend follows its signed URLs.
   */
  fetchSigned: (url: string, init?: RequestInit) => Promise<Response>;
  cleanup(): Promise<void>;
}

export interface BlobStoreSuiteOptions {
  name: string;
  make: () => Promise<BlobStoreFixture>;
  /** Case name → reason; a skipped case is reported with its reason. */
  skip?: Record<string, string>;
  /**
   * Whether the store copies objects server-side (`copy`). One that does not lets files
   * share one object instead (local disk); the suite checks whichever the backend says.
   */
  copies: boolean;
}

const MiB = 1024 * 1024;
/** S3 refuses parts under 5 MiB except the last one, so the happy path uses real-sized parts. */
const PART = 5 * MiB;

export const newKey = () => `t${randomBase62(19)}`;

export function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** A body that sends `bytes` and then fails, like a client that disconnects mid-upload. */
export function failingStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes);
      } else controller.error(new Error("client went away"));
    },
  });
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const text = (s: string) => new TextEncoder().encode(s);

/** The store refuses with this storage error (the HTTP status it becomes is the renderer's business). */
export async function expectBlobError(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => BlobError,
): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(kind);
}

export async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(BlobNotFound);
}

async function keysOf(store: BlobStore): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const key of await storedKeys(store)) keys.add(key);
  return keys;
}

/** The BlobStore contract (src/storage/blob/blob-store.ts), run against one backend. */
export function runBlobStoreSuite(options: BlobStoreSuiteOptions): void {
  describe(`BlobStore conformance: ${options.name}`, () => {
    let fx: BlobStoreFixture;
    let store: BlobStore;
    const base = () => fx.baseUrl ?? "http://localhost";
    beforeAll(async () => {
      fx = await options.make();
      store = fx.store;
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    const it = (name: string, fn: () => Promise<void>, timeout?: number) => {
      const reason = options.skip?.[name];
      if (reason) test.skip(`${name} (skipped: ${reason})`, fn);
      else test(name, fn, timeout);
    };
    const put = (key: string, bytes: Uint8Array) => store.putStream(key, streamOf(bytes));
    const get = async (key: string, range?: { start: number; end: number }) =>
      readAll(await store.getStream(key, range));

    it("putStream stores the bytes; head and getStream return them", async () => {
      const key = newKey();
      const stat = await put(key, text("hello, lightd"));
      expect(stat.size).toBe(13);
      expect(stat.etag).toBeString();
      expect(stat.etag.length).toBeGreaterThan(0);
      expect(stat.etag.startsWith('"')).toBe(false);
      const head = await store.head(key);
      expect(head.size).toBe(13);
      expect(head.etag).toBe(stat.etag);
      expect(new TextDecoder().decode(await get(key))).toBe("hello, lightd");
    });

    it("sealUpload hands back a key holding the same bytes; the old key no longer changes them", async () => {
      const key = newKey();
      const stat = await put(key, text("sealed bytes"));
      const sealed = await store.sealUpload(key, stat);
      expect(sealed.stat.size).toBe(12);
      expect(new TextDecoder().decode(await get(sealed.key))).toBe("sealed bytes");
      if (sealed.key !== key) {
        // A store that moves the object leaves nothing at the upload key.
        await expectNotFound(store.head(key));
        await put(key, text("replayed"));
        expect(new TextDecoder().decode(await get(sealed.key))).toBe("sealed bytes");
        await store.delete(key);
      }
      await store.delete(sealed.key);
    });

    it("sealUpload refuses an object that changed since it was read (conflict)", async () => {
      const key = newKey();
      const first = await put(key, text("first"));
      await put(key, text("second, longer"));
      await expectBlobError(store.sealUpload(key, first), BlobConflict);
      await store.delete(key);
    });

    if (options.copies) {
      it("copy makes an independent object server-side, and refuses a missing or changed source", async () => {
        const copy = store.copy;
        expect(copy).toBeFunction();
        if (!copy) throw new Error("the store offers no copy");
        const key = newKey();
        const stat = await put(key, text("copy me"));
        const target = newKey();
        const copied = await copy.call(store, key, target, stat);
        expect(copied).toMatchObject({ size: 7, etag: stat.etag });
        await store.delete(key);
        expect(new TextDecoder().decode(await get(target))).toBe("copy me");
        await expectNotFound(copy.call(store, key, newKey(), stat));
        const changed = await put(key, text("changed, longer"));
        expect(changed.etag).not.toBe(stat.etag);
        await expectBlobError(copy.call(store, key, newKey(), stat), BlobConflict);
        await store.delete(key);
        await store.delete(target);
      });
    } else {
      it("offers no copy: files share one object instead (local disk)", async () => {
        expect(store.copy).toBeUndefined();
        expect(store.kind).toBe("local");
      });
    }

    it("an empty object is stored and read back", async () => {
      const key = newKey();
      const stat = await put(key, new Uint8Array(0));
      expect(stat.size).toBe(0);
      expect((await store.head(key)).size).toBe(0);
      expect((await get(key)).byteLength).toBe(0);
    });

    it("a 5 MB object round-trips intact (sha256)", async () => {
      const key = newKey();
      const bytes = new Uint8Array(randomBytes(5 * 1000 * 1000));
      const stat = await store.putStream(key, streamOf(bytes, 100_003));
      expect(stat.size).toBe(bytes.byteLength);
      expect(sha256(await get(key))).toBe(sha256(bytes));
    }, 60_000);

    it("the etag is stable for the same bytes and differs for different bytes", async () => {
      const a = newKey();
      const b = newKey();
      const c = newKey();
      const sa = await put(a, text("same"));
      const sb = await put(b, text("same"));
      const sc = await put(c, text("different"));
      expect(sa.etag).toBe(sb.etag);
      expect(sc.etag).not.toBe(sa.etag);
      expect((await store.head(a)).etag).toBe(sa.etag);
    });

    it("getStream serves inclusive ranges: first byte, last byte, middle, whole", async () => {
      const key = newKey();
      await put(key, text("0123456789"));
      const read = async (start: number, end: number) => new TextDecoder().decode(await get(key, { start, end }));
      expect(await read(0, 0)).toBe("0");
      expect(await read(9, 9)).toBe("9");
      expect(await read(3, 6)).toBe("3456");
      expect(await read(0, 9)).toBe("0123456789");
    });

    it("a missing object: head and getStream throw BlobNotFound", async () => {
      const key = newKey();
      await expectNotFound(store.head(key));
      await expectNotFound(store.getStream(key));
      await expectNotFound(store.getStream(key, { start: 0, end: 0 }));
    });

    it("delete removes the object and is idempotent", async () => {
      const key = newKey();
      await put(key, text("bye"));
      await store.delete(key);
      await expectNotFound(store.head(key));
      await store.delete(key);
      await store.delete(newKey());
      expect((await keysOf(store)).has(key)).toBe(false);
    });

    it("overwrite replaces the object atomically: readers see the old bytes until the new ones are durable", async () => {
      const key = newKey();
      await put(key, text("old contents"));
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let step = 0;
      const slow = new ReadableStream<Uint8Array>({
        async pull(controller) {
          step++;
          if (step === 1) controller.enqueue(text("new "));
          else if (step === 2) {
            await gate;
            controller.enqueue(text("contents!"));
          } else controller.close();
        },
      });
      const pending = store.putStream(key, slow);
      await Bun.sleep(50);
      expect(new TextDecoder().decode(await get(key))).toBe("old contents");
      expect((await store.head(key)).size).toBe(12);
      release();
      const stat = await pending;
      expect(stat.size).toBe(13);
      expect(new TextDecoder().decode(await get(key))).toBe("new contents!");
      expect((await store.head(key)).etag).toBe(stat.etag);
    });

    it("maxBytes: a larger body throws BlobTooLarge and leaves nothing behind", async () => {
      const key = newKey();
      const before = await keysOf(store);
      await expectBlobError(
        store.putStream(key, streamOf(new Uint8Array(5000), 1000), { maxBytes: 4096 }),
        BlobTooLarge,
      );
      await expectNotFound(store.head(key));
      expect(await keysOf(store)).toEqual(before);
      const exact = await store.putStream(key, streamOf(new Uint8Array(4096), 1000), { maxBytes: 4096 });
      expect(exact.size).toBe(4096);
    });

    it("a body that fails mid-stream throws and leaves nothing behind (and keeps an existing object)", async () => {
      const key = newKey();
      const before = await keysOf(store);
      await expect(store.putStream(key, failingStream(new Uint8Array(10_000)))).rejects.toThrow();
      await expectNotFound(store.head(key));
      expect(await keysOf(store)).toEqual(before);

      const kept = newKey();
      const original = await put(kept, text("keep me"));
      await expect(store.putStream(kept, failingStream(new Uint8Array(10_000)))).rejects.toThrow();
      expect(await store.head(kept)).toMatchObject({ size: 7, etag: original.etag });
      expect(new TextDecoder().decode(await get(kept))).toBe("keep me");
    });

    it("listObjects yields stored objects only, and forgets deleted ones", async () => {
      const a = newKey();
      const b = newKey();
      await put(a, text("a"));
      await put(b, text("b"));
      const pending = newKey();
      const uploadId = await store.createMultipart(pending);
      await store.uploadPart(pending, uploadId, 1, streamOf(text("x")));
      const keys = await keysOf(store);
      expect(keys.has(a)).toBe(true);
      expect(keys.has(b)).toBe(true);
      expect(keys.has(pending)).toBe(false);
      for (const key of keys) expect(key).not.toContain(uploadId);
      await store.delete(a);
      expect((await keysOf(store)).has(a)).toBe(false);
      await store.abortMultipart(pending, uploadId);
    });

    it("signedUrl returns distinct URLs for GET and PUT", async () => {
      const key = newKey();
      await put(key, text("signed"));
      const getUrl = await store.signedUrl(key, { method: "GET", expiresIn: 300, baseUrl: base() });
      const putUrl = await store.signedUrl(key, { method: "PUT", expiresIn: 300, baseUrl: base() });
      expect(() => new URL(getUrl)).not.toThrow();
      expect(() => new URL(putUrl)).not.toThrow();
      expect(getUrl).toContain(key);
      expect(getUrl).not.toBe(putUrl);
    });

    it("signed URLs work for their own method and object", async () => {
      const key = newKey();
      const putUrl = await store.signedUrl(key, { method: "PUT", expiresIn: 300, baseUrl: base() });
      const res = await fx.fetchSigned(putUrl, { method: "PUT", body: text("via url") });
      expect(res.status).toBe(200);
      expect((await store.head(key)).size).toBe(7);
      const getUrl = await store.signedUrl(key, { method: "GET", expiresIn: 300, baseUrl: base() });
      const got = await fx.fetchSigned(getUrl);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe("via url");
      const wrong = await fx.fetchSigned(putUrl);
      expect(wrong.status).toBe(403);
    });

    it("multipart: three parts complete into one object, in order", async () => {
      const key = newKey();
      const parts = [randomBytes(PART), randomBytes(PART), randomBytes(1234)].map((b) => new Uint8Array(b));
      const uploadId = await store.createMultipart(key, { contentType: "application/x-test" });
      expect(uploadId).toBeString();
      // Upload out of order: assembly follows the part numbers, not arrival.
      const etags: string[] = [];
      for (const n of [3, 1, 2]) {
        const stat = await store.uploadPart(key, uploadId, n, streamOf(parts[n - 1] as Uint8Array));
        expect(stat.size).toBe((parts[n - 1] as Uint8Array).byteLength);
        etags[n - 1] = stat.etag;
      }
      await expectNotFound(store.head(key));
      const done = await store.completeMultipart(
        key,
        uploadId,
        etags.map((etag, i) => ({ partNumber: i + 1, etag })),
      );
      const whole = Buffer.concat(parts);
      expect(done.size).toBe(whole.byteLength);
      const head = await store.head(key);
      expect(head.size).toBe(whole.byteLength);
      expect(head.etag).toBe(done.etag);
      expect(sha256(await get(key))).toBe(sha256(whole));
      // The upload is gone once completed.
      await expectNotFound(store.uploadPart(key, uploadId, 4, streamOf(text("late"))));
    }, 120_000);

    it("multipart: etags are accepted with or without quotes", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const part = await store.uploadPart(key, uploadId, 1, streamOf(text("only part")));
      const done = await store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: `"${part.etag}"` }]);
      expect(done.size).toBe(9);
      expect(new TextDecoder().decode(await get(key))).toBe("only part");
    });

    it("multipart: a wrong etag is bad_request and the upload stays usable", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const part = await store.uploadPart(key, uploadId, 1, streamOf(text("part one")));
      await expectBlobError(
        store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: "0".repeat(32) }]),
        BlobRequestInvalid,
      );
      await expectNotFound(store.head(key));
      const done = await store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: part.etag }]);
      expect(done.size).toBe(8);
    });

    it("multipart: part numbers out of order or repeated are bad_request", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const one = await store.uploadPart(key, uploadId, 1, streamOf(text("a")));
      const two = await store.uploadPart(key, uploadId, 2, streamOf(text("b")));
      const p1 = { partNumber: 1, etag: one.etag };
      const p2 = { partNumber: 2, etag: two.etag };
      await expectBlobError(store.completeMultipart(key, uploadId, [p2, p1]), BlobRequestInvalid);
      await expectBlobError(store.completeMultipart(key, uploadId, [p1, p1]), BlobRequestInvalid);
      await expectBlobError(store.completeMultipart(key, uploadId, []), BlobRequestInvalid);
      await expectNotFound(store.head(key));
      await store.abortMultipart(key, uploadId);
    });

    it("multipart: a listed part that was never uploaded is bad_request", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const two = await store.uploadPart(key, uploadId, 2, streamOf(text("b")));
      await expectBlobError(
        store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: two.etag }]),
        BlobRequestInvalid,
      );
      await expectNotFound(store.head(key));
      await store.abortMultipart(key, uploadId);
    });

    it("multipart: uploadPart over maxBytes is BlobTooLarge", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      await expectBlobError(
        store.uploadPart(key, uploadId, 1, streamOf(new Uint8Array(3000), 500), { maxBytes: 2048 }),
        BlobTooLarge,
      );
      await store.abortMultipart(key, uploadId);
    });

    it("multipart: abort discards the upload; aborting twice or an unknown upload is fine", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const part = await store.uploadPart(key, uploadId, 1, streamOf(text("gone")));
      await store.abortMultipart(key, uploadId);
      await store.abortMultipart(key, uploadId);
      await expectNotFound(store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: part.etag }]));
      await expectNotFound(store.uploadPart(key, uploadId, 2, streamOf(text("x"))));
      await expectNotFound(store.head(key));
    });

    it("multipart: an unknown upload id is BlobNotFound for uploadPart and completeMultipart", async () => {
      const key = newKey();
      const unknown = `u${randomBase62(23)}`;
      await expectNotFound(store.uploadPart(key, unknown, 1, streamOf(text("x"))));
      await expectNotFound(store.completeMultipart(key, unknown, [{ partNumber: 1, etag: "abc" }]));
      await store.abortMultipart(key, unknown);
    });

    it("signedPartUrl accepts a PUT of that part and answers its ETag", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      const url = await store.signedPartUrl(key, uploadId, 1, { expiresIn: 300, baseUrl: base() });
      expect(() => new URL(url)).not.toThrow();
      const res = await fx.fetchSigned(url, { method: "PUT", body: text("part via url") });
      expect(res.status).toBe(200);
      const etag = res.headers.get("etag");
      expect(etag).toBeString();
      const done = await store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: etag as string }]);
      expect(done.size).toBe(12);
    });

    it("listObjects yields each stored object with its modification time", async () => {
      const key = newKey();
      const before = Date.now() - 60_000;
      await put(key, text("listed"));
      const listed = new Map<string, number>();
      for await (const object of store.listObjects()) listed.set(object.key, object.modified);
      expect(listed.get(key)).toBeGreaterThan(before);
      expect(listed.get(key)).toBeLessThan(Date.now() + 60_000);
      expect(new Set(listed.keys())).toEqual(await keysOf(store));
      await store.delete(key);
    });

    it("cleanupStaleUploads spares the uploads `keep` claims", async () => {
      const kept = newKey();
      const keptId = await store.createMultipart(kept);
      const dropped = newKey();
      const droppedId = await store.createMultipart(dropped);
      await store.cleanupStaleUploads(Date.now() + 60_000, (uploadId) => uploadId === keptId);
      const part = await store.uploadPart(kept, keptId, 1, streamOf(text("still open")));
      expect(part.size).toBe(10);
      await expectNotFound(store.uploadPart(dropped, droppedId, 1, streamOf(text("gone"))));
      await store.abortMultipart(kept, keptId);
    });

    it("cleanupStaleUploads removes uploads started before the cutoff, and only those", async () => {
      const key = newKey();
      const uploadId = await store.createMultipart(key);
      await store.uploadPart(key, uploadId, 1, streamOf(text("stale")));
      await store.cleanupStaleUploads(Date.now() - 3_600_000);
      await store.uploadPart(key, uploadId, 2, streamOf(text("still alive")));
      const removed = await store.cleanupStaleUploads(Date.now() + 60_000);
      expect(removed).toBeGreaterThanOrEqual(1);
      await expectNotFound(store.uploadPart(key, uploadId, 3, streamOf(text("too late"))));
    });
  });
}
