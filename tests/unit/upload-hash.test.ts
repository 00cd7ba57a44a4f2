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

test("a process with nothing else to wait for stays alive until the worker's digest arrives", async () => {
  // A command such as `lightd restore` has no server socket keeping it alive: the worker must.
  const script = `
    import { UploadHash } from ${JSON.stringify(`${import.meta.dir}/../../src/storage/blob/upload-hash.ts`)};
    // Not a top-level await (that alone would keep the process alive): a promise chain, as in main.
    void (async () => {
      const hash = new UploadHash();
      const bytes = new Uint8Array(1 << 20).fill(7);
      for (let i = 0; i < 4; i++) await hash.more([bytes]);
      process.stdout.write(await hash.last([bytes]));
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
