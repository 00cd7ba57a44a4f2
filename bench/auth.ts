/**
 * Issue 2's benchmark: requests/s and p50/p99 latency of an authenticated GET (an API key, a
 * programmatic token, the master token) against lightd running as a real server
 * (`src/main.ts` on port 0), side by side with a bare `Bun.serve` hello-world on the same
 * machine (the ceiling). Load comes from wrk: the same threads and connections for every
 * target. All servers run at once and the targets take turns, round after round, with a run
 * of the ceiling before and after each: a machine that speeds up or slows down (other
 * guests, turbo) moves the ceiling with the target, so each run's ratio is to the mean of
 * the two ceiling runs beside it. The table prints the median ratio and its range. Also reported:
 * lightd's peak RSS, the cost of the one argon2 verify a credential pays on first use, and
 * the argon2 count over a steady-state run.
 *
 *   bun run bench/run.ts auth [--seconds 3] [--rounds 3] [--warmup 2] [--connections 32]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { memoryLogger } from "../src/lib/logger";
import { buildServices } from "../src/services";
import { BENCH_MASTER, benchConfig, startLightd } from "./lib/lightd";
import { type RunningServer, startServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";
import { type LoadOptions, type LoadResult, runWrk, wrkAvailable } from "./lib/wrk";

const MASTER = BENCH_MASTER;
const ACCEPT = "application/vnd.pkglatv1+json";

const { values: flags } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
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
const rounds = Math.max(1, Number(flags.rounds));

/** One URL under load, with the credential it sends; the first target is the ceiling. */
interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

/** A target's runs, and each run's ratio to the ceiling's runs just before and just after it. */
interface Row {
  target: Target;
  results: LoadResult[];
  ratios: number[];
}

function warm(target: Target): Promise<LoadResult> {
  return runWrk(target.url, { ...load, seconds: warmupSeconds, headers: target.headers });
}

/**
 * Warms every target up (JIT, caches, a credential's one argon2 verify), then runs them in
 * turns, round after round, with a run of the ceiling before the first and after each one.
 */
async function measure(targets: Target[]): Promise<Row[]> {
  const [ceiling, ...others] = targets as [Target, ...Target[]];
  if (warmupSeconds > 0) for (const target of targets) await warm(target);
  const run = (target: Target) => runWrk(target.url, { ...load, headers: target.headers });
  const ceilingRow: Row = { target: ceiling, results: [], ratios: [] };
  const rows: Row[] = others.map((target) => ({ target, results: [], ratios: [] }));
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(
      `  round ${round}/${rounds}: ${others.length} targets, ${load.seconds}s each, the ceiling between them …\n`,
    );
    let before = await run(ceiling);
    ceilingRow.results.push(before);
    for (const row of rows) {
      const result = await run(row.target);
      const after = await run(ceiling);
      ceilingRow.results.push(after);
      row.results.push(result);
      row.ratios.push(result.rps / ((before.rps + after.rps) / 2));
      before = after;
    }
  }
  // The ceiling's own runs against their median: how much the machine drifted during the run.
  const typical = median(ceilingRow.results.map((r) => r.rps));
  ceilingRow.ratios = ceilingRow.results.map((r) => r.rps / typical);
  return [ceilingRow, ...rows];
}

/**
 * What this benchmark's servers change in the files benchmarks' config (./lib/lightd.ts): the
 * request log on or off, and the rate limiter on. One credential at ~50k req/s would drain the
 * per-credential bucket in milliseconds and measure 429s; a huge bucket keeps the limiter's
 * bookkeeping on the path but never refuses.
 */
function authSections(logRequests: boolean) {
  return {
    log: { requests: logRequests },
    rate_limits: { authenticated: { burst: 1_000_000_000, per_minute: 1_000_000_000 } },
  };
}

function startAuthLightd(dir: string, logRequests: boolean): Promise<RunningServer> {
  const name = `lightd (request log ${logRequests ? "on" : "off"})`;
  return startLightd(dir, join(dir, "data"), authSections(logRequests), name);
}

