import { afterAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markChunksOwned, releaseChunk } from "../../src/lib/owned-chunks";
import { BlobTooLarge } from "../../src/storage/blob/errors";
import { writeStream } from "../../src/storage/blob/local-io";
import { UploadRing } from "../../src/storage/blob/upload-ring";

/** writeStream: small bodies hashed and written inline, large ones hashed as they arrive and written through the ring. */

const dir = mkdtempSync(join(tmpdir(), "lightd-upload-ring-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A body that hands out `parts` one per pull (optionally failing after `failAfter` of them). */
function bodyOf(parts: Uint8Array[], failAfter?: number): ReadableStream<Uint8Array> & { pulled: () => number } {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) return controller.error(new Error("client went away"));
      const part = parts[i++];
      if (part) controller.enqueue(part);
      else controller.close();
    },
  });
  return Object.assign(stream, { pulled: () => i });
}

let files = 0;
/** Stores `parts` in a new file; `named` (the default) lets full slots go past the page cache. */
async function store(parts: Uint8Array[], maxBytes?: number, named = true) {
  const path = join(dir, `f${files++}`);
  const fh = await open(path, "wx");
  try {
    const written = await writeStream(fh, bodyOf(parts), maxBytes, undefined, named ? path : undefined);
    return { written, bytes: new Uint8Array(readFileSync(path)), path };
  } finally {
    await fh.close();
  }
}

test("small and large bodies: the file holds the bytes and the etag is their sha256", async () => {
  const small = [randomBytes(4096)];
  const smallResult = await store(small);
  expect(smallResult.bytes).toEqual(concat(small));
  expect(smallResult.written).toEqual({ size: 4096, etag: sha(small) });

  // Odd sizes cross slot boundaries; empty chunks and a tail shorter than a slot are kept.
  const large = Array.from({ length: 90 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 65_536 + i * 13));
  const largeResult = await store(large);
  expect(largeResult.bytes).toEqual(concat(large));
  expect(largeResult.written).toEqual({ size: concat(large).byteLength, etag: sha(large) });

  const empty = await store([]);
  expect(empty.written).toEqual({ size: 0, etag: sha([]) });
});

test("whole slots, a tail, and bodies that end on a slot boundary: the same bytes past the page cache or through it", async () => {
  const MiB = 1024 * 1024;
  for (const sizes of [[4 * MiB], [3 * MiB + 1], [65_536, 5 * MiB - 65_536, 12_345], [MiB - 1, 1, MiB]]) {
    const parts = sizes.map((n) => randomBytes(n));
    for (const named of [true, false]) {
      const result = await store(parts, undefined, named);
      expect(result.bytes.byteLength).toBe(concat(parts).byteLength);
      expect(result.bytes).toEqual(concat(parts));
      expect(result.written).toEqual({ size: concat(parts).byteLength, etag: sha(parts) });
    }
  }
});

test("a path the second descriptor cannot open leaves every slot to the page cache, and the file whole", async () => {
  const path = join(dir, "cached-only");
  const fh = await open(path, "wx");
  const parts = Array.from({ length: 9 }, () => randomBytes(500_000));
  try {
    const written = await writeStream(fh, bodyOf(parts), undefined, undefined, join(dir, "no-such-file"));
    expect(written.etag).toBe(sha(parts));
  } finally {
    await fh.close();
  }
  expect(new Uint8Array(readFileSync(path))).toEqual(concat(parts));
});

test("concurrent large uploads interleaved keep their own bytes and digests", async () => {
  const uploads = Array.from({ length: 5 }, () => Array.from({ length: 40 }, () => randomBytes(100_000)));
  const results = await Promise.all(uploads.map((parts) => store(parts)));
  results.forEach((result, i) => {
    const parts = uploads[i] as Uint8Array[];
    expect(result.bytes).toEqual(concat(parts));
    expect(result.written.etag).toBe(sha(parts));
  });
});

test("a chunk pushed into the ring may be reused at once: the stored bytes are as they were", async () => {
  const buffer = randomBytes(700_000);
  const copy = Uint8Array.from(buffer);
  const path = join(dir, "reused");
  const fh = await open(path, "wx");
  const ring = new UploadRing(fh);
  for (let i = 0; i < 4; i++) {
    buffer.set(copy);
    await ring.push(buffer);
    buffer.fill(i); // the caller's buffer changes as soon as push returns
  }
  const etag = await ring.finish();
  await fh.close();
  const parts = [copy, copy, copy, copy];
  expect(new Uint8Array(readFileSync(path))).toEqual(concat(parts));
  expect(etag).toBe(sha(parts));
});

