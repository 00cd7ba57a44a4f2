/**
 * Issue 2's benchmark: requests/s and p50/p99 latency of an authenticated GET with a
 * programmatic token against lightd running as a real server (`src/main.ts` on port 0),
 * side by side with a bare `Bun.serve` hello-world on the same machine (the ceiling).
 * Load comes from wrk: the same threads and connections for every target, a warmup,
 * then a fixed duration. Also reported: lightd's peak RSS, the cost of the one argon2
 * verify a token pays on first use, and the argon2 count over a steady-state run.
 *
 *   bun run bench/run.ts auth [--seconds 10] [--warmup 2] [--connections 32]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { memoryLogger } from "../src/lib/logger";
import { buildServices } from "../src/services";
import { type RunningServer, startServer } from "./lib/server";
import { type LoadOptions, type LoadResult, runWrk, wrkAvailable } from "./lib/wrk";

const ROOT = resolve(import.meta.dir, "..");
const MASTER = "lightd_bench_master_token_0123456789";
const SIGNING_SECRET = "bench-signing-secret-0123456789abcdef0123456789";
const ACCEPT = "application/vnd.pkglatv1+json";

const { values: flags } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    threads: { type: "string", default: "1" },
  },
});
const load: LoadOptions = {
  seconds: Number(flags.seconds),
  connections: Number(flags.connections),
  threads: Number(flags.threads),
};
const warmupSeconds = Number(flags.warmup);

interface Row {
  target: string;
  result: LoadResult;
}

/** Warms the target up (JIT, caches, the token's one argon2 verify), then measures. */
async function measure(target: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  process.stderr.write(`  ${target}: warmup ${warmupSeconds}s, run ${load.seconds}s …\n`);
  if (warmupSeconds > 0) await runWrk(url, { ...load, seconds: warmupSeconds, headers });
  return { target, result: await runWrk(url, { ...load, headers }) };
}

/** config.json for a bench server: loopback, its own data dir, the one master token. */
function benchConfig(dir: string, logRequests: boolean) {
  return {
    authorization: { enabled: true, token: MASTER },
    storage: { dir: join(dir, "data") },
    signing_secret: SIGNING_SECRET,
    log: { requests: logRequests },
    // One credential at ~50k req/s would drain the per-credential bucket in milliseconds and
    // measure 429s; a huge bucket keeps the limiter's bookkeeping on the path but never refuses.
    rate_limits: { authenticated: { burst: 1_000_000_000, per_minute: 1_000_000_000 } },
  };
}

function startLightd(dir: string, logRequests: boolean): Promise<RunningServer> {
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify(benchConfig(dir, logRequests)), { mode: 0o600 });
  const cmd = [process.execPath, "run", "src/main.ts", "--port", "0", "--host", "127.0.0.1", "--config", configPath];
  return startServer(`lightd (request log ${logRequests ? "on" : "off"})`, cmd, join(dir, "lightd.log"), {
    cwd: ROOT,
  });
}

