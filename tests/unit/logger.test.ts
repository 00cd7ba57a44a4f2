import { describe, expect, test } from "bun:test";
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/lib/logger";

describe("logger", () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      logger: createLogger(
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    };
  };

  test("one JSON object per line: time, level and msg first, then the fields in their order", () => {
    const { out, logger } = capture();
    const before = Date.now();
    logger.info("request", { request_id: "a-1", method: "GET", path: "/x", status: 200, ms: 1.25 });
    const after = Date.now();
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0] as string);
    expect(Object.keys(line)).toEqual(["time", "level", "msg", "request_id", "method", "path", "status", "ms"]);
    expect(line).toMatchObject({ level: "info", msg: "request", request_id: "a-1", status: 200, ms: 1.25 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const time = Date.parse(line.time);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });

  test("undefined fields are left out, null ones kept; a field named like a base key replaces it in place", () => {
    const { out, logger } = capture();
    logger.info("m", { gone: undefined, kept: null, msg: "override" });
    expect(out[0]).toMatch(/^\{"time":"[^"]+","level":"info","msg":"override","kept":null\}$/);
  });

  test("warnings and errors go to the second sink; a line without fields has only the base keys", () => {
    const { out, err, logger } = capture();
    logger.warn("careful");
    logger.error("broken", { code: "E1" });
    expect(out).toEqual([]);
    expect(err.map((l) => JSON.parse(l))).toMatchObject([
      { level: "warn", msg: "careful" },
      { level: "error", msg: "broken", code: "E1" },
    ]);
    expect(Object.keys(JSON.parse(err[0] as string))).toEqual(["time", "level", "msg"]);
  });

  test("lines written in the same millisecond carry the same time, a later one its own", async () => {
    const { out, logger } = capture();
    logger.info("a");
    logger.info("b");
    await Bun.sleep(5);
    logger.info("c");
    const [a, b, c] = out.map((l) => JSON.parse(l).time as string);
    expect(Date.parse(b as string) - Date.parse(a as string)).toBeLessThanOrEqual(1);
    expect(Date.parse(c as string)).toBeGreaterThan(Date.parse(a as string));
  });

  test("a stdout whose reader went away (EPIPE): the lines are dropped, the process goes on and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lightd-log-"));
    try {
      const fifo = join(dir, "stdout");
      expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
      const script = join(dir, "log.ts");
      writeFileSync(
        script,
        `import { createLogger } from ${JSON.stringify(join(import.meta.dir, "../../src/lib/logger.ts"))};
        const logger = createLogger();
        for await (const _ of console) break; // "go": stdout's reader is closed by now
        logger.info("one");
        logger.info("two");
        await new Promise((resolve) => setImmediate(resolve));
        logger.info("three");
        logger.error("to stderr");
        console.error("still running");`,
      );
      // Both ends open (a write-only open of a FIFO waits for a reader), then the reader closed.
      const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeFd = openSync(fifo, constants.O_WRONLY);
      const child = Bun.spawn([process.execPath, script], { stdin: "pipe", stdout: writeFd, stderr: "pipe" });
      closeSync(writeFd);
      closeSync(readFd);
      child.stdin.write("go\n");
      await child.stdin.end();
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      expect(stderr).not.toContain("EPIPE");
      expect(stderr).toContain('"msg":"to stderr"');
      expect(stderr).toContain("still running");
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
