import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** File names at the edges of what a local file system takes, both ways through the compiled client. */

let srv: CliServer;
let home: ClientHome;
const run = (args: string[], cwd?: string) => lightd(args, { env: home.env, cwd });

beforeAll(async () => {
  await prepareClient();
  srv = await clientBackends().backends[0]!.start();
  home = clientHome();
  expect((await run(["login", srv.url, "--actor", "namer"])).code).toBe(0);
}, 60_000);
afterAll(cleanupE2E, 60_000);

test("get and get -r of names near the 255-byte limit: the partial file still fits beside them", async () => {
  const work = makeTempDir();
  // 244 bytes each, one in two-byte characters: with the partial file's 29 bytes they would pass 255.
  const names = [`${"n".repeat(240)}.bin`, `${"é".repeat(120)}.txt`];
  mkdirSync(join(work, "long"));
  for (const [i, name] of names.entries()) writeFileSync(join(work, "long", name), `bytes of ${i}`);
  expect((await run(["put", "-r", "long", "t/"], work)).code).toBe(0);

  for (const [i, name] of names.entries()) {
    const got = await run(["get", `t/long/${name}`, join(work, "one", name)]);
    expect({ code: got.code, stderr: got.stderr }).toMatchObject({ code: 0 });
    expect(readFileSync(join(work, "one", name), "utf8")).toBe(`bytes of ${i}`);
  }
  const tree = await run(["get", "-r", "t/long", "copy"], work);
  expect({ code: tree.code, stderr: tree.stderr }).toMatchObject({ code: 0 });
  expect(readdirSync(join(work, "copy")).sort()).toEqual([...names].sort());
  for (const [i, name] of names.entries()) expect(readFileSync(join(work, "copy", name), "utf8")).toBe(`bytes of ${i}`);
}, 60_000);

test("put -r and sync of a decomposed (NFD) name: stored as the server's NFC, checked, not sent again", async () => {
  const work = makeTempDir();
  const decomposed = "cafe\u0301.txt";
  mkdirSync(join(work, "nfd"));
  writeFileSync(join(work, "nfd", decomposed), "i");

  const put = await run(["put", "-r", "nfd", "t1/", "--json"], work);
  expect({ code: put.code, stderr: put.stderr }).toMatchObject({ code: 0 });
  expect(parseJson<{ files: { path: string }[] }>(put).files.map((f) => f.path)).toEqual([
    `t1/nfd/${decomposed.normalize("NFC")}`,
  ]);

  const sync = async () => {
    const result = await run(["sync", "./nfd", "s/", "--json"], work);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    return parseJson<{ transferred: string[]; unchanged: number }>(result);
  };
  expect((await sync()).transferred).toHaveLength(1);
  expect(await sync()).toMatchObject({ transferred: [], unchanged: 1 });

  // Down: the decomposed local name is the remote café, whether its bytes match or not.
  const down = async () => {
    const result = await run(["sync", "s/", "./nfd", "--delete", "--json"], work);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    return parseJson<{ transferred: string[]; deleted: string[]; unchanged: number }>(result);
  };
  expect(await down()).toMatchObject({ transferred: [], deleted: [], unchanged: 1 });
  writeFileSync(join(work, "nfd", decomposed), "changed here");
  expect(await down()).toMatchObject({ transferred: [decomposed.normalize("NFC")], deleted: [] });
  expect(readdirSync(join(work, "nfd"))).toEqual([decomposed]);
  expect(readFileSync(join(work, "nfd", decomposed), "utf8")).toBe("i");
}, 60_000);

test("put -r of a name the server refuses names the file and sends nothing", async () => {
  const work = makeTempDir();
  mkdirSync(join(work, "ctl"));
  writeFileSync(join(work, "ctl", "a\tb.txt"), "tab");
  writeFileSync(join(work, "ctl", "ok.txt"), "fine");

  const put = await run(["put", "-r", "ctl", "t2/"], work);
  expect(put.code).toBe(1);
  expect(put.stderr).toBe(`lightd: ${JSON.stringify(join("ctl", "a\tb.txt"))}: path contains a control character\n`);
  expect((await run(["stat", "t2/ctl/ok.txt"])).code).toBe(3);
}, 60_000);
