/**
 * The small-files baseline: a bare Bun.serve that stores a PUT body with the least work
 * a durable file store must do (write a temp file, fsync it, rename, fsync the directory)
 * and answers a GET with
 * the file (Bun.file, sendfile). No auth, no metadata, no redirect.
 * Usage: bun run bench/lib/small-file-server.ts <dir>
 */
import { mkdirSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";

const dir = Bun.argv[2];
if (!dir) throw new Error("usage: small-file-server.ts <dir>");
mkdirSync(dir, { recursive: true });
let seq = 0;

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const name = new URL(request.url).pathname.slice(1).replaceAll("/", "_");
    const path = join(dir, name);
    if (request.method === "PUT") {
      const body = new Uint8Array(await request.arrayBuffer());
      const tmp = join(dir, `.tmp-${seq++}`);
      const fh = await open(tmp, "w");
      await fh.write(body);
      await fh.sync();
      await fh.close();
      await rename(tmp, path);
      const dirHandle = await open(dir, "r");
      await dirHandle.sync();
      await dirHandle.close();
      return Response.json({ size: body.byteLength });
    }
    const file = Bun.file(path);
    return (await file.exists()) ? new Response(file) : new Response("not found", { status: 404 });
  },
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
