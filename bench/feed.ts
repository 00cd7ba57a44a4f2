/**
 * The live change feed's fan-out: N WebSocket clients on `/ws/events` while changes are
 * made at a fixed rate (one-step uploads, each a tx and an event), against lightd as a real
 * server (`src/main.ts` on port 0). For every message each client receives, latency is its
 * arrival time minus the event's `ts` (the commit time, same machine clock). Reports p50 /
 * p99, the server's peak RSS and CPU, beside a baseline measured in the same run: a bare
 * Bun.serve that publishes each change to the same N clients with Bun's native pub/sub.
 *
 *   bun run bench/run.ts feed [--clients 1000] [--rate 200] [--seconds 15]
 */
import { join } from "node:path";
import { authHeader, BENCH_MASTER, benchTmp, numericFlags, startLightd } from "./lib/lightd";
import { cpuSeconds, type RunningServer, startServer } from "./lib/server";
import { fmt, table } from "./lib/stats";

const flags = numericFlags({ clients: 1000, rate: 200, seconds: 15 });

const PROCESSES = 4;

interface Fleet {
  /** Messages received so far, over every process. */
  received(): Promise<number>;
  /** Closes the clients and collects every process's latency histogram. */
  report(): Promise<{ received: number; histogram: Map<number, number> }>;
}

/** Opens `count` WebSocket clients spread over PROCESSES child processes; resolves once all are open. */
async function connect(url: string, count: number): Promise<Fleet> {
  const per = Math.ceil(count / PROCESSES);
  const children = Array.from({ length: PROCESSES }, (_, i) => {
    const n = Math.max(0, Math.min(per, count - i * per));
    const proc = Bun.spawn([process.execPath, "run", join(import.meta.dir, "lib/feed-clients.ts"), url, String(n)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    const lines = (async function* () {
      let buffer = "";
      for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          yield buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
        }
      }
    })();
    return { proc, lines };
  });
  for (const child of children) {
    const first = await child.lines.next();
    if (first.done || !first.value.includes("ready")) throw new Error("a client process did not connect");
  }
  const ask = async (command: string) => {
    const answers: string[] = [];
    for (const child of children) {
      child.proc.stdin.write(`${command}\n`);
      child.proc.stdin.flush();
      answers.push((await child.lines.next()).value as string);
    }
    return answers.map((a) => JSON.parse(a) as { received: number; histogram?: Record<string, number> });
  };
  return {
    async received() {
      return (await ask("count")).reduce((sum, part) => sum + part.received, 0);
    },
    async report() {
      const histogram = new Map<number, number>();
      let received = 0;
      for (const part of await ask("report")) {
        received += part.received;
        for (const [ms, n] of Object.entries(part.histogram ?? {}))
          histogram.set(Number(ms), (histogram.get(Number(ms)) ?? 0) + n);
      }
      await Promise.all(children.map((child) => child.proc.exited));
      return { received, histogram };
    },
  };
}

/** The p-th percentile of a histogram of whole milliseconds. */
function histogramPercentile(histogram: Map<number, number>, total: number, p: number): number {
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const ms of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(ms) as number;
    if (seen >= rank) return ms;
  }
  return Number.NaN;
}

/** Makes `rate` changes per second for `seconds` (each a POST/PUT answered by the server). */
async function produce(makeChange: (i: number) => Promise<void>, rate: number, seconds: number): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    pending.push(makeChange(i));
  }
  await Promise.all(pending);
  return total;
}

interface Row {
  name: string;
  changes: number;
  expected: number;
  received: number;
  p50: number;
  p99: number;
  rss: number | null;
  cpu: number;
}

async function measure(server: RunningServer, wsUrl: string, makeChange: (i: number) => Promise<void>): Promise<Row> {
  const fleet = await connect(wsUrl, flags.clients);
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  const changes = await produce(makeChange, flags.rate, flags.seconds);
  // Let the last messages arrive: until every client has them, or a second passes with none.
  for (let last = -1, now = await fleet.received(); now < changes * flags.clients && now !== last; ) {
    await Bun.sleep(1000);
    last = now;
    now = await fleet.received();
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = (cpuSeconds(server.pid) - cpu0) / wall;
  const { received, histogram } = await fleet.report();
  const row: Row = {
    name: server.name,
    changes,
    expected: changes * flags.clients,
    received,
    p50: histogramPercentile(histogram, received, 50),
    p99: histogramPercentile(histogram, received, 99),
    rss: server.peakRssMiB(),
    cpu,
  };
  return row;
}

async function main(): Promise<number> {
  const tmp = benchTmp("feed");
  const servers: RunningServer[] = [];
  try {
    process.stderr.write(`${flags.clients} WebSocket clients, ${flags.rate} changes/s for ${flags.seconds} s\n`);
    const baseline = await startServer(
      "bare Bun.serve publish (baseline)",
      [process.execPath, "run", join(import.meta.dir, "lib/feed-baseline-server.ts")],
      join(tmp, "baseline.log"),
    );
    servers.push(baseline);
    const baseRow = await measure(baseline, `ws://127.0.0.1:${baseline.port}/ws`, async () => {
      await (await fetch(`http://127.0.0.1:${baseline.port}/change`, { method: "POST" })).arrayBuffer();
    });
    await baseline.stop();
    servers.pop();

    const lightd = await startLightd(tmp, join(tmp, "data"), { log: { requests: false } });
    lightd.name = "lightd /ws/events";
    servers.push(lightd);
    const base = `http://127.0.0.1:${lightd.port}`;
    const row = await measure(lightd, `ws://127.0.0.1:${lightd.port}/ws/events?token=${BENCH_MASTER}`, async (i) => {
      const res = await fetch(`${base}/files/bench/f${i}.txt`, { method: "PUT", headers: authHeader, body: "x" });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PUT → ${res.status}`);
    });

    const rows = [baseRow, row].map((r) => [
      r.name,
      fmt(r.changes, 0),
      `${fmt(r.received, 0)} / ${fmt(r.expected, 0)}`,
      fmt(r.p50, 0),
      fmt(r.p99, 0),
      fmt(r.rss ?? Number.NaN, 0),
      fmt(r.cpu * 100, 0),
    ]);
    process.stdout.write(
      `\n${table(["server", "changes", "messages received", "p50 ms", "p99 ms", "peak RSS MiB", "CPU %"], rows)}\n` +
        "latency = client receipt − event ts (commit time); CPU % of one core over the run; targets: p99 < 50 ms, RSS < 250 MB\n",
    );
    return row.received === row.expected ? 0 : 1;
  } finally {
    for (const server of servers) await server.stop();
  }
}

process.exit(await main());
