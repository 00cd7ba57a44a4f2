import { afterEach, expect, test } from "bun:test";
import { backupHoldId, HOLD_LEASE_MS } from "../../src/modules/backups/create";
import { ABANDONED } from "../../src/modules/backups/service";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * A backup whose process ended without finishing it (a crash, a kill, a power cut) stays
 * "running" in its row. The sweep records it as failed once its hold has lapsed: a run renews
 * that hold while it works, whichever process or instance runs it. Runs on both metadata engines.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

test("the sweep records runs left unfinished as failed, and only those", async () => {
  const app = makeTestApp();
  t = app;
  const now = Date.now();
  const { metadata } = app.ctx;
  const start = (id: string, startedAt: number) =>
    metadata.write((tx) =>
      tx.backups.start({ id, path: `/backups/${id}.tar`, encrypted: false, started_at: startedAt }),
    );
  const long = now - HOLD_LEASE_MS - 60_000;
  // Started long ago, its hold gone (the process ended): abandoned.
  await start("gone", long);
  // Started long ago, its hold lapsed but not released: abandoned too.
  await start("lapsed", long - 1);
  await metadata.write((tx) => tx.holds.hold(backupHoldId("lapsed"), now - 1000));
  // Started long ago and still renewing its hold: a long backup, at work.
  await start("working", long - 2);
  await metadata.write((tx) => tx.holds.hold(backupHoldId("working"), now + HOLD_LEASE_MS));
  // Started a moment ago: it takes its hold right after its row.
  await start("new", now - 1000);
  // Finished long ago: left as it is.
  await start("done", long - 3);
  await metadata.write((tx) =>
    tx.backups.finish("done", { status: "done", files: 1, bytes: 10, error: null, finished_at: long }),
  );

  expect(await app.ctx.backups.sweepAbandoned()).toBe(2);
  const rows = Object.fromEntries((await app.ctx.backups.list()).map((row) => [row.id, row]));
  expect(rows.gone).toMatchObject({ status: "failed", error: ABANDONED });
  expect(rows.lapsed).toMatchObject({ status: "failed", error: ABANDONED });
  expect(rows.gone?.finished_at).toBeGreaterThanOrEqual(now);
  expect(rows.working).toMatchObject({ status: "running", error: null, finished_at: null });
  expect(rows.new).toMatchObject({ status: "running", error: null });
  expect(rows.done).toMatchObject({ status: "done", files: 1 });
  // A second sweep finds nothing more.
  expect(await app.ctx.backups.sweepAbandoned()).toBe(0);
});