/** A credential the master token mints: POST `path` with `body`, answered with `status` and `{ token }`. */
async function mint(base: string, path: string, body: unknown, status: number): Promise<string> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER}`, accept: ACCEPT, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== status) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const mintToken = (base: string) => mint(base, "/auth/tokens", { ttl: "1h" }, 200);
/** An API key (`lightd_live_…`) that may read files: its row is read on every request, as a token's is. */
const mintKey = (base: string) => mint(base, "/auth/keys", { name: "bench", scopes: ["files:read"] }, 201);

async function timedGet(url: string, token: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: ACCEPT } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}`);
  return performance.now() - start;
}

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
  const config = parseConfig({ ...benchConfig(join(dir, "data")), ...authSections(false) }, "bench config");
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
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A target's median run (by req/s) and the median of its ratios, with the lowest and highest. */
function report(rows: Row[]): string {
  const body = rows.map(({ target, results, ratios }) => {
    const mid = [...results].sort((x, y) => x.rps - y.rps)[Math.floor(results.length / 2)] as LoadResult;
    return [
      target.name,
      fmt(mid.rps, 0),
      mid.p50Ms.toFixed(3),
      mid.p99Ms.toFixed(3),
      pct(median(ratios)),
      `${pct(Math.min(...ratios))} – ${pct(Math.max(...ratios))}`,
    ];
  });
  return table(["target", "req/s", "p50 ms", "p99 ms", "% of ceiling", "lowest – highest"], body);
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
  const loadBefore = loadAverage();
  try {
    process.stderr.write(`wrk: ${load.threads} thread(s), ${load.connections} connections; ${Bun.version} bun\n`);
    const ceiling = await startServer(
      "Bun.serve hello-world",
      [process.execPath, "run", join(import.meta.dir, "ceiling-server.ts")],
      join(tmp, "ceiling.log"),
    );
    servers.push(ceiling);
    const quiet = await startAuthLightd(mkdtempSync(join(tmp, "lightd-")), false);
    servers.push(quiet);
    const logged = await startAuthLightd(mkdtempSync(join(tmp, "lightd-")), true);
    servers.push(logged);

    const quietBase = `http://127.0.0.1:${quiet.port}`;
    const loggedBase = `http://127.0.0.1:${logged.port}`;
    const probe = await coldVsWarm(quietBase);
    const bearer = (credential: string) => ({ authorization: `Bearer ${credential}`, accept: ACCEPT });
    const off = "request log off";
    const on = "request log on (default)";
    const me = (credential: string, base: string, log: string, secret: string): Target => ({
      name: `lightd GET /auth/me, ${credential}, ${log}`,
      url: `${base}/auth/me`,
      headers: bearer(secret),
    });
    const targets: Target[] = [
      { name: "Bun.serve hello-world (ceiling)", url: `http://127.0.0.1:${ceiling.port}/` },
      { name: `lightd GET /api/v1/public/ping, no auth, ${off}`, url: `${quietBase}/api/v1/public/ping` },
      // The master token skips the row read and the cache: what the guard costs without them.
      me("master token", quietBase, off, MASTER),
      me("programmatic token", quietBase, off, await mintToken(quietBase)),
      me("API key", quietBase, off, await mintKey(quietBase)),
      me("programmatic token", loggedBase, on, await mintToken(loggedBase)),
      me("API key", loggedBase, on, await mintKey(loggedBase)),
    ];
    const rows = await measure(targets);
    const rss = [
      `ceiling ${ceiling.peakRssMiB()?.toFixed(1)} MiB`,
      `lightd (${off}) ${quiet.peakRssMiB()?.toFixed(1)} MiB`,
      `lightd (${on}) ${logged.peakRssMiB()?.toFixed(1)} MiB`,
    ];
    await Promise.all(servers.map((s) => s.stop()));

    const steadyRequests = 20_000;
    const counted = await argon2InProcess(steadyRequests);

    const failed = rows.flatMap(({ target, results }) =>
      results
        .filter((r) => r.non2xx > 0 || r.socketErrors > 0)
        .map((r) => `${target.name}: ${r.non2xx} non-2xx, ${r.socketErrors} socket`),
    );
    process.stdout.write(
      [
        "",
        `auth benchmark — wrk ${load.threads} thread, ${load.connections} connections, ${warmupSeconds}s warmup per target, then ${rounds} rounds of ${load.seconds}s per target in turn, the ceiling between them; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "req/s, p50 and p99: each target's median round; % of ceiling: the median of its runs' ratios to the mean of the ceiling's runs just before and just after each; the ceiling's range: its runs against their median",
        "",
        report(rows),
        "",
        `non-2xx responses or socket errors: ${failed.length === 0 ? "none in any run" : failed.join("; ")}`,
        `peak RSS (VmHWM): ${rss.join("; ")}`,
        `1-minute load average: ${loadBefore.toFixed(2)} before, ${loadAverage().toFixed(2)} after${loadBefore > 1 ? " (other work was running: figures are skewed)" : ""}`,
        `first use of a fresh token (argon2id verify) over HTTP: median ${probe.coldMs.toFixed(2)} ms; later uses: median ${probe.warmMs.toFixed(3)} ms`,
        `argon2 verifications in process: ${counted.first} on a token's first use, ${counted.steady} in the next ${steadyRequests.toLocaleString("en-US")} requests`,
        "",
      ].join("\n"),
    );
    return failed.length === 0 && counted.steady === 0 ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
