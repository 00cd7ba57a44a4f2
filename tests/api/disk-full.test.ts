import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * A full disk answers 507 `insufficient_storage` with a clear message and corrupts nothing.
 * The data directory lives on a tmpfs of 4 MiB mounted by the test, so ENOSPC is real.
 */
const isRoot = process.getuid?.() === 0;
const mountPoint = mkdtempSync(join(tmpdir(), "lightd-full-"));
let t: TestApp;

beforeAll(() => {
  if (!isRoot) return;
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
  if (mounted.status !== 0) throw new Error(`mount tmpfs failed: ${mounted.stderr}`);
  mkdirSync(join(mountPoint, "data"));
  t = makeTestApp({ dataDir: join(mountPoint, "data") });
});

afterAll(async () => {
  // The metadata must be closed before the tmpfs can be unmounted.
  await t?.close();
  if (isRoot) spawnSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const tempFiles = () => readdirSync(join(mountPoint, "data", "blobs", "tmp"));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe.skipIf(!isRoot)("disk full (skipped unless root: the test mounts a tmpfs)", () => {
  test("an upload that fills the disk → 507 with a clear message; what was stored stays intact", async () => {
    const kept = bytes(256 * 1024, 7);
    expect((await t.request("PUT", "/files/kept.bin", { body: kept })).status).toBe(200);
    const before = await (await t.request("GET", "/files/stats")).json();

    for (const declared of [true, false]) {
      const big = bytes(6 * 1024 * 1024, 9);
      const body = declared ? big : new Blob([big]).stream();
      const res = await t.request("PUT", `/files/too-big-${declared}.bin`, { body });
      expect(res.status).toBe(507);
      const error = (await res.json()) as { error: string; message: string };
      expect(error.error).toBe("insufficient_storage");
      expect(error.message).toContain("storage is full");
      expect(tempFiles()).toEqual([]);
    }

    // Nothing changed, nothing half-written: same stats, the kept file reads back whole.
    expect(await (await t.request("GET", "/files/stats")).json()).toEqual(before);
    expect(
      (await t.request("GET", "/files/too-big-true.bin", { headers: { accept: "application/json" } })).status,
    ).toBe(404);
    const meta = await (await t.request("GET", "/files/kept.bin", { headers: { accept: "application/json" } })).json();
    const download = await t.follow(meta.url);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(kept);
    expect(t.logs.some((l) => l.includes("storage full"))).toBe(true);

    // Once space is free, writing works again.
    expect((await t.request("PUT", "/files/small.txt", { body: "fits" })).status).toBe(200);
  });

  test("a two-step upload that fills the disk → 507 at the signed PUT, and the URL can be retried", async () => {
    const created = await (await t.request("POST", "/files/uploads", { json: { path: "two-step.bin" } })).json();
    const headers = { "content-type": "application/octet-stream" };
    const full = await t.follow(created.url, { method: "PUT", body: bytes(6 * 1024 * 1024, 3), headers });
    expect(full.status).toBe(507);
    expect(((await full.json()) as { error: string }).error).toBe("insufficient_storage");
    expect(tempFiles()).toEqual([]);
    const retry = await t.follow(created.url, { method: "PUT", body: bytes(1000, 4), headers });
    expect(retry.status).toBe(200);
    const done = await t.request("POST", "/files/uploads/complete", { json: { path: "two-step.bin" } });
    expect(((await done.json()) as { size: number }).size).toBe(1000);
  });
});
