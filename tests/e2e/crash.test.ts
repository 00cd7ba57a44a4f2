import { afterAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, startServer } from "../fixtures/binary";

/**
 * Crash safety of uploads on the real server (the compiled `dist/lightd`): a server killed
 * with SIGKILL mid-upload comes back without the file (never a partial one), and a
 * completed upload survives the restart byte for byte.
 */

const dir = makeTempDir();
const configPath = join(dir, "config.json");

afterAll(cleanupE2E);

/** Starts the compiled server on port 0 on the same config and data, waiting for its `listening` line. */
const start = () => startServer({ dir });

const masterToken = () => JSON.parse(readFileSync(configPath, "utf8")).authorization.token as string;
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function openSocket(port: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect(port, "127.0.0.1", () => done(socket));
    socket.once("error", fail);
  });
}

/** Total bytes of the upload temp files: how much of an in-flight upload the server has written. */
function tempBytes(): number {
  const tmp = join(dir, "data", "blobs", "tmp");
  return readdirSync(tmp).reduce((sum, name) => sum + statSync(join(tmp, name)).size, 0);
}

/** Waits for a condition by polling it (the server's progress has no event to wait on). */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await Bun.sleep(20);
  }
}

test("SIGKILL mid-upload: after restart the file is absent, and a completed upload is intact", async () => {
  let server = await start();
  const token = masterToken();
  const auth = { authorization: `Bearer ${token}` };

  // A completed upload before the crash.
  const whole = new Uint8Array(randomBytes(3 * 1024 * 1024));
  const put = await fetch(`${server.url}/files/kept/whole.bin`, { method: "PUT", headers: auth, body: whole });
  expect(put.status).toBe(200);
  expect((await put.json()).size).toBe(whole.length);

  // An overwrite of the same file that is cut off must not damage the completed version,
  // and a new file that is cut off must not appear.
  const sockets: Socket[] = [];
  for (const path of ["kept/whole.bin", "partial/big.bin"]) {
    const socket = await openSocket(server.port);
    socket.on("error", () => {});
    sockets.push(socket);
    socket.write(
      `PUT /files/${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(randomBytes(4 * 1024 * 1024));
  }
  // Both uploads are streaming to temp files: most of the 8 MiB sent so far is on disk.
  await until(() => tempBytes() >= 4 * 1024 * 1024, 15_000);

  server.proc.kill("SIGKILL");
  await server.proc.exited;
  for (const socket of sockets) socket.destroy();

  server = await start();
  try {
    // The cut-off new file is not visible in any way.
    const missing = await fetch(`${server.url}/files/partial/big.bin`, {
      headers: { ...auth, accept: "application/json" },
    });
    expect(missing.status).toBe(404);
    expect((await fetch(`${server.url}/files/partial/big.bin`, { method: "HEAD", headers: auth })).status).toBe(404);
    const list = await (await fetch(`${server.url}/files`, { headers: auth })).json();
    expect(list.entries.map((e: { path: string }) => e.path)).toEqual(["kept/"]);

    // The completed file survived whole, with its metadata.
    const meta = await (
      await fetch(`${server.url}/files/kept/whole.bin`, { headers: { ...auth, accept: "application/json" } })
    ).json();
    expect(meta).toMatchObject({ size: whole.length, etag: sha(whole) });
    const download = await fetch(`${server.url}/files/kept/whole.bin`, { headers: auth });
    expect(download.status).toBe(200);
    expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(sha(whole));
    expect(await (await fetch(`${server.url}/files/stats`, { headers: auth })).json()).toMatchObject({
      files: 1,
      bytes: whole.length,
    });
    const log = await (await fetch(`${server.url}/files/log`, { headers: auth })).json();
    expect(log.events.map((e: { action: string; path: string }) => `${e.action} ${e.path}`)).toEqual([
      "upload kept/whole.bin",
    ]);

    // The server keeps working: the same paths can be uploaded after the restart.
    const retry = await fetch(`${server.url}/files/partial/big.bin`, {
      method: "PUT",
      headers: auth,
      body: new Uint8Array([1, 2, 3]),
    });
    expect(retry.status).toBe(200);
    expect((await retry.json()).tx).toBe(2);
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  }
}, 60_000);
