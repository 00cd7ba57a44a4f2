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
 * Rows alternate over several rounds; the median per row is reported.
 *
 *   bun run bench/run.ts request-path [--requests 20000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { memoryLogger } from "../src/lib/logger";
import { buildServices } from "../src/services";
import { benchConfig, numericFlags } from "./lib/lightd";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ requests: 20_000, rounds: 5 });
const MASTER = "lightd_bench_master_token_0123456789";

type Handle = (request: Request) => Promise<Response> | Response;

function lightdApp(dir: string, logRequests: boolean) {
  const config = parseConfig({ ...benchConfig(join(dir, "data")), log: { requests: logRequests } }, "bench config");
  const ctx = buildServices({
    config: new ConfigStore(config, join(dir, "config.json")),
    dataDir: join(dir, "data"),
    logger: memoryLogger(),
  });
  return { ctx, app: createApp(ctx) };
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
    const keyQuiet = await mintKey((r) => quiet.app.handle(r));
    const keyLogged = await mintKey((r) => logged.app.handle(r));
    if (!keyQuiet || !keyLogged) throw new Error("no API key secret in the answer");
    const rows: [string, () => Promise<number>][] = [
      ["plain function", () => time(() => new Response("hello"), "http://bench/hello", {})],
      ["bare Elysia, one route", () => time((r) => bare.handle(r), "http://bench/hello", {})],
      ["lightd GET /api/v1/public/ping", () => time((r) => quiet.app.handle(r), "http://bench/api/v1/public/ping", {})],
      [
        "lightd GET /auth/me, master token",
        () => time((r) => quiet.app.handle(r), "http://bench/auth/me", { authorization: `Bearer ${MASTER}` }),
      ],
      [
        "lightd GET /auth/me, API key",
        () => time((r) => quiet.app.handle(r), "http://bench/auth/me", { authorization: `Bearer ${keyQuiet}` }),
      ],
      [
        "lightd GET /auth/me, API key, request log on",
        () => time((r) => logged.app.handle(r), "http://bench/auth/me", { authorization: `Bearer ${keyLogged}` }),
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
        `request path — in process (app.handle, no sockets), ${flags.requests} sequential requests per sample, median of ${flags.rounds} alternating rounds; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
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
    return 0;
  } finally {
    quiet.ctx.close();
    logged.ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(await main());