test("chunks are freed once copied only when the body is marked as handing out owned chunks", async () => {
  const parts = Array.from({ length: 30 }, () => new Uint8Array(randomBytes(65_536)));
  const copies = parts.map((part) => Uint8Array.from(part));

  // An unmarked body (built in process): the producer's buffers are left exactly as they were.
  const kept = await store(parts);
  expect(kept.written.etag).toBe(sha(copies));
  expect(parts).toEqual(copies);

  // A marked body (a request body read from the socket): each chunk is released after its copy.
  const path = join(dir, "owned");
  const fh = await open(path, "wx");
  const written = await writeStream(fh, markChunksOwned(bodyOf(parts)), undefined);
  await fh.close();
  expect(written.etag).toBe(sha(copies));
  expect(new Uint8Array(readFileSync(path))).toEqual(concat(copies));
  expect(parts.every((part) => part.byteLength === 0)).toBe(true);
});

test("releaseChunk frees only a chunk that is its whole, unshared buffer", () => {
  const whole = new Uint8Array(1024);
  releaseChunk(whole);
  expect(whole.byteLength).toBe(0);
  const backing = new Uint8Array(2048);
  const view = backing.subarray(0, 1024);
  releaseChunk(view);
  expect([view.byteLength, backing.byteLength]).toEqual([1024, 2048]);
  const shared = new Uint8Array(new SharedArrayBuffer(1024));
  releaseChunk(shared);
  expect(shared.byteLength).toBe(1024);
});

test("a body that fails midway or grows past maxBytes stops at once, and the next upload is stored whole", async () => {
  const path = join(dir, "failed");
  const fh = await open(path, "wx");
  const failing = bodyOf(
    Array.from({ length: 50 }, () => randomBytes(65_536)),
    30,
  );
  const error = await writeStream(fh, failing, undefined).catch((e) => e);
  expect((error as Error).message).toBe("client went away");
  const sizeAfter = statSync(path).size;

  const fh2 = await open(join(dir, "over"), "wx");
  const over = bodyOf(Array.from({ length: 50 }, () => randomBytes(65_536)));
  expect(await writeStream(fh2, over, 40 * 65_536).catch((e) => e)).toBeInstanceOf(BlobTooLarge);
  expect(over.pulled()).toBeLessThanOrEqual(42); // 41 read, at most one more queued by the stream
  await fh2.close();

  // Once the next upload is done, nothing of the failed one is still writing: its file did not grow.
  const next = Array.from({ length: 20 }, () => randomBytes(100_000));
  expect((await store(next)).written.etag).toBe(sha(next));
  expect(statSync(path).size).toBe(sizeAfter);
  await fh.close();
});

test("a write the disk refuses fails the upload with the filesystem's code", async () => {
  // /dev/full answers every write with ENOSPC, as a full disk does.
  const fh = await open("/dev/full", "w");
  try {
    const parts = Array.from({ length: 40 }, () => randomBytes(65_536));
    const error = await writeStream(fh, bodyOf(parts), undefined).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    await fh.close();
  }
  const next = Array.from({ length: 20 }, () => randomBytes(100_000));
  expect((await store(next)).written.etag).toBe(sha(next));
});

test("a process with nothing else to wait for stays alive until the upload's digest arrives", async () => {
  // A command such as `lightd restore` has no server socket keeping it alive: the pending writes must.
  const script = `
    import { open } from "node:fs/promises";
    import { writeStream } from ${JSON.stringify(`${import.meta.dir}/../../src/storage/blob/local-io.ts`)};
    // Not a top-level await (that alone would keep the process alive): a promise chain, as in main.
    void (async () => {
      const fh = await open(${JSON.stringify(join(dir, "alive"))}, "wx");
      const body = new Blob(Array.from({ length: 5 }, () => new Uint8Array(1 << 20).fill(7))).stream();
      process.stdout.write((await writeStream(fh, body, undefined)).etag);
    })();
  `;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  expect(out).toBe(sha(Array.from({ length: 5 }, () => new Uint8Array(1 << 20).fill(7))));
});
