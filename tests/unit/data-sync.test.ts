import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataSync, syncEach } from "../../src/storage/blob/data-sync";
import { syncFilesystem } from "../../src/storage/blob/syncfs";

const dir = mkdtempSync(join(tmpdir(), "lightd-data-sync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("syncfs is reached through libc on Linux, and a path that cannot be opened is an error with its code", async () => {
  expect(await syncFilesystem(dir)).toBe(process.platform === "linux");
  const error = await syncFilesystem(join(dir, "missing", "x")).catch((e: unknown) => e);
  expect((error as { code?: string }).code).toBe("ENOENT");
  // The worker survives a failed call.
  expect(await syncFilesystem(dir)).toBe(process.platform === "linux");
});

test("the file-by-file sync syncs every file and directory, and fails when one cannot be synced", async () => {
  const file = join(dir, "a.bin");
  writeFileSync(file, "a");
  await syncEach([file], new Set([dir]));
  const error = await syncEach([file, join(dir, "gone.bin")], new Set([dir])).catch((e: unknown) => e);
  expect((error as { code?: string }).code).toBe("ENOENT");
});

test("writes that arrive while a batch syncs share the next batch; a failed sync fails its batch and the one gathered meanwhile", async () => {
  const sync = new DataSync(dir);
  const batches: string[][] = [];
  let release!: () => void;
  sync.syncBatch = async (files) => {
    batches.push([...files]);
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    if (batches.length === 2) throw Object.assign(new Error("EIO"), { code: "EIO" });
  };
  const first = sync.durable("f0", "d0");
  // Joins the first batch: it has not started yet (it starts after this turn of the event loop).
  const alsoFirst = sync.durable("f1", "d1");
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(batches).toEqual([["f0", "f1"]]);
  // The first batch is syncing: these wait for the next one, which fails.
  const second = ["f2", "f3", "f4"].map((f) => sync.durable(f, "d2").catch((e: { code?: string }) => e.code));
  release();
  await Promise.all([first, alsoFirst]);
  expect(await Promise.all(second)).toEqual(["EIO", "EIO", "EIO"]);
  expect(batches).toEqual([
    ["f0", "f1"],
    ["f2", "f3", "f4"],
  ]);
  // After a failure the next write gets a batch of its own, which syncs.
  await sync.durable("f5", "d5");
  expect(batches.at(-1)).toEqual(["f5"]);
  expect(sync.batches).toBe(3);
});

test("a failed sync also fails the writes that gathered while it ran: it may have lost their bytes", async () => {
  const sync = new DataSync(dir);
  const batches: string[][] = [];
  let fail!: () => void;
  sync.syncBatch = async (files) => {
    batches.push([...files]);
    if (batches.length === 1) {
      await new Promise<void>((_, reject) => (fail = () => reject(Object.assign(new Error("EIO"), { code: "EIO" }))));
    }
  };
  const first = sync.durable("f0", "d0").catch((e: { code?: string }) => e.code);
  await new Promise<void>((resolve) => setImmediate(resolve));
  const meanwhile = sync.durable("f1", "d1").catch((e: { code?: string }) => e.code);
  fail();
  expect([await first, await meanwhile]).toEqual(["EIO", "EIO"]);
  // The second write's batch was never synced: it failed with the first.
  expect(batches).toEqual([["f0"]]);
  await sync.durable("f2", "d2");
  expect(batches).toEqual([["f0"], ["f2"]]);
});

/** Descriptors of this process (the sync worker's included) open on `path`. */
function descriptorsOn(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

test.if(process.platform === "linux")(
  "closing lets go of the filesystem's descriptor after the owed syncs, so a closed store's disk can be unmounted",
  async () => {
    const root = mkdtempSync(join(dir, "store-"));
    const sync = new DataSync(root);
    // The descriptor is opened by the worker before anything is written.
    expect(await syncFilesystem(root)).toBe(true);
    expect(descriptorsOn(root)).toBe(1);
    writeFileSync(join(root, "a.bin"), "a");
    const owed = sync.durable(join(root, "a.bin"), root);
    await sync.close();
    await owed;
    expect(descriptorsOn(root)).toBe(0);
  },
);
