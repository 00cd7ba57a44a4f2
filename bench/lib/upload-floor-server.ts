/**
 * The large-upload floor: a bare Bun.serve that streams a PUT body into a file, one write
 * per chunk as it arrives, and fdatasyncs it before answering; with `hash`, every chunk is
 * also fed to a SHA-256 hasher (Bun.CryptoHasher) on the request thread. No auth, no
 * metadata, no rename: what Bun itself allows for a durable upload, printed beside lightd so
 * its distance from that is visible every run. Each upload overwrites `<dir>/upload.bin`.
 * With `hash-only`, every chunk is hashed and nothing is written: the most one thread can
 * take in and hash, whatever the disk does (the receiving thread's ceiling).
 * Usage: bun run bench/lib/upload-floor-server.ts <dir> [hash | hash-only]
 */
import { mkdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";

const dir = Bun.argv[2];
if (!dir) throw new Error("usage: upload-floor-server.ts <dir> [hash | hash-only]");
const mode = Bun.argv[3];
const hashing = mode === "hash" || mode === "hash-only";
const writing = mode !== "hash-only";
mkdirSync(dir, { recursive: true });

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  maxRequestBodySize: 2 ** 40,
  async fetch(request) {
    if (request.method !== "PUT" || !request.body) return new Response("PUT a body", { status: 400 });
    const hash = hashing ? new Bun.CryptoHasher("sha256") : null;
    let size = 0;
    if (!writing) {
      for await (const chunk of request.body) {
        hash?.update(chunk);
        size += chunk.byteLength;
      }
      return Response.json({ size, sha256: hash?.digest("hex") ?? null });
    }
    const fh = await open(join(dir, "upload.bin"), "w");
    try {
      for await (const chunk of request.body) {
        hash?.update(chunk);
        for (let done = 0; done < chunk.byteLength; ) {
          done += (await fh.write(chunk, done, chunk.byteLength - done)).bytesWritten;
        }
        size += chunk.byteLength;
      }
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return Response.json({ size, sha256: hash?.digest("hex") ?? null });
  },
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
