/**
 * Where the microseconds of one small authenticated request go, measured in process
 * (`app.handle`, no sockets) so the network and the load generator drop out. Each row adds
 * one layer to the one above; the difference between rows is that layer's cost:
 * - a plain function answering "hello" (the floor);
 * - a bare Elysia app with one route (Elysia's dispatch);
 * - lightd's `GET /api/v1/public/ping` (every global hook, no credential);
 * - lightd's `GET /auth/me` with the master token (the guard, no database);
 * - lightd's `GET /auth/me` with an API key (the guard and the per-request credential row read);
 * - the same with the request log on.
 * Rows alternate over several rounds; the median per row is reported. Requests go through
 * the request edge the server runs (`createHandler`: request id, CORS, HEAD, the edge's
 * fast routes, the request log), not only the framework.
 *
 * Then the same authenticated tiny GET over HTTP: lightd as a real server (src/main.ts,
 * request log on) beside a bare `Bun.serve` hello world (the ceiling) and a bare Bun.serve
 * doing only the work the route cannot skip (the floor, bench/same-work-server.ts), all
 * loaded by wrk, alternating target by target over `--http-rounds` rounds; the median req/s
 * of each, their ratios and each server's CPU per request are reported. `--no-http` leaves this part out.
 *
 *   bun run bench/run.ts request-path [--requests 20000] [--rounds 5] [--seconds 5] [--http-rounds 3] [--connections 32] [--no-http]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { createHandler } from "../src/http/handler";
import { memoryLogger } from "../src/lib/logger";
import { buildServices } from "../src/services";
import { BENCH_MASTER, benchConfig, numericFlags, startLightd } from "./lib/lightd";
import { cpuSeconds, type RunningServer, startServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";
import { runWrk, wrkAvailable } from "./lib/wrk";

const flags = numericFlags({ requests: 20_000, rounds: 5, seconds: 5, "http-rounds": 3, connections: 32 });
const withHttp = !Bun.argv.includes("--no-http");
const MASTER = BENCH_MASTER;

type Handle = (request: Request) => Promise<Response> | Response;

function lightdApp(dir: string, logRequests: boolean) {
  const config = parseConfig({ ...benchConfig(join(dir, "data")), log: { requests: logRequests } }, "bench config");
  const logger = memoryLogger();
  const ctx = buildServices({
    config: new ConfigStore(config, join(dir, "config.json")),
    dataDir: join(dir, "data"),
    logger,
  });
  // The edge as the server builds it; the in-memory log is emptied as it fills.
  const edge = createHandler(createApp(ctx), {
    maxBodyBytes: () => ctx.config.current.server.max_body_bytes,
    logger,
    logRequests: () => ctx.config.current.log.requests,
  });
  const handle = async (request: Request) => {
    if (logger.lines.length > 10_000) logger.lines.length = 0;
    return edge(request);
  };
  return { ctx, handle };
}

async function mintKey(handle: Handle): Promise<string> {
  const res = await handle(
    new Request("http://bench/auth/keys", {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bench", scopes: ["files:read"] }),
    }),
  );
  if (res.status !== 201) throw new Error(`POST /auth/keys → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Microseconds per request over `flags.requests` sequential requests. */
