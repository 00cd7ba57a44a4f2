import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type RunningServer, startServer } from "./server";

/** Helpers shared by the files benchmarks: a lightd on port 0 with a known master token. */

export const ROOT = resolve(import.meta.dir, "../..");
export const BENCH_MASTER = "lightd_bench_master_token_0123456789";
export const BENCH_SIGNING_SECRET = "bench-signing-secret-0123456789abcdef0123456789";

/**
 * The config every files benchmark runs lightd with. Rate limits are off: the default
 * per-credential bucket (6000/min) would answer 429 to a load test from one token and the
 * figures would measure the limiter, not storage. The request log stays at its default (on).
 */
export function benchConfig(dataDir: string): Record<string, unknown> {
  return {
    authorization: { enabled: true, token: BENCH_MASTER },
    storage: { backend: "local", dir: dataDir },
    signing_secret: BENCH_SIGNING_SECRET,
    rate_limits: { enabled: false },
  };
}

/**
 * Starts `src/main.ts` on 127.0.0.1, port 0, with `benchConfig` (+ `extra` sections, each
 * replacing the section of that name); its log goes to `<dir>/lightd.log`. `name` is how
 * messages about it call it.
 */
export function startLightd(
  dir: string,
  dataDir = join(dir, "data"),
  extra: Record<string, unknown> = {},
  name = "lightd",
): Promise<RunningServer> {
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ ...benchConfig(dataDir), ...extra }), { mode: 0o600 });
  const cmd = [process.execPath, "run", "src/main.ts", "--port", "0", "--host", "127.0.0.1", "--config", configPath];
  return startServer(name, cmd, join(dir, "lightd.log"), { cwd: ROOT });
}

export const authHeader = { authorization: `Bearer ${BENCH_MASTER}` };

/** A fresh temp dir for one benchmark run (same filesystem as the server's data dir). */
export const benchTmp = (name: string): string => mkdtempSync(join(tmpdir(), `lightd-bench-${name}-`));

/**
 * Numeric flags for a benchmark. bench/run.ts passes every flag to every benchmark, so
 * flags another benchmark defines are accepted and ignored here.
 */
export function numericFlags<K extends string>(defaults: Record<K, number>): Record<K, number> {
  const options = Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: "string" as const }]));
  const { values } = parseArgs({ args: Bun.argv.slice(2), options, strict: false, allowPositionals: true });
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as K[]) {
    const raw = values[key];
    if (typeof raw === "string") {
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key}: expected a positive number, got '${raw}'`);
      out[key] = n;
    }
  }
  return out;
}

/**
 * Runs a command to completion; throws with its output when it fails. `cpu`: the CPU
 * seconds (user + system) it and the children it waited for spent.
 */
export async function run(
  cmd: string[],
  options: { cwd?: string } = {},
): Promise<{ out: string; ms: number; cpu: number }> {
  const start = performance.now();
  const proc = Bun.spawn(cmd, { cwd: options.cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`${cmd[0]} exited ${code}:\n${out}\n${err}`);
  const cpu = Number(proc.resourceUsage()?.cpuTime.total ?? Number.NaN) / 1e6;
  return { out: out + err, ms, cpu };
}
