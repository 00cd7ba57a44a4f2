import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json";
import { cleanupE2E, ensureBinary, makeTempDir, runCli, startServer } from "../fixtures/binary";

// Each test starts real processes; bun's 5 s default is too tight on a busy 2-core machine.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

describe("the executable", () => {
  test("--version prints the package version", async () => {
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`lightd ${pkg.version}\n`);
  });

  test("--help shows usage for serve and the token CLI", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage:");
    expect(stdout).toContain("--token what|reset|set");
    expect(stdout).toContain("--config PATH");
  });

  test("an unknown argument is a usage error, not a stack trace", async () => {
    const { code, stderr } = await runCli(["--bogus"]);
    expect(code).not.toBe(0);
    expect(stderr).toContain("unknown argument '--bogus'");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe("first start", () => {
  test("creates config.json with mode 0600 and prints the master token once", async () => {
    const server = await startServer();
    const config = JSON.parse(readFileSync(server.configPath, "utf8"));
    const token: string = config.authorization.token;
    expect(token).toMatch(/^lightd_\S{13,}$/);
    expect(config.authorization.enabled).toBe(true);
    expect(statSync(server.configPath).mode & 0o777).toBe(0o600);
    expect(server.stdout.text.split(token).length - 1).toBe(1);

    // The data directory sits beside config.json and holds the SQLite file.
    expect(statSync(join(server.dir, "data", "lightd.db")).isFile()).toBe(true);
    expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);
    expect(await server.stop()).toBe(0);

    // Second start: same token, not printed again.
    const again = await startServer({ dir: server.dir });
    expect(JSON.parse(readFileSync(again.configPath, "utf8")).authorization.token).toBe(token);
    expect(again.stdout.text).not.toContain(token);
  });

  test("the public ping answers without a token", async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/api/v1/public/ping`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, name: "lightd", version: pkg.version });
    expect(typeof body.time).toBe("number");
  });

  test("protected routes need the master token", async () => {
    const server = await startServer();
    const token = JSON.parse(readFileSync(server.configPath, "utf8")).authorization.token;
    const anonymous = await fetch(`${server.url}/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ttl: "1h" }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: "unauthorized",
      message: "Missing or invalid authorization token",
    });

    const res = await fetch(`${server.url}/auth/tokens`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        accept: "Application/vnd.pkglatv1+json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ ttl: "1h", remove_on_use: false }),
    });
    expect(res.status).toBe(200);
    const created = await res.json();
    expect(created.token).toMatch(/^lightd_/);
    expect(Date.parse(created.expires_at) - Date.now()).toBeGreaterThan(59 * 60_000);
  });
});

describe("invalid config.json", () => {
  const cases: Array<{ name: string; content: string; field: string }> = [
    { name: "token too short", content: '{"authorization":{"token":"lightd_short"}}', field: "authorization.token" },
    {
      name: "port is not a number",
      content: '{"authorization":{"token":"lightd_valid_token_0123456789"},"server":{"port":"eighty"}}',
      field: "server.port",
    },
    {
      name: "unknown storage backend",
      content: '{"authorization":{"token":"lightd_valid_token_0123456789"},"storage":{"backend":"ftp"}}',
      field: "storage.backend",
    },
    { name: "not JSON at all", content: '{"authorization": {', field: "invalid JSON" },
  ];

  for (const c of cases) {
    test(`${c.name}: serve exits non-zero naming ${c.field}, no stack trace`, async () => {
      const dir = makeTempDir();
      const path = join(dir, "config.json");
      writeFileSync(path, c.content, { mode: 0o600 });
      const { code, stdout, stderr } = await runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--config", path]);
      expect(code).toBeGreaterThan(0);
      expect(stderr).toContain(c.field);
      expect(stderr).toContain(path);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stdout).not.toContain('"listening"');
      expect(readFileSync(path, "utf8")).toBe(c.content);
    });
  }

  test("--token what on an invalid file names the field too", async () => {
    const dir = makeTempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"authorization":{"token":"not-a-lightd-token-at-all"}}', { mode: 0o600 });
    const { code, stderr } = await runCli(["--token", "what", "--config", path]);
    expect(code).toBeGreaterThan(0);
    expect(stderr).toContain("authorization.token");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
