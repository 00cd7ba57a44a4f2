import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, ensureBinary, makeTempDir, pollUntil, runCli, startServer } from "../fixtures/binary";
import { openTerminal } from "../fixtures/pty";

// Each test starts real processes; bun's 5 s default is too tight on a busy 2-core machine.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

const INITIAL = "lightd_ad2f7fc49ed640429c450e14ed07c8d5";

/** A config.json like the one lightd writes on first start, with a known master token. */
function writeConfig(token = INITIAL): string {
  const path = join(makeTempDir(), "config.json");
  const config = {
    authorization: { enabled: true, token },
    server: { port: 8070 },
    storage: { backend: "local", dir: "data" },
    signing_secret: "e2e-signing-secret-0123456789abcdef0123456789",
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return path;
}

const tokenIn = (path: string): string => JSON.parse(readFileSync(path, "utf8")).authorization.token;

/** A protected request: mint a programmatic token with `token`; returns the status. */
async function protectedStatus(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/auth/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ ttl: "1m" }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("lightd --token what", () => {
  test("prints the current token exactly as the docs show", async () => {
    const path = writeConfig();
    const { code, stdout, stderr } = await runCli(["--token", "what", "--config", path]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Current Token: ${INITIAL}\n`);
    expect(stderr).toBe("");
  });
});

describe("lightd --token reset", () => {
  test("prints the new token with the warning, and a running server switches to it", async () => {
    const server = await startServer();
    const old = tokenIn(server.configPath);
    expect(await protectedStatus(server.url, old)).toBe(200);

    const { code, stdout } = await runCli(["--token", "reset", "--config", server.configPath]);
    expect(code).toBe(0);
    const fresh = /^New Token: (\S+)$/m.exec(stdout)?.[1] ?? "";
    expect(fresh).toMatch(/^lightd_\S{13,}$/);
    expect(fresh).not.toBe(old);
    expect(stdout).toBe(
      `✓ Token reset successfully!\nNew Token: ${fresh}\n\n` +
        "⚠️  Warning: The old token is now invalid.\n   Update your applications with the new token.\n",
    );
    expect(tokenIn(server.configPath)).toBe(fresh);
    expect(statSync(server.configPath).mode & 0o777).toBe(0o600);
    expect((await runCli(["--token", "what", "--config", server.configPath])).stdout).toBe(`Current Token: ${fresh}\n`);

    // No restart: the server picks the new token up within a second or two.
    const switched = await pollUntil(async () => (await protectedStatus(server.url, fresh)) === 200, 2_500);
    expect(switched).toBe(true);
    const refused = await fetch(`${server.url}/auth/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${old}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl: "1m" }),
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "unauthorized", message: "Unauthorized" });
  });

  test("keeps the other fields of a hand-written config.json", async () => {
    const path = join(makeTempDir(), "config.json");
    const original = {
      authorization: { enabled: true, token: INITIAL, require_accept: true },
      server: { port: 9999 },
    };
    writeFileSync(path, JSON.stringify(original), { mode: 0o600 });
    expect((await runCli(["--token", "reset", "--config", path])).code).toBe(0);
    const after = JSON.parse(readFileSync(path, "utf8"));
    expect(after.authorization.token).not.toBe(INITIAL);
    expect(after.authorization.require_accept).toBe(true);
    expect(after.server).toEqual({ port: 9999 });
  });
});

// A read-only or refused command never writes config.json, even one without a signing secret.
test("--token what and a refused --token set leave a hand-written config.json byte-for-byte unchanged", async () => {
  const path = join(makeTempDir(), "config.json");
  const content = JSON.stringify({ authorization: { token: INITIAL } });
  writeFileSync(path, content, { mode: 0o600 });
  expect((await runCli(["--token", "what", "--config", path])).code).toBe(0);
  expect((await runCli(["--token", "set", "--config", path], { stdin: "lightd_short\n" })).code).not.toBe(0);
  expect(readFileSync(path, "utf8")).toBe(content);
});

describe("lightd --token set on a terminal", () => {
  test("prompts, re-prompts after an invalid token, then saves a valid one", async () => {
    const path = writeConfig();
    const term = await openTerminal(["--token", "set", "--config", path]);
    await term.expect("Enter new token (must start with 'lightd_' and be at least 20 characters):\n> ");

    term.type("lightd_short");
    const complaint = await term.expect("Invalid token");
    await term.expect("> ", complaint);
    expect(tokenIn(path)).toBe(INITIAL);

    term.type("lightd_my_custom_secure_token_here");
    expect(await term.exited).toBe(0);
    expect(term.screen()).toEndWith(
      "> lightd_my_custom_secure_token_here\n\n✓ Token set successfully!\nNew Token: lightd_my_custom_secure_token_here\n",
    );
    expect(tokenIn(path)).toBe("lightd_my_custom_secure_token_here");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe("lightd --token set from a pipe", () => {
  test("a valid token on stdin is saved", async () => {
    const path = writeConfig();
    const token = "lightd_from_a_script_0123456789";
    const { code, stdout } = await runCli(["--token", "set", "--config", path], { stdin: `${token}\n` });
    expect(code).toBe(0);
    expect(stdout).toContain(`✓ Token set successfully!\nNew Token: ${token}\n`);
    expect(tokenIn(path)).toBe(token);
  });

  const invalid: Array<[string, string]> = [
    ["too short", "lightd_short\n"],
    ["wrong prefix", "token_that_is_long_enough_0123456789\n"],
    ["contains a space", "lightd_has a space in the middle_0123\n"],
    ["empty input", ""],
  ];
  for (const [name, input] of invalid) {
    test(`${name}: exits non-zero and leaves config.json unchanged`, async () => {
      const path = writeConfig();
      const before = readFileSync(path, "utf8");
      const { code, stdout, stderr } = await runCli(["--token", "set", "--config", path], { stdin: input });
      expect(code).not.toBe(0);
      expect(stdout).not.toContain("successfully");
      expect(stderr).toContain("✗");
      expect(readFileSync(path, "utf8")).toBe(before);
    });
  }
});
