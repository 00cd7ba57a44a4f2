import { afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, ensureBinary, makeTempDir, runCli, startServer } from "../fixtures/binary";

/** A misspelt key in config.json is named at start: a warning each, or a refusal with --strict-config. */

setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

function configWithTypos(): string {
  const dir = makeTempDir();
  const config = {
    authorization: { token: "lightd_config_keys_test_token_0123" },
    srever: { port: 9999 },
    server: { prot: 1, trust_proxy: false },
    storage: { backend: "local", s3_bucket: "x" },
    signing_secret: "config-keys-test-signing-secret-0123456789",
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config), { mode: 0o600 });
  return dir;
}

test("each unknown key is logged as a warning with its path, and the server starts", async () => {
  const server = await startServer({ dir: configWithTypos() });
  // Warnings go to stderr, one JSON object per line.
  const warned = server.stderr.lines
    .map((line) => JSON.parse(line))
    .filter((l) => l.level === "warn" && l.msg === "unknown key in config.json ignored")
    .map((l) => l.key);
  expect(warned.sort()).toEqual(["server.prot", "srever", "storage.s3_bucket"]);
  expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);
  expect(await server.stop()).toBe(0);
});

test("--strict-config refuses to start and names every unknown key", async () => {
  const dir = configWithTypos();
  const { code, stdout, stderr } = await runCli([
    "serve",
    "--port",
    "0",
    "--strict-config",
    "--config",
    join(dir, "config.json"),
  ]);
  expect(code).toBe(2);
  expect(stderr).toContain("unknown keys srever, server.prot, storage.s3_bucket");
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stdout).not.toContain("listening");
});

test("a config.json with only known keys starts without a warning, also with --strict-config", async () => {
  const server = await startServer({ args: ["--strict-config"] });
  expect(server.stderr.text).not.toContain("unknown key");
  expect(await server.stop()).toBe(0);
});
