/**
 * Issue 4's benchmark: the cost of API-key verification against lightd running as a
 * real server (`src/main.ts` on port 0, load from wrk).
 *
 * - req/s and p99 of `GET /auth/me` with one warm API key vs the master token, same run;
 * - the cost of a cold verify (the one argon2id a key pays on first use), in ms;
 * - a flood of wrong keys from one IP: req/s and the server's CPU while it is throttled,
 *   next to the same flood with rate limits off (argon2 on every request).
 *
 *   bun run bench/run.ts keys [--seconds 8] [--warmup 2] [--connections 32]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueToken } from "../src/lib/token-format";
import { BENCH_MASTER, BENCH_SIGNING_SECRET, benchTmp, numericFlags, ROOT } from "./lib/lightd";
import { cpuSeconds, type RunningServer, startServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";
import { type LoadResult, runWrk, wrkAvailable } from "./lib/wrk";

const flags = numericFlags({ seconds: 8, warmup: 2, connections: 32, threads: 1 });
const load = { seconds: flags.seconds, connections: flags.connections, threads: flags.threads };

function startKeysServer(dir: string, limits: boolean): Promise<RunningServer> {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "config.json");
  const config = {
    authorization: { enabled: true, token: BENCH_MASTER },
    storage: { dir: join(dir, "data") },
    signing_secret: BENCH_SIGNING_SECRET,
    log: { requests: false },
    // The per-credential bucket is made huge so one key at full speed measures verification,
    // not 429s; the per-IP failure bucket keeps its default (burst 20, 30/min).
    rate_limits: limits ? { authenticated: { burst: 1_000_000_000, per_minute: 1_000_000_000 } } : { enabled: false },
  };
  writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
  const cmd = [process.execPath, "run", "src/main.ts", "--port", "0", "--host", "127.0.0.1", "--config", configPath];
  return startServer(`lightd (rate limits ${limits ? "on" : "off"})`, cmd, join(dir, "lightd.log"), { cwd: ROOT });
}

async function createKey(base: string, body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/auth/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${BENCH_MASTER}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /auth/keys → ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

async function timedMe(base: string, token: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET /auth/me → ${res.status}`);
  return performance.now() - start;
}

async function withCpu(pid: number, work: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpu: number }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const result = await work();
  const wall = (performance.now() - t0) / 1000;
  return { result, cpu: (cpuSeconds(pid) - cpu0) / wall };
}

async function main(): Promise<number> {
  if (!wrkAvailable()) {
    process.stderr.write("bench/keys: wrk not found on PATH (Debian: apt-get install wrk)\n");
    return 1;
  }
  const tmp = benchTmp("keys");
  const servers: RunningServer[] = [];
  try {
    process.stderr.write(`wrk: ${load.threads} thread(s), ${load.connections} connections, ${load.seconds}s runs\n`);
    const lightd = await startKeysServer(join(tmp, "on"), true);
    servers.push(lightd);
    const base = `http://127.0.0.1:${lightd.port}`;

    // Cold verify: the first request of a fresh key pays one argon2id; later ones hit the cache.
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) {
      const key = await createKey(base);
      cold.push(await timedMe(base, key.token));
      for (let j = 0; j < 20; j++) warm.push(await timedMe(base, key.token));
    }

    // Warm key vs master token, interleaved twice so neither gets the JIT's or the disk's favour.
    const key = await createKey(base, { name: "bench" });
    const runs: Record<string, LoadResult[]> = { "API key (warm)": [], "master token": [] };
    const targets: [string, string][] = [
      ["API key (warm)", key.token],
      ["master token", BENCH_MASTER],
    ];
    for (const [, token] of targets) {
      await runWrk(`${base}/auth/me`, {
        ...load,
        seconds: flags.warmup,
        headers: { authorization: `Bearer ${token}` },
      });
    }
    for (let round = 0; round < 2; round++) {
      for (const [name, token] of round === 0 ? targets : [...targets].reverse()) {
        process.stderr.write(`  ${name}, round ${round + 1} …\n`);
        runs[name]?.push(await runWrk(`${base}/auth/me`, { ...load, headers: { authorization: `Bearer ${token}` } }));
      }
    }

    // A flood of wrong keys from one IP: a real key id with a wrong secret (the case that
    // would cost argon2), throttled by the per-IP failure bucket before the verifier runs.
    const wrong = issueToken("live", key.id).text;
    process.stderr.write("  wrong-key flood, limits on …\n");
    const floodOn = await withCpu(lightd.pid, () =>
      runWrk(`${base}/auth/me`, { ...load, headers: { authorization: `Bearer ${wrong}` } }),
    );
    const after = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${wrong}` } });
    const refusedWith = `${after.status} ${after.headers.get("retry-after") ? `(Retry-After ${after.headers.get("retry-after")}s)` : ""}`;

    const off = await startKeysServer(join(tmp, "off"), false);
    servers.push(off);
    const offBase = `http://127.0.0.1:${off.port}`;
    const offKey = await createKey(offBase);
    process.stderr.write("  wrong-key flood, limits off …\n");
    const floodOff = await withCpu(off.pid, () =>
      runWrk(`${offBase}/auth/me`, {
        ...load,
        headers: { authorization: `Bearer ${issueToken("live", offKey.id).text}` },
      }),
    );

    const best = (name: string) => (runs[name] ?? []).reduce((a, b) => (b.rps > a.rps ? b : a));
    const k = best("API key (warm)");
    const m = best("master token");
    const row = (name: string, r: LoadResult) => [
      name,
      Math.round(r.rps).toLocaleString("en-US"),
      r.p50Ms.toFixed(3),
      r.p99Ms.toFixed(3),
      String(r.non2xx),
    ];
    process.stdout.write(
      `\n## bench/keys — GET /auth/me, ${load.connections} connections, ${load.seconds}s (best of 2)\n\n`,
    );
    process.stdout.write(
      `${table(["credential", "req/s", "p50 ms", "p99 ms", "non-2xx"], [row("API key (warm)", k), row("master token", m)])}\n\n`,
    );
    process.stdout.write(`API key / master req/s: ${pct(k.rps / m.rps)} (target ≥ 90 %)\n`);
    process.stdout.write(
      `cold verify (first request of a new key, one argon2id): median ${fmt(median(cold))} ms; warm request median ${fmt(median(warm), 2)} ms\n\n`,
    );
    process.stdout.write(
      `${table(
        ["wrong-key flood from one IP", "req/s", "p99 ms", "non-2xx", "server CPU"],
        [
          [
            "rate limits on (throttled)",
            Math.round(floodOn.result.rps).toLocaleString("en-US"),
            floodOn.result.p99Ms.toFixed(3),
            String(floodOn.result.non2xx),
            pct(floodOn.cpu),
          ],
          [
            "rate limits off (argon2 each)",
            Math.round(floodOff.result.rps).toLocaleString("en-US"),
            floodOff.result.p99Ms.toFixed(3),
            String(floodOff.result.non2xx),
            pct(floodOff.cpu),
          ],
        ],
      )}\n`,
    );
    process.stdout.write(`after the flood, one more wrong key from that IP → ${refusedWith}\n`);
    process.stdout.write("(server CPU: share of one core, user+system, over the run)\n");
    return 0;
  } finally {
    for (const s of servers) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
