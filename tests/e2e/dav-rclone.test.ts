import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";

/**
 * rclone (Debian's) as a `webdav` remote with `vendor = owncloud` against the compiled
 * `dist/lightd`: sync a 1,000-file tree up, check it, sync it down into an empty
 * folder, and read every file back through the REST API with the same bytes.
 */

const dir = makeTempDir();
const source = join(dir, "source");
const restored = join(dir, "restored");
let server: RunningServer;
let master = "";
const files = new Map<string, Buffer>();

async function rclone(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(
    ["rclone", "--config", join(dir, "rclone.conf"), "--transfers", "8", "--checkers", "8", ...args],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        RCLONE_CONFIG_LIGHTD_TYPE: "webdav",
        RCLONE_CONFIG_LIGHTD_URL: `${server.url}/dav/`,
        RCLONE_CONFIG_LIGHTD_VENDOR: "owncloud",
        RCLONE_CONFIG_LIGHTD_USER: "rclone",
        RCLONE_CONFIG_LIGHTD_PASS: obscured,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, out, err };
}

let obscured = "";

beforeAll(async () => {
  master = `lightd_${randomBytes(24).toString("hex")}`;
  // Thousands of requests in seconds on a fast machine outrun the per-credential limit; rclone
  // would retry its 429s, but this test is about compatibility, not throttling.
  const config = { authorization: { enabled: true, token: master }, rate_limits: { enabled: false } };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config), { mode: 0o600 });
  writeFileSync(join(dir, "rclone.conf"), "");
  server = await startServer({ dir });
  const child = spawn(["rclone", "obscure", master], { stdout: "pipe" });
  obscured = (await new Response(child.stdout).text()).trim();

  // 1,000 files in 20 folders (some nested, some names outside ASCII), 0 bytes to 200 KiB.
  for (let i = 0; i < 1000; i++) {
    const folder = i % 20 < 10 ? `dir-${i % 20}` : `dir-${i % 20}/sub ${i % 3}/é-${i % 2}`;
    const name = `${folder}/file-${i}${i % 7 === 0 ? " ü.txt" : ".bin"}`;
    const size = i % 100 === 0 ? 200 * 1024 : i % 50 === 0 ? 0 : (i * 37) % 5000;
    files.set(name, randomBytes(size));
  }
  for (const [name, bytes] of files) {
    mkdirSync(join(source, name, ".."), { recursive: true });
    writeFileSync(join(source, name), bytes);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

test("rclone sync up, check, sync down; the REST API serves the same bytes", async () => {
  const up = await rclone("sync", source, "lightd:tree");
  expect(up.code, up.err).toBe(0);

  const check = await rclone("check", source, "lightd:tree");
  expect(check.code, check.err).toBe(0);
  expect(check.err).toContain("0 differences found");
  expect(check.err).toContain(`${files.size} matching files`);

  const down = await rclone("sync", "lightd:tree", restored);
  expect(down.code, down.err).toBe(0);
  for (const [name, bytes] of files) expect(sha(readFileSync(join(restored, name))), name).toBe(sha(bytes));

  // Modification times survive the round trip (X-OC-Mtime), to the second.
  const listed = await rclone("lsjson", "-R", "--files-only", "lightd:tree/dir-0");
  expect(listed.code, listed.err).toBe(0);
  const local = await rclone("lsjson", "-R", "--files-only", join(source, "dir-0"));
  const times = (text: string) =>
    Object.fromEntries(
      (JSON.parse(text) as { Path: string; ModTime: string }[]).map((e) => [
        e.Path,
        Math.floor(Date.parse(e.ModTime) / 1000),
      ]),
    );
  expect(times(listed.out)).toEqual(times(local.out));

  // The same files through the REST API: counted, and every one downloaded byte for byte.
  const auth = { authorization: `Bearer ${master}` };
  const stats = (await (await fetch(`${server.url}/files/stats`, { headers: auth })).json()) as { files: number };
  expect(stats.files).toBe(files.size);
  const names = [...files.keys()];
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names.slice(i, i + 25).map(async (name) => {
        const url = `${server.url}/files/tree/${name.split("/").map(encodeURIComponent).join("/")}`;
        const res = await fetch(url, { headers: auth });
        expect(res.status, name).toBe(200);
        expect(sha(new Uint8Array(await res.arrayBuffer())), name).toBe(sha(files.get(name) as Buffer));
      }),
    );
  }
  const log = (await (await fetch(`${server.url}/files/log?since_tx=0&limit=1000`, { headers: auth })).json()) as {
    events: { action: string }[];
  };
  expect(log.events.filter((e) => e.action === "upload").length).toBeGreaterThan(900);
}, 300_000);
