import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir } from "../fixtures/binary";
import { type CliServer, clientBackends, clientHome, lightd, parseJson, prepareClient } from "../fixtures/cli";

/**
 * `lightd login` and its profiles on the compiled binary: Ed25519 login with a key made by
 * openssl, a key made by lightd itself, stored tokens, logout ending the session server-side,
 * and the exit codes scripts rely on.
 */

let srv: CliServer;
beforeAll(async () => {
  await prepareClient();
  srv = await clientBackends().backends[0]!.start();
}, 120_000);
afterAll(cleanupE2E, 60_000);

interface Me {
  actor: string;
  source: string;
  scopes: string[];
}

describe("lightd login (Ed25519)", () => {
  test("an openssl-made key registers the actor, logs in, and keeps the session in a 0600 profile", async () => {
    const home = clientHome();
    const keyFile = join(makeTempDir(), "alice.pem");
    const made = spawnSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", keyFile]);
    expect(made.status).toBe(0);

    const first = await lightd(["login", srv.url, "--key", keyFile, "--actor", "alice", "--json"], { env: home.env });
    expect(first.code).toBe(0);
    const session = parseJson<{ actor: string; registered: boolean; expires_at: number }>(first);
    expect(session).toMatchObject({ actor: "alice", registered: true });
    expect(session.expires_at).toBeGreaterThan(Date.now());

    const me = parseJson<Me>(await lightd(["whoami", "--json"], { env: home.env }));
    expect(me).toMatchObject({ actor: "alice", source: "session" });
    expect(me.scopes).toContain("files:write");

    expect(statSync(home.configDir).mode & 0o777).toBe(0o700);
    const profiles = join(home.configDir, "profiles.json");
    expect(statSync(profiles).mode & 0o777).toBe(0o600);
    expect(readFileSync(profiles, "utf8")).toContain("lightd_ses_");

    // A second login signs with the same key and does not register again.
    const again = parseJson<{ registered: boolean }>(
      await lightd(["login", srv.url, "--key", keyFile, "--actor", "alice", "--json"], { env: home.env }),
    );
    expect(again.registered).toBe(false);
  }, 60_000);

  test("without --key, lightd makes a private key and uses the local user name", async () => {
    const home = clientHome("bob");
    const result = await lightd(["login", srv.url, "--json"], { env: home.env });
    expect(result.code).toBe(0);
    expect(parseJson<{ actor: string }>(result).actor).toBe("bob");
    const key = join(home.configDir, "id_ed25519");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, "utf8")).toContain("BEGIN PRIVATE KEY");
    // openssl reads the key lightd wrote: it is a standard PKCS#8 Ed25519 key.
    expect(spawnSync("openssl", ["pkey", "-in", key, "-noout"]).status).toBe(0);
  }, 60_000);

  test("logout ends the session on the server: the old token is refused", async () => {
    const home = clientHome("carol");
    expect((await lightd(["login", srv.url], { env: home.env })).code).toBe(0);
    const profile = JSON.parse(readFileSync(join(home.configDir, "profiles.json"), "utf8"));
    const token: string = profile.profiles.default.token;
    expect((await lightd(["logout"], { env: home.env })).code).toBe(0);
    const response = await fetch(`${srv.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    const after = await lightd(["whoami"], { env: home.env });
    expect(after.code).toBe(4);
    // Logged out, not "invalid token": the profile keeps its URL to log in again.
    expect(after.stderr).toBe(`lightd: not logged in: run 'lightd login ${srv.url}'\n`);
  }, 60_000);

  test("logging in again ends the session the profile held: a replaced session is no session left behind", async () => {
    const home = clientHome("erin");
    const tokenOf = () =>
      JSON.parse(readFileSync(join(home.configDir, "profiles.json"), "utf8")).profiles.default.token as string;
    expect((await lightd(["login", srv.url], { env: home.env })).code).toBe(0);
    const first = tokenOf();
    expect((await lightd(["login", srv.url, "--actor", "frank"], { env: home.env })).code).toBe(0);
    const me = (token: string) => fetch(`${srv.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me(first)).status).toBe(401);
    expect((await me(tokenOf())).status).toBe(200);
  }, 60_000);

  test("a key that does not belong to the actor is refused with exit 4", async () => {
    const home = clientHome();
    expect((await lightd(["login", srv.url, "--actor", "dave"], { env: home.env })).code).toBe(0);
    const other = clientHome();
    const result = await lightd(["login", srv.url, "--actor", "dave"], { env: other.env });
    expect(result.code).toBe(4);
    // A note that a fresh key was made, then the API's refusal on one line.
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).toContain("Created a new Ed25519 key");
    expect(lines.slice(1)).toEqual(["lightd: Invalid signature"]);
  }, 60_000);
});

describe("stored credentials and overrides", () => {
  test("--token stores the master token; --profile keeps several servers apart", async () => {
    const home = clientHome();
    const stored = await lightd(["login", srv.url, "--token", srv.masterToken, "--profile", "admin"], {
      env: home.env,
    });
    expect(stored.code).toBe(0);
    const me = parseJson<Me>(await lightd(["whoami", "--profile", "admin", "--json"], { env: home.env }));
    expect(me).toMatchObject({ actor: "admin", source: "master" });
    // The default profile was never logged in.
    expect((await lightd(["whoami"], { env: home.env })).code).toBe(4);
  }, 60_000);

  test("LIGHTD_URL and LIGHTD_TOKEN work without any profile", async () => {
    const home = clientHome();
    const env = { ...home.env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: srv.masterToken };
    const token = parseJson<{ token: string }>(await lightd(["tokens", "create", "--ttl", "1h", "--json"], { env }));
    expect(token.token).toStartWith("lightd_");
    const me = parseJson<Me>(await lightd(["whoami", "--json"], { env: { ...env, LIGHTD_TOKEN: token.token } }));
    expect(me.source).toBe("token");
  }, 60_000);

  test("a wrong token exits 4 with the API's message on one line", async () => {
    const home = clientHome();
    const env = { ...home.env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: "lightd_this-is-not-a-real-token-at-all" };
    const result = await lightd(["ls"], { env });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("lightd: Unauthorized\n");
    const stored = await lightd(["login", srv.url, "--api-key", "lightd_live_nope-nope-nope-nope"], { env: home.env });
    expect(stored.code).toBe(4);
  }, 60_000);

  test("usage errors exit 2, a missing file exits 3", async () => {
    const home = clientHome();
    const env = { ...home.env, LIGHTD_URL: srv.url, LIGHTD_TOKEN: srv.masterToken };
    const usage = await lightd(["ls", "--no-such-flag"], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--no-such-flag'");
    const missing = await lightd(["stat", "nowhere/none.txt"], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("lightd: File not found\n");
    expect((await lightd(["ls"], { env: home.env })).code).toBe(4); // never logged in
  }, 60_000);
});
