import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import { cleanupE2E, ensureBinary, makeTempDir, ROOT, startServer, trackProcess } from "../fixtures/binary";

// Each test starts real processes; bun's 5 s default is too tight on a busy 2-core machine.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);

/** The environment a running process was started (or last re-executed) with, from /proc. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
}

describe.skipIf(process.platform !== "linux")("the server keeps freed memory for reuse", () => {
  test("the executable re-executes itself once, same PID and arguments, with MIMALLOC_PURGE_DELAY=-1", async () => {
    const server = await startServer();
    expect(environOf(server.proc.pid).MIMALLOC_PURGE_DELAY).toBe("-1");
    const argv = argvOf(server.proc.pid);
    expect(argv.slice(1)).toEqual(["serve", "--port", "0", "--host", "127.0.0.1", "--config", server.configPath]);
    // The process the test started is the one that answers and stops gracefully.
    expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.logs().filter((l) => l.msg === "listening")).toHaveLength(1);
    expect(server.logs().some((l) => l.msg === "stopped")).toBe(true);
  });

  test("an operator's own MIMALLOC_PURGE_DELAY is left as it is", async () => {
    const server = await startServer({ env: { MIMALLOC_PURGE_DELAY: "10" } });
    expect(environOf(server.proc.pid).MIMALLOC_PURGE_DELAY).toBe("10");
    expect((await fetch(`${server.url}/api/v1/public/ping`)).status).toBe(200);
  });

  test("run from the sources (bun src/main.ts), it keeps its script and arguments", async () => {
    const dir = makeTempDir();
    const configPath = join(dir, "config.json");
    const script = join(ROOT, "src/main.ts");
    const args = ["--port", "0", "--host", "127.0.0.1", "--config", configPath];
    const proc = spawn([process.execPath, "run", script, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    trackProcess(proc);
    const decoder = new TextDecoder();
    let out = "";
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk, { stream: true });
      if (out.includes('"msg":"listening"')) break;
    }
    expect(out).toContain('"msg":"listening"');
    expect(environOf(proc.pid).MIMALLOC_PURGE_DELAY).toBe("-1");
    // Run as `bun run src/main.ts`, it comes back as `bun <script>`: the same script and arguments.
    expect(argvOf(proc.pid).slice(1)).toEqual([script, ...args]);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});
