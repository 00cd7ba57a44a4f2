/**
 * Scale-out: 4 KiB uploads (PUT /files/<path>) and authenticated downloads (GET
 * /files/<path>?redirect=false, the bytes through lightd) per second through HAProxy, with 1,
 * 2 and 3 lightd instances on one Postgres — beside the baseline, one instance on the embedded
 * SQLite behind the same HAProxy, measured in the same run with the same client, concurrency
 * and duration. Every leg shares this machine's CPUs (instances, Postgres, HAProxy and the
 * client alike): the figures say what adding instances costs or gains on one box, not on many.
 *
 * Bytes: every leg uses the local byte store, the Postgres instances one shared directory
 * (possible on one machine; across machines they would share an S3 bucket), so the legs
 * differ only in the metadata engine and the instance count. Postgres runs with its durable
 * defaults (fsync, synchronous commit), as SQLite's commits are durable before the answer.
 *
 *   bun run bench/run.ts cluster [--seconds 8] [--warmup 2] [--clients 32]
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { type Balancer, haproxyBinary, startBalancer } from "../tests/fixtures/cluster";
import { freePort } from "../tests/fixtures/rgw";
import { authHeader, benchTmp, numericFlags, ROOT, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, pct, type Summary, summarize, table } from "./lib/stats";

const flags = numericFlags({ seconds: 8, warmup: 2, clients: 32 });
const FILE_SIZE = 4096;
const body = crypto.getRandomValues(new Uint8Array(FILE_SIZE));

interface Rate extends Summary {
  perSecond: number;
  errors: number;
}

/** `clients` loops issuing `op` back to back for `seconds`; an error stops nothing but is counted. */
async function load(seconds: number, op: (client: number, n: number) => Promise<void>): Promise<Rate> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = "";
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: flags.clients }, async (_, client) => {
      for (let n = 0; performance.now() < end; n++) {
        const t0 = performance.now();
        try {
          await op(client, n);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ||= String(error);
          if (errors > 1000) throw new Error(`too many errors; first: ${firstError}`);
        }
      }
    }),
  );
  if (firstError) process.stderr.write(`    ${errors} errors, first: ${firstError}\n`);
  return { ...summarize(latencies), perSecond: latencies.length / ((performance.now() - start) / 1000), errors };
}

