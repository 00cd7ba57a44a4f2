import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClientInvocation, runClient } from "../../src/cli/client";
import type { Streams } from "../../src/cli/output";

/**
 * The options every client command takes (`--profile NAME`, `--json`; `lightd --help` lists
 * them as such) work before the command as after it: `lightd --profile admin ls` is
 * `lightd ls --profile admin`, not a server start with an unknown argument.
 */
const home = mkdtempSync(join(tmpdir(), "lightd-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const streams: Streams = {
    out: () => {},
    err: (text) => {
      err += text;
    },
    writeBytes: async () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await runClient(argv, { HOME: home, XDG_CONFIG_HOME: join(home, "config") }, streams);
  return { code, err };
}

test("--profile and --json before a client command make it a client invocation", () => {
  expect(isClientInvocation(["--profile", "admin", "ls"])).toBe(true);
  expect(isClientInvocation(["--profile=admin", "shares"])).toBe(true);
  expect(isClientInvocation(["--json", "--profile", "admin", "whoami"])).toBe(true);
  // Server starts and the token flags stay the server's.
  expect(isClientInvocation(["--port", "8070"])).toBe(false);
  expect(isClientInvocation(["--profile", "admin"])).toBe(false);
  expect(isClientInvocation(["--token", "what"])).toBe(false);
  expect(isClientInvocation([])).toBe(false);
});

test("a leading --profile selects the profile as a trailing one does", async () => {
  const after = await run(["whoami", "--profile", "nope"]);
  const before = await run(["--profile", "nope", "whoami"]);
  const both = await run(["--json", "--profile=nope", "whoami"]);
  expect(after.code).toBe(4);
  expect(after.err).toBe("lightd: not logged in: run 'lightd login URL --profile nope' or set LIGHTD_URL\n");
  expect(before).toEqual(after);
  expect(both).toEqual(after);
});
