import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, runCli } from "../fixtures/binary";
import {
  type ClientHome,
  type CliServer,
  clientBackends,
  clientHome,
  lightd,
  parseJson,
  prepareClient,
} from "../fixtures/cli";
import { openTerminal } from "../fixtures/pty";

/**
 * What the client shows: progress bars on a real terminal and never in a pipe, tables on a
 * terminal, JSON with --json, and help that lists every command.
 */

let srv: CliServer;
let home: ClientHome;
beforeAll(async () => {
  await prepareClient();
  srv = await clientBackends().backends[0]!.start();
  home = clientHome();
  expect((await lightd(["login", srv.url, "--actor", "viewer"], { env: home.env })).code).toBe(0);
}, 120_000);
afterAll(cleanupE2E, 60_000);

describe("progress bars", () => {
  test("a terminal sees bytes, speed, ETA and the total; a pipe sees none of it", async () => {
    const file = join(makeTempDir(), "movie.bin");
    writeFileSync(file, randomBytes(80 * 1024 * 1024)); // over the multipart threshold: several parts

    const terminal = await openTerminal(["put", file, "tty/movie.bin"], {
      HOME: home.home,
      XDG_CONFIG_HOME: home.env.XDG_CONFIG_HOME!,
    });
    expect(await terminal.exited).toBe(0);
    const screen = terminal.screen();
    expect(screen).toContain("tty/movie.bin");
    expect(screen).toMatch(/100% 80 MiB\/80 MiB [\d.]+ [KMG]?i?B\/s ETA 0s/);
    expect(screen).toContain("total 1/1 files");
    expect(screen).toContain("uploaded 1 file");

    const piped = await lightd(["put", file, "pipe/movie.bin"], { env: home.env });
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain("\u001b[");
    expect(piped.stderr).not.toContain("ETA");
    expect(piped.stderr.trim().split("\n")).toHaveLength(1); // just the summary
  }, 60_000);
});

describe("tables and JSON", () => {
  test("ls -l prints a table with a header on a terminal and plain rows in a pipe", async () => {
    const file = join(makeTempDir(), "notes.txt");
    writeFileSync(file, "hello");
    expect((await lightd(["put", file, "table/"], { env: home.env })).code).toBe(0);

    const terminal = await openTerminal(["ls", "-l", "table/"], {
      HOME: home.home,
      XDG_CONFIG_HOME: home.env.XDG_CONFIG_HOME!,
    });
    expect(await terminal.exited).toBe(0);
    expect(terminal.screen()).toMatch(/SIZE\s+MODIFIED\s+TX\s+NAME/);

    const piped = await lightd(["ls", "-l", "table/"], { env: home.env });
    expect(piped.stdout).toMatch(/^5 B\t\d{4}-\d\d-\d\d \d\d:\d\d\t\d+\tnotes\.txt\n$/);

    const json = parseJson<{ entries: { name: string; size: number; etag: string }[] }>(
      await lightd(["ls", "table/", "--json"], { env: home.env }),
    );
    expect(json.entries).toMatchObject([{ name: "notes.txt", size: 5 }]);
    const stat = parseJson<{ path: string; etag: string }>(
      await lightd(["stat", "table/notes.txt", "--json"], { env: home.env }),
    );
    expect(stat.etag).toBe(json.entries[0]!.etag);
  }, 60_000);

  test("keys create/list/rotate/revoke and a share link, all as JSON", async () => {
    const env = home.env;
    const created = parseJson<{ id: string; token: string; scopes: string[]; prefix: string }>(
      await lightd(
        [
          "keys",
          "create",
          "--name",
          "ci",
          "--scopes",
          "files:read,files:write",
          "--prefix",
          "site/",
          "--expires",
          "30d",
          "--json",
        ],
        { env },
      ),
    );
    expect(created).toMatchObject({ scopes: ["files:read", "files:write"], prefix: "site/" });
    expect(created.token).toStartWith("lightd_live_");
    const list = parseJson<{ keys: { id: string; name: string }[] }>(await lightd(["keys", "list", "--json"], { env }));
    expect(list.keys.map((k) => k.name)).toContain("ci");

    // The key works through the client too, and only inside its prefix.
    const asKey = { ...env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: created.token };
    const outside = await lightd(["ls", "elsewhere/"], { env: asKey });
    expect(outside.code).toBe(4);
    expect(outside.stderr).toBe("lightd: Path not allowed\n");

    const rotated = await lightd(["keys", "rotate", created.id, "--expires", "60d", "--json"], { env });
    expect(rotated.code).toBe(0);
    expect(parseJson<{ token: string }>(rotated).token).not.toBe(created.token);
    expect((await lightd(["keys", "revoke", created.id], { env })).code).toBe(0);

    const file = join(makeTempDir(), "shared.txt");
    writeFileSync(file, "for everyone");
    expect((await lightd(["put", file, "pub/shared.txt"], { env })).code).toBe(0);
    const share = parseJson<{ url: string }>(
      await lightd(["share", "pub/shared.txt", "--ttl", "10m", "--json"], { env }),
    );
    expect(await (await fetch(share.url)).text()).toBe("for everyone");
    const listed = parseJson<{ shares: { id: string; path: string }[] }>(await lightd(["shares", "--json"], { env }));
    expect(listed.shares.map((s) => s.path)).toEqual(["pub/shared.txt"]);
    expect((await lightd(["shares", "revoke", listed.shares[0]!.id], { env })).code).toBe(0);
    expect((await fetch(share.url)).status).toBe(401);
  }, 60_000);
});

describe("help", () => {
  test("lightd --help lists the server and every client command; help COMMAND explains one", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const name of [
      "serve",
      "--token what",
      "login",
      "put",
      "get",
      "sync",
      "keys",
      "tokens",
      "watch",
      "Exit codes",
    ]) {
      expect(help.stdout).toContain(name);
    }
    const put = await runCli(["help", "put"]);
    expect(put.code).toBe(0);
    expect(put.stdout).toContain("Usage: lightd put LOCAL [REMOTE]");
    expect((await runCli(["help", "nothing"])).code).toBe(2);
  }, 60_000);
});