async function time(handle: Handle, url: string, headers: Record<string, string>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < flags.requests; i++) {
    const res = await handle(new Request(url, { headers }));
    if (res.status !== 200) throw new Error(`${url} → ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  return ((performance.now() - start) * 1000) / flags.requests;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lightd-bench-path-"));
  const quiet = lightdApp(join(dir, "a"), false);
  const logged = lightdApp(join(dir, "b"), true);
  try {
    const bare = new Elysia().get("/hello", () => "hello");
    const keyQuiet = await mintKey(quiet.handle);
    const keyLogged = await mintKey(logged.handle);
    if (!keyQuiet || !keyLogged) throw new Error("no API key secret in the answer");
    const rows: [string, () => Promise<number>][] = [
      ["plain function", () => time(() => new Response("hello"), "http://bench/hello", {})],
      ["bare Elysia, one route", () => time((r) => bare.handle(r), "http://bench/hello", {})],
      ["lightd GET /api/v1/public/ping", () => time(quiet.handle, "http://bench/api/v1/public/ping", {})],
      [
        "lightd GET /auth/me, master token",
        () => time(quiet.handle, "http://bench/auth/me", { authorization: `Bearer ${MASTER}` }),
      ],
      [
        "lightd GET /auth/me, API key",
        () => time(quiet.handle, "http://bench/auth/me", { authorization: `Bearer ${keyQuiet}` }),
      ],
      [
        "lightd GET /auth/me, API key, request log on",
        () => time(logged.handle, "http://bench/auth/me", { authorization: `Bearer ${keyLogged}` }),
      ],
    ];
    const samples = rows.map(() => [] as number[]);
    for (let round = 0; round < flags.rounds; round++) {
      for (const [i, [name, run]] of rows.entries()) {
        process.stderr.write(`  round ${round + 1}/${flags.rounds}: ${name} …\n`);
        samples[i]?.push(await run());
      }
    }
    const medians = samples.map((s) => median(s));
    process.stdout.write(
      [
        "",
        `request path — in process (the request edge, no sockets), ${flags.requests} sequential requests per sample, median of ${flags.rounds} alternating rounds; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(
          ["layer", "µs / request", "added by this layer"],
          rows.map(([name], i) => [
            name,
            fmt(medians[i] as number, 1),
            i === 0 ? "" : fmt((medians[i] as number) - (medians[i - 1] as number), 1),
          ]),
          "lrr",
        ),
        "",
      ].join("\n"),
    );
    if (withHttp) process.stdout.write(await overHttp(dir));
    return 0;
  } finally {
    quiet.ctx.close();
    logged.ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The authenticated tiny GET over HTTP beside Bun.serve hello world, alternating. */
async function overHttp(dir: string): Promise<string> {
  if (!wrkAvailable()) return "\nover HTTP: skipped (wrk not found on PATH; Debian: apt-get install wrk)\n";
  const servers: RunningServer[] = [];
  try {
    const ceiling = await startServer(
      "Bun.serve hello-world",
      [process.execPath, "run", join(import.meta.dir, "ceiling-server.ts")],
      join(dir, "ceiling.log"),
    );
    servers.push(ceiling);
    const sameWork = await startServer(
      "Bun.serve doing the same work",
      [process.execPath, "run", join(import.meta.dir, "same-work-server.ts"), dir],
      join(dir, "same-work.log"),
    );
    servers.push(sameWork);
    mkdirSync(join(dir, "http"));
    const lightd = await startLightd(join(dir, "http"));
    servers.push(lightd);
    const base = `http://127.0.0.1:${lightd.port}`;
    const key = await mintKey((request) => fetch(new Request(request.url.replace("http://bench", base), request)));
    const auth = { authorization: `Bearer ${key}` };
    const targets: [string, RunningServer, string, Record<string, string>][] = [
      ["Bun.serve hello world (ceiling)", ceiling, `http://127.0.0.1:${ceiling.port}/`, {}],
      ["Bun.serve doing the same work (floor)", sameWork, `http://127.0.0.1:${sameWork.port}/auth/me`, auth],
      ["lightd GET /auth/me, API key, request log on", lightd, `${base}/auth/me`, auth],
    ];
    const rps = targets.map(() => [] as number[]);
    const cpu = targets.map(() => [] as number[]);
    let bad = 0;
    const load = { seconds: flags.seconds, connections: flags.connections, threads: 1 };
    for (let round = 0; round < flags["http-rounds"]; round++) {
      for (const [i, [name, server, url, headers]] of targets.entries()) {
        process.stderr.write(`  HTTP round ${round + 1}/${flags["http-rounds"]}: ${name} …\n`);
        if (round === 0) await runWrk(url, { ...load, seconds: 1, headers });
        const before = cpuSeconds(server.pid);
        const result = await runWrk(url, { ...load, headers });
        bad += result.non2xx + result.socketErrors;
        rps[i]?.push(result.rps);
        cpu[i]?.push(((cpuSeconds(server.pid) - before) * 1e6) / (result.rps * flags.seconds));
      }
    }
    const medians = rps.map((r) => median(r));
    const ceilingRps = medians[0] as number;
    return [
      "",
      `over HTTP — wrk 1 thread, ${flags.connections} connections, ${flags.seconds}s per sample (1s warmup first), targets alternating over ${flags["http-rounds"]} rounds, median; load average ${readLoad()}`,
      "The floor is a bare Bun.serve doing what the route cannot skip (bench/same-work-server.ts): one SHA-256, the",
      "credential row from a WAL database (one read transaction per event-loop turn; the row read again only once the",
      "database changed, as lightd's), the JSON answer, X-Request-Id and a request log line. Server CPU per",
      "request (from /proc) moves less with the machine's load than req/s does.",
      "",
      table(
        ["target", "req/s (median)", "samples", "/ ceiling", "/ floor", "server CPU µs / request"],
        targets.map(([name], i) => [
          name,
          fmt(medians[i] as number, 0),
          (rps[i] ?? []).map((r) => fmt(r, 0)).join(" "),
          pct((medians[i] as number) / ceilingRps),
          i === 0 ? "" : pct((medians[i] as number) / (medians[1] as number)),
          fmt(median(cpu[i] ?? []), 1),
        ]),
        "lrrrrr",
      ),
      bad === 0 ? "non-2xx responses or socket errors: none" : `non-2xx responses or socket errors: ${bad}`,
      "",
    ].join("\n");
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
  }
}

function readLoad(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

process.exit(await main());
