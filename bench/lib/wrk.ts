import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LoadOptions {
  seconds: number;
  connections: number;
  threads: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses outside 2xx/3xx (a 401 or 429 here means the run did not measure what it claims). */
  non2xx: number;
  socketErrors: number;
}

// wrk's `done` hook prints one JSON line; latency percentiles come in microseconds.
const REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"socket":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;

export function wrkAvailable(): boolean {
  return Bun.which("wrk") !== null;
}

/** Runs wrk (a C load generator; µs latency resolution) for a fixed duration against one URL. */
export async function runWrk(url: string, options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "lightd-wrk-"));
  const script = join(dir, "report.lua");
  writeFileSync(script, REPORT_SCRIPT);
  const args = [
    "wrk",
    `--threads=${options.threads}`,
    `--connections=${options.connections}`,
    `--duration=${options.seconds}s`,
    "--timeout=5s",
    `--script=${script}`,
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push(`--header=${name}: ${value}`);
  args.push(url);
  try {
    const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    const line = out.split("\n").find((l) => l.startsWith('{"requests"'));
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}\n${err}`);
    const r = JSON.parse(line) as Record<string, number>;
    const seconds = (r.duration_us as number) / 1e6;
    return {
      requests: r.requests as number,
      rps: (r.requests as number) / seconds,
      p50Ms: (r.p50_us as number) / 1000,
      p99Ms: (r.p99_us as number) / 1000,
      non2xx: r.non2xx as number,
      socketErrors: r.socket as number,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
