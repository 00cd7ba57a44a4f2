import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";

/**
 * The WebDAV conformance suite Debian ships (`litmus` 0.13: basic, copymove, props,
 * locks, http) against the compiled `dist/lightd`, authenticating with HTTP Basic from
 * loopback and the master token as the password. Every group must pass with 0 failures.
 */

const dir = makeTempDir();
let server: RunningServer;
let token = "";

beforeAll(async () => {
  token = `lightd_${randomBytes(24).toString("hex")}`;
  writeFileSync(join(dir, "config.json"), JSON.stringify({ authorization: { enabled: true, token } }), {
    mode: 0o600,
  });
  server = await startServer({ dir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanupE2E();
});

test("litmus: basic, copymove, props, locks and http pass with 0 failures", async () => {
  const proc = spawn(["litmus", `${server.url}/dav/`, "mount-user", token], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  const summaries = [...out.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)].map(
    ([, group, run, passed, failed]) => ({ group, run: Number(run), passed: Number(passed), failed: Number(failed) }),
  );
  const context = `${out}\n${err}`;
  expect(
    summaries.map((s) => s.group),
    context,
  ).toEqual(["basic", "copymove", "props", "locks", "http"]);
  for (const summary of summaries) {
    expect(summary.failed, context).toBe(0);
    expect(summary.passed, context).toBe(summary.run);
  }
  expect(code, context).toBe(0);
}, 180_000);
