import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir } from "../fixtures/binary";
import {
  type ClientHome,
  type CliServer,
  clientBackends,
  clientHome,
  lightd,
  parseJson,
  prepareClient,
} from "../fixtures/cli";

/** The file commands beyond transfers — mkdir, mv, cp, cat, search, log, rm — on the compiled client. */

let srv: CliServer;
let home: ClientHome;
const run = (args: string[]) => lightd(args, { env: home.env });

beforeAll(async () => {
  await prepareClient();
  srv = await clientBackends().backends[0]!.start();
  home = clientHome();
  expect((await run(["login", srv.url, "--actor", "filer"])).code).toBe(0);
}, 60_000);
afterAll(cleanupE2E, 60_000);

test("mkdir, mv into a folder, server-side cp, cat, search, log and rm -r", async () => {
  const file = join(makeTempDir(), "report.txt");
  writeFileSync(file, "quarterly numbers");
  expect((await run(["put", file, "docs/"])).code).toBe(0);
  expect(parseJson<{ created: boolean }>(await run(["mkdir", "archive", "--json"])).created).toBe(true);

  const moved = parseJson<{ from: string; to: string }>(await run(["mv", "docs/report.txt", "archive", "--json"]));
  expect(moved).toMatchObject({ from: "docs/report.txt", to: "archive/report.txt" });

  const copied = parseJson<{ to: string; files: number }>(await run(["cp", "archive", "backup/", "--json"]));
  expect(copied).toMatchObject({ to: "backup/archive/", files: 1 });
  expect((await run(["cat", "backup/archive/report.txt"])).stdout).toBe("quarterly numbers");

  const found = parseJson<{ results: { path: string }[] }>(await run(["search", "quarterly", "report", "--json"]));
  expect(found.results.map((r) => r.path).sort()).toEqual([]);
  const byName = parseJson<{ results: { path: string }[] }>(await run(["search", "report", "--json"]));
  expect(byName.results.map((r) => r.path).sort()).toEqual(["archive/report.txt", "backup/archive/report.txt"]);

  const log = parseJson<{ events: { action: string }[] }>(await run(["log", "--json"]));
  expect(log.events.map((e) => e.action)).toEqual(["upload", "mkdir", "move", "copy"]);

  const refused = await run(["rm", "backup"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe("lightd: backup/ is a folder (use -r)\n");
  expect((await run(["rm", "-r", "backup"])).code).toBe(0);
  expect((await run(["stat", "backup/archive/report.txt"])).code).toBe(3);
  expect((await run(["cat", "nothing-here.txt"])).code).toBe(3);
}, 60_000);
