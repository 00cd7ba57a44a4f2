import { expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { UploadHash } from "../../src/storage/blob/upload-hash";

const sha = (parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

/** Feeds `batches` the way writeStream does: all but the last off-thread, the last to finish. */
async function digestOf(batches: Uint8Array[][]): Promise<string> {
  const hash = new UploadHash();
  for (const batch of batches.slice(0, -1)) await hash.more(batch);
  return hash.last(batches.at(-1) ?? []);
}

test("one batch is hashed inline; many batches on the worker; both give the sha256 of the bytes", async () => {
  const small = [randomBytes(4096)];
  expect(await digestOf([small])).toBe(sha(small));
  const batches = Array.from({ length: 20 }, () => [randomBytes(65536), randomBytes(1000), new Uint8Array(0)]);
  expect(await digestOf(batches)).toBe(sha(batches.flat()));
  expect(await digestOf([[], []])).toBe(sha([]));
});

test("concurrent uploads interleaved on the one worker keep their own digests", async () => {
  const uploads = Array.from({ length: 6 }, () => Array.from({ length: 12 }, () => [randomBytes(32768)]));
  const digests = await Promise.all(uploads.map((batches) => digestOf(batches)));
  expect(digests).toEqual(uploads.map((batches) => sha(batches.flat())));
});

test("an abandoned hash leaves the worker serving the next upload correctly", async () => {
  const abandoned = new UploadHash();
  await abandoned.more([randomBytes(100_000)]);
  abandoned.abandon();
  const next = [[randomBytes(50_000)], [randomBytes(50_000)]];
  expect(await digestOf(next)).toBe(sha(next.flat()));
});

test("a chunk handed over may be reused at once: the worker hashes the bytes as they were", async () => {
  const buffer = randomBytes(65536);
  const copy = Uint8Array.from(buffer);
  const hash = new UploadHash();
  await hash.more([buffer]);
  buffer.fill(0);
  expect(await hash.last([])).toBe(sha([copy]));
});