async function ok(response: Response, what: string): Promise<ArrayBuffer> {
  const bytes = await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${what} → ${response.status} ${new TextDecoder().decode(bytes)}`);
  return bytes;
}

/** Warmup, timed PUTs, then timed GETs of files those PUTs wrote. */
async function measure(front: string): Promise<{ put: Rate; get: Rate }> {
  const written = Array<number>(flags.clients).fill(0);
  const put = (tag: string) => async (client: number, n: number) => {
    const url = `${front}/files/bench/${tag}/c${client}/f${n}.bin`;
    await ok(await fetch(url, { method: "PUT", headers: authHeader, body }), "PUT");
    if (tag === "t") written[client] = Math.max(written[client] as number, n + 1);
  };
  await load(flags.warmup, put("w"));
  const putRate = await load(flags.seconds, put("t"));
  const get = async (client: number) => {
    const n = Math.floor(Math.random() * Math.max(1, written[client] as number));
    const bytes = await ok(
      await fetch(`${front}/files/bench/t/c${client}/f${n}.bin?redirect=false`, { headers: authHeader }),
      "GET",
    );
    if (bytes.byteLength !== FILE_SIZE) throw new Error(`GET: ${bytes.byteLength} bytes`);
  };
  await load(flags.warmup, get);
  return { put: putRate, get: await load(flags.seconds, get) };
}

/** A Postgres of our own with its durable defaults (scripts/postgres.sh, POSTGRES_DURABLE=1). */
async function startPostgres(dir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = join(ROOT, "scripts/postgres.sh");
  const started = Bun.spawnSync([script, "start", dir, String(port)], {
    env: { ...process.env, POSTGRES_DURABLE: "1" },
    stderr: "pipe",
  });
  const url = started.stdout.toString().match(/^LIGHTD_TEST_POSTGRES_URL=(.*)$/m)?.[1];
  if (started.exitCode !== 0 || !url) throw new Error(`scripts/postgres.sh start failed: ${started.stderr.toString()}`);
  return { url, stop: async () => void Bun.spawnSync([script, "stop", dir]) };
}

interface Leg {
  name: string;
  instances: number;
  postgres: boolean;
}

interface LegResult {
  put: Rate;
  get: Rate;
  /** Connections the instances held to their database at the end of the load (Postgres legs). */
  connections: number | null;
}

async function runLeg(leg: Leg, tmp: string, serverUrl: string | null): Promise<LegResult> {
  const dir = join(tmp, leg.name.replace(/\W+/g, "-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir, { recursive: true });
  let metadata: Record<string, unknown> = {};
  const name = `bench_${leg.instances}`;
  if (leg.postgres && serverUrl) {
    const admin = new SQL({ url: serverUrl, max: 1 });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    await admin.close();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    metadata = { metadata: { engine: "postgres", url: url.toString(), max_connections: 10 } };
  }
  const servers: RunningServer[] = [];
  let balancer: Balancer | undefined;
  try {
    for (let i = 0; i < leg.instances; i++) {
      const own = join(dir, `instance${i}`);
      mkdirSync(own, { recursive: true });
      servers.push(await startLightd(own, dataDir, metadata));
    }
    // The cluster test's balancer: the README's HAProxy set-up (health checks, retries, redispatch).
    balancer = await startBalancer(servers.map((s) => s.port));
    process.stderr.write(`  ${leg.name}: PUT and GET, ${flags.warmup}s warmup + ${flags.seconds}s each …\n`);
    const rates = await measure(balancer.url);
    let connections: number | null = null;
    if (leg.postgres && serverUrl) {
      const admin = new SQL({ url: serverUrl, max: 1 });
      const [row] = await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`;
      await admin.close();
      connections = row.n as number;
    }
    return { ...rates, connections };
  } finally {
    await balancer?.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function main(): Promise<number> {
  if (!haproxyBinary()) {
    process.stderr.write("bench/cluster.ts needs haproxy (apt-get install haproxy) and postgresql\n");
    return 1;
  }
  const tmp = benchTmp("cluster");
  const pgDir = join("/tmp", `lightd-bench-pg-${process.pid}`);
  const pg = await startPostgres(pgDir, await freePort());
  try {
    const legs: Leg[] = [
      { name: "SQLite, 1 instance", instances: 1, postgres: false },
      { name: "Postgres, 1 instance", instances: 1, postgres: true },
      { name: "Postgres, 2 instances", instances: 2, postgres: true },
      { name: "Postgres, 3 instances", instances: 3, postgres: true },
    ];
    const results: ({ leg: Leg } & LegResult)[] = [];
    for (const leg of legs) results.push({ leg, ...(await runLeg(leg, tmp, pg.url)) });
    const base = results[0] as (typeof results)[number];
    process.stdout.write(
      `\nlightd scale-out: 4 KiB files through HAProxy, ${flags.clients} clients, ${flags.seconds}s per phase, ` +
        `local byte store; ${navigator.hardwareConcurrency} CPUs shared by every process\n\n`,
    );
    process.stdout.write(
      `${table(
        [
          "setup",
          "PUT/s",
          "PUT p50 ms",
          "PUT p99 ms",
          "GET/s",
          "GET p50 ms",
          "GET p99 ms",
          "PUT vs SQLite",
          "GET vs SQLite",
          "PG conns",
        ],
        results.map(({ leg, put, get, connections }) => [
          leg.name,
          fmt(put.perSecond, 0),
          fmt(put.p50, 1),
          fmt(put.p99, 1),
          fmt(get.perSecond, 0),
          fmt(get.p50, 1),
          fmt(get.p99, 1),
          pct(put.perSecond / base.put.perSecond),
          pct(get.perSecond / base.get.perSecond),
          connections === null ? "–" : String(connections),
        ]),
      )}\n`,
    );
    const errors = results.reduce((n, r) => n + r.put.errors + r.get.errors, 0);
    if (errors > 0) process.stdout.write(`\n${errors} requests failed (see above): the figures are not clean\n`);
    return errors > 0 ? 1 : 0;
  } finally {
    await pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
