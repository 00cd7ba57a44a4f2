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
  spawnClient,
} from "../fixtures/cli";

/** `lightd watch` on the server's change feed: replay from a tx, a prefix filter, then live changes. */

let srv: CliServer;
let home: ClientHome;
const run = (args: string[]) => lightd(args, { env: home.env });

beforeAll(async () => {
  await prepareClient();
  srv = await clientBackends().backends[0]!.start();
  home = clientHome();
  expect((await run(["login", srv.url, "--actor", "watcher"])).code).toBe(0);
}, 120_000);
afterAll(cleanupE2E, 60_000);

interface Event {
  tx: number;
  action: string;
  path: string;
}

test("watch replays from --since, keeps to its prefix, then prints live changes", async () => {
  const file = join(makeTempDir(), "a.txt");
  writeFileSync(file, "a");
  for (const target of ["docs/one.txt", "other/x.txt", "docs/two.txt"]) {
    expect((await run(["put", file, target])).code).toBe(0);
  }
  const replay = await run(["watch", "docs/", "--since", "0", "--limit", "2", "--json"]);
  expect(replay.code).toBe(0);
  const events = replay.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);
  expect(events.map((e) => [e.action, e.path])).toEqual([
    ["upload", "docs/one.txt"],
    ["upload", "docs/two.txt"],
  ]);

  // Live: the watcher starts after the last tx it has seen, so nothing is missed while it connects.
  const last = events[1]!.tx;
  const live = spawnClient(["watch", "docs/", "--since", String(last), "--limit", "1", "--json"], { env: home.env });
  expect((await run(["put", file, "other/y.txt"])).code).toBe(0);
  expect((await run(["put", file, "docs/three.txt"])).code).toBe(0);
  expect(await live.exited).toBe(0);
  const got = JSON.parse((await new Response(live.stdout).text()).trim()) as Event;
  expect(got).toMatchObject({ action: "upload", path: "docs/three.txt" });
  expect(got.tx).toBeGreaterThan(last);

  const log = parseJson<{ events: Event[] }>(await run(["log", "docs/", "--json"]));
  expect(log.events.map((e) => e.path)).toEqual(["docs/one.txt", "docs/two.txt", "docs/three.txt"]);
}, 60_000);

test("a wrong token on watch exits 4 with the API's message", async () => {
  const result = await lightd(["watch"], {
    env: { ...home.env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: "lightd_not-a-real-token-for-watch" },
  });
  expect(result.code).toBe(4);
  expect(result.stderr).toBe("lightd: Unauthorized\n");
}, 60_000);
