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

test("a key held to a prefix sees a move into it from outside: log and watch name the hidden end", async () => {
  const file = join(makeTempDir(), "in.txt");
  writeFileSync(file, "in");
  expect((await run(["put", file, "outside/in.txt"])).code).toBe(0);
  const created = await run(["keys", "create", "--name", "inbox", "--prefix", "inbox/", "--scopes", "files:read"]);
  expect(created.code).toBe(0);
  const keyEnv = { ...home.env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: created.stdout.trim() };
  const since = parseJson<{ events: Event[] }>(await run(["log", "--json"])).events.at(-1)!.tx;
  expect((await run(["mv", "outside/in.txt", "inbox/in.txt"])).code).toBe(0);
  expect((await run(["mv", "inbox/in.txt", "outside/back.txt"])).code).toBe(0);

  // The API redacts the outside end to null; the client says so instead of printing "null" or failing.
  const json = parseJson<{ events: { path: string | null; dest?: string | null }[] }>(
    await lightd(["log", "--json", "--since", String(since)], { env: keyEnv }),
  );
  expect(json.events.map((e) => [e.path, e.dest])).toEqual([
    [null, "inbox/in.txt"],
    ["inbox/in.txt", null],
  ]);
  const table = await lightd(["log", "--since", String(since)], { env: keyEnv });
  expect(table.code).toBe(0);
  expect(table.stdout.split("\n").map((row) => row.split("\t")[3])).toEqual([
    "(outside the prefix) → inbox/in.txt",
    "inbox/in.txt → (outside the prefix)",
    undefined,
  ]);
  const watched = await lightd(["watch", "--since", String(since), "--limit", "2"], { env: keyEnv });
  expect(watched.code).toBe(0);
  expect(watched.stdout).toContain("move  (outside the prefix) → inbox/in.txt");
  expect(watched.stdout).toContain("move  inbox/in.txt → (outside the prefix)");
}, 60_000);