async function mintToken(base: string): Promise<string> {
  const res = await fetch(`${base}/auth/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, accept: ACCEPT, "content-type": "application/json" },
    body: JSON.stringify({ ttl: "1h" }),
  });
  if (res.status !== 200) throw new Error(`POST /auth/tokens → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function timedGet(url: string, token: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: ACCEPT } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}`);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** First use of a fresh token (argon2 verify) against later uses (cache hit), over the real server. */
async function coldVsWarm(base: string): Promise<{ coldMs: number; warmMs: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 7; i++) {
    const token = await mintToken(base);
    cold.push(await timedGet(`${base}/auth/me`, token));
    for (let j = 0; j < 30; j++) warm.push(await timedGet(`${base}/auth/me`, token));
  }
  return { coldMs: median(cold), warmMs: median(warm) };
}

/**
 * The real server cannot be asked how often argon2 ran, so the same app is built in
 * process (buildServices + createApp, as the server does) and the verifier's counter read.
 */
async function argon2InProcess(requests: number): Promise<{ first: number; steady: number }> {
  const dir = mkdtempSync(join(tmpdir(), "lightd-bench-inproc-"));
  const config = parseConfig(benchConfig(dir, false), "bench config");
  const ctx = buildServices({
    config: new ConfigStore(config, join(dir, "config.json")),
    dataDir: join(dir, "data"),
    logger: memoryLogger(),
  });
  try {
    const app = createApp(ctx);
    const minted = await app.handle(
      new Request("http://bench/auth/tokens", {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
        body: JSON.stringify({ ttl: "1h" }),
      }),
    );
    const { token } = (await minted.json()) as { token: string };
    const get = async () => {
      const res = await app.handle(
        new Request("http://bench/auth/me", { headers: { authorization: `Bearer ${token}` } }),
      );
      if (res.status !== 200) throw new Error(`in-process GET /auth/me → ${res.status}`);
    };
    const before = ctx.verifier.argon2Verifications;
    await get();
    const afterFirst = ctx.verifier.argon2Verifications;
    for (let i = 0; i < requests; i++) await get();
    return { first: afterFirst - before, steady: ctx.verifier.argon2Verifications - afterFirst };
  } finally {
    ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const ceiling = rows[0]?.result.rps ?? 1;
  const header = ["target", "req/s", "p50 ms", "p99 ms", "% of ceiling"];
  const body = rows.map(({ target, result: r }) => [
    target,
    Math.round(r.rps).toLocaleString("en-US"),
    r.p50Ms.toFixed(3),
    r.p99Ms.toFixed(3),
    `${((r.rps / ceiling) * 100).toFixed(1)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

/** The 1-minute load average: other work on a 2-core machine skews every figure. */
function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<number> {
  if (!wrkAvailable()) {
    process.stderr.write("bench/auth: wrk not found on PATH (Debian: apt-get install wrk)\n");
    return 1;
  }
  const tmp = mkdtempSync(join(tmpdir(), "lightd-bench-"));
  const servers: RunningServer[] = [];
  const rows: Row[] = [];
  const rss: string[] = [];
  let probe = { coldMs: 0, warmMs: 0 };
  const loadBefore = loadAverage();
  try {
    process.stderr.write(`wrk: ${load.threads} thread(s), ${load.connections} connections; ${Bun.version} bun\n`);

    const ceiling = await startServer(
      "Bun.serve hello-world",
      [process.execPath, "run", join(import.meta.dir, "ceiling-server.ts")],
      join(tmp, "ceiling.log"),
    );
    servers.push(ceiling);
    rows.push(await measure("Bun.serve hello-world (ceiling)", `http://127.0.0.1:${ceiling.port}/`));
    rss.push(`ceiling ${ceiling.peakRssMiB()?.toFixed(1)} MiB`);
    await ceiling.stop();

    for (const logRequests of [false, true]) {
      const dir = mkdtempSync(join(tmp, "lightd-"));
      const lightd = await startLightd(dir, logRequests);
      servers.push(lightd);
      const base = `http://127.0.0.1:${lightd.port}`;
      const logNote = logRequests ? "request log on (default)" : "request log off";
      if (!logRequests) {
        probe = await coldVsWarm(base);
        rows.push(await measure(`lightd GET /api/v1/public/ping, no auth, ${logNote}`, `${base}/api/v1/public/ping`));
        // The master token skips the row read and the cache: what the guard costs without them.
        const master = { authorization: `Bearer ${MASTER}`, accept: ACCEPT };
        rows.push(await measure(`lightd GET /auth/me, master token, ${logNote}`, `${base}/auth/me`, master));
      }
      const token = await mintToken(base);
      const headers = { authorization: `Bearer ${token}`, accept: ACCEPT };
      rows.push(await measure(`lightd GET /auth/me, programmatic token, ${logNote}`, `${base}/auth/me`, headers));
      rss.push(`lightd (${logNote}) ${lightd.peakRssMiB()?.toFixed(1)} MiB`);
      await lightd.stop();
    }

    const steadyRequests = 20_000;
    const counted = await argon2InProcess(steadyRequests);

    const bad = rows.filter((r) => r.result.non2xx > 0 || r.result.socketErrors > 0);
    process.stdout.write(
      [
        "",
        `auth benchmark — wrk ${load.threads} thread, ${load.connections} connections, ${warmupSeconds}s warmup + ${load.seconds}s per target, ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(rows),
        "",
        `non-2xx responses or socket errors: ${bad.length === 0 ? "none in any run" : bad.map((r) => `${r.target}: ${r.result.non2xx} non-2xx, ${r.result.socketErrors} socket`).join("; ")}`,
        `peak RSS (VmHWM): ${rss.join("; ")}`,
        `1-minute load average: ${loadBefore.toFixed(2)} before, ${loadAverage().toFixed(2)} after${loadBefore > 1 ? " (other work was running: figures are skewed)" : ""}`,
        `first use of a fresh token (argon2id verify) over HTTP: median ${probe.coldMs.toFixed(2)} ms; later uses: median ${probe.warmMs.toFixed(3)} ms`,
        `argon2 verifications in process: ${counted.first} on a token's first use, ${counted.steady} in the next ${steadyRequests.toLocaleString("en-US")} requests`,
        "",
      ].join("\n"),
    );
    return bad.length === 0 && counted.steady === 0 ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
