import { afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startJobs } from "../../src/jobs";
import { HOLD_LEASE_MS } from "../../src/modules/backups/create";
import { restoreArchive } from "../../src/modules/backups/restore";
import { STOPPED } from "../../src/modules/backups/service";
import { openArchiveSource } from "../../src/modules/backups/targets";
import { makeTestApp, type TestApp, writeConfigFile } from "../fixtures/harness";
import { scratchDirs } from "../fixtures/scratch";

/**
 * A stop (the server's shutdown, or Ctrl-C on `lightd backup`) ends the backup under way at
 * its next object: what it wrote of the archive is removed, the run is recorded as failed with
 * the reason, its hold on the store's deletions is released, and no run starts after it. An
 * admin's request for that backup gets a 503 instead of waiting for the whole archive.
 */
let t: TestApp | undefined;
const scratch = scratchDirs();
afterEach(async () => {
  await t?.close();
  t = undefined;
  scratch.remove();
});

interface Run {
  id: string;
  status: string;
  error: string | null;
}

/** An app backing up to a fresh directory, with `count` files; its store's reads wait for `gate` once opened. */
async function appWithGatedBackup(count: number, every?: string, now?: () => number) {
  const to = scratch.make("backup-stop");
  const config = { backups: { to, ...(every ? { every } : {}) } };
  const app = makeTestApp({ config, now });
  t = app;
  writeConfigFile(app, config);
  for (let i = 0; i < count; i++) {
    expect((await app.request("PUT", `/files/f${i}.txt`, { body: `file ${i}` })).status).toBe(200);
  }
  // The archive is being written (its first objects opened) when the test lets go of the gate.
  const reached = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  const blobs = app.ctx.blobs;
  const read = blobs.getStream.bind(blobs);
  blobs.getStream = async (...args: Parameters<typeof read>) => {
    reached.resolve();
    await gate.promise;
    return read(...args);
  };
  return { app, to, reached: reached.promise, open: () => gate.resolve() };
}

const runs = async (app: TestApp) =>
  ((await (await app.request("GET", "/admin/backups")).json()) as { backups: Run[] }).backups;

test("a stop ends an admin's backup under way: 503, recorded as failed, no archive left, hold released", async () => {
  const { app, to, reached, open } = await appWithGatedBackup(12);
  const answer = app.request("POST", "/admin/backups");
  await reached;
  expect(readdirSync(to).some((name) => name.endsWith(".partial"))).toBe(true);
  const stopped = app.ctx.backups.stop();
  open();
  await stopped;

  const res = await answer;
  expect(res.status).toBe(503);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe("service_unavailable");
  expect(body.message).toContain("stopped before it finished");
  expect(readdirSync(to)).toEqual([]);
  const [run] = await runs(app);
  expect(run).toMatchObject({ status: "failed", error: STOPPED });
  expect(await app.ctx.metadata.read.holds.active(Date.now())).toBe(false);
  // Stopped is stopped: no run starts after it.
  expect((await app.request("POST", "/admin/backups")).status).toBe(503);
  expect((await runs(app)).length).toBe(1);
  const lines = app.logs.map((line) => JSON.parse(line) as { level: string; msg: string });
  expect(lines.filter((line) => line.level === "error")).toEqual([]);
  expect(lines.some((line) => line.level === "warn" && line.msg === "backup stopped before it finished")).toBe(true);
});

test("one run at a time: a second asked for while one is under way is refused (409)", async () => {
  const { app, reached, open } = await appWithGatedBackup(3);
  const first = app.request("POST", "/admin/backups");
  await reached;
  const second = await app.request("POST", "/admin/backups");
  expect(second.status).toBe(409);
  expect(((await second.json()) as { message: string }).message).toContain("already running");
  open();
  expect((await first).status).toBe(201);
  expect((await runs(app)).length).toBe(1);
});

test("a stop with no backup under way resolves at once, and later runs are refused", async () => {
  const { app, open } = await appWithGatedBackup(1);
  open();
  await app.ctx.backups.stop();
  const res = await app.request("POST", "/admin/backups");
  expect(res.status).toBe(503);
  expect(await runs(app)).toEqual([]);
});

test("stopping the jobs stops the scheduled backup under way, with no error logged", async () => {
  const { app, to, reached, open } = await appWithGatedBackup(12, "1s");
  const stopJobs = startJobs(app.ctx);
  await reached;
  const stopped = stopJobs();
  open();
  await stopped;
  expect(readdirSync(to)).toEqual([]);
  const [run] = await runs(app);
  expect(run).toMatchObject({ status: "failed", error: STOPPED });
  const lines = app.logs.map((line) => JSON.parse(line) as { level: string; msg: string });
  expect(lines.filter((line) => line.level === "error")).toEqual([]);
  expect(lines.filter((line) => line.msg === "backup stopped before it finished").length).toBe(1);
});

test("the sweep of runs left unfinished leaves this process's run alone, even past its hold", async () => {
  let clock = Date.now();
  const { app, reached, open } = await appWithGatedBackup(3, undefined, () => clock);
  const answer = app.request("POST", "/admin/backups");
  await reached;
  // Eleven minutes on, with no renewal yet, its hold reads as lapsed: the run is still at work.
  clock += HOLD_LEASE_MS + 60_000;
  expect(await app.ctx.backups.sweepAbandoned()).toBe(0);
  open();
  expect((await answer).status).toBe(201);
  const [run] = await runs(app);
  expect(run).toMatchObject({ status: "done", error: null });
});

test("a restore stopped halfway removes what it wrote: the data dir can take the next restore", async () => {
  const { app, open } = await appWithGatedBackup(6);
  open();
  expect(
    (await app.request("PUT", "/files/big.bin", { body: crypto.getRandomValues(new Uint8Array(4 << 20)) })).status,
  ).toBe(200);
  const res = await app.request("POST", "/admin/backups");
  expect(res.status).toBe(201);
  const { path } = (await res.json()) as { path: string };
  const fresh = scratch.make("restore-stop");
  const configPath = join(fresh, "config.json");
  const dataDir = join(fresh, "data");
  // Stopped once half of the archive has been read: the snapshot and some objects are written.
  const stopping = new AbortController();
  const archive = await openArchiveSource(undefined, path);
  let read = 0;
  async function* halfway() {
    for await (const chunk of archive) {
      yield chunk;
      read += chunk.byteLength;
      if (read > 2 << 20) stopping.abort(new Error("stopped halfway"));
    }
  }
  const restoring = restoreArchive(halfway(), { configPath, dataDir, now: Date.now, signal: stopping.signal });
  await expect(restoring).rejects.toThrow("stopped halfway");
  expect(stopping.signal.aborted).toBe(true);
  expect(existsSync(dataDir)).toBe(false);
  expect(existsSync(configPath)).toBe(false);
  // The same target takes the whole archive afterwards.
  const restored = await restoreArchive(await openArchiveSource(undefined, path), {
    configPath,
    dataDir,
    now: Date.now,
  });
  expect(restored.files).toBe(7);
});
