import { afterAll, expect } from "bun:test";
import { readdirSync } from "node:fs";
import { startBackupSchedule } from "../../src/modules/backups/schedule";
import { TEST_ENGINE } from "../fixtures/engines";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { scratchDirs } from "../fixtures/scratch";
import { testUnless } from "../fixtures/skip";

/**
 * A backup archives the embedded SQLite metadata, so a server on Postgres refuses one before
 * it starts: POST /admin/backups answers 409 naming Postgres's own tools, and no run is
 * recorded, no archive begun, and the schedule stays off (a warning at start) instead of
 * listing a failed run every period. Runs on the Postgres leg (LIGHTD_TEST_METADATA=postgres).
 */
const apps: TestApp[] = [];
const scratch = scratchDirs();
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  scratch.remove();
});

const onPostgres = testUnless(TEST_ENGINE === "postgres" ? null : "the app's metadata is not Postgres");

function appBackingUpTo(dir: string): TestApp {
  const t = makeTestApp({ config: { backups: { to: dir, every: "1s" } } });
  apps.push(t);
  return t;
}

onPostgres("POST /admin/backups on Postgres is 409 naming pg_dump, and records no run", async () => {
  const dir = scratch.make("pg-backups");
  const t = appBackingUpTo(dir);
  const res = await t.request("POST", "/admin/backups");
  expect(res.status).toBe(409);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe("conflict");
  expect(body.message).toContain("pg_dump");
  const list = (await (await t.request("GET", "/admin/backups")).json()) as { backups: unknown[] };
  expect(list.backups).toEqual([]);
  expect(readdirSync(dir)).toEqual([]);
});

onPostgres("scheduled backups on Postgres stay off, said once at start", async () => {
  const t = appBackingUpTo(scratch.make("pg-schedule"));
  const stop = startBackupSchedule(t.ctx.backups, () => t.ctx.config.current, t.ctx.logger);
  await Bun.sleep(2_500);
  stop();
  expect(await t.ctx.backups.list()).toEqual([]);
  expect(t.logs.filter((line) => line.includes("scheduled backups are off")).length).toBe(1);
});
