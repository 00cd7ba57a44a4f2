/**
 * What keeping versions costs on small writes: the 4 KiB one-step PUT rate of lightd with
 * versioning on (the default: every overwrite keeps the previous version) against the same
 * lightd with versioning off (`versions.keep_count: 0`), in the same run, same clients.
 * Two workloads: new files (no version is ended) and overwrites of a fixed set of paths
 * (every PUT ends one version). The two servers are measured in alternating rounds so a
 * busy machine slows both alike; each figure is the median of its rounds.
 *
 *   bun run bench/run.ts versions [--seconds 5] [--rounds 3] [--clients 16] [--paths 200]
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { authHeader, benchTmp, numericFlags, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";

const flags = numericFlags({ seconds: 5, rounds: 3, clients: 16, paths: 200 });
const FILE_SIZE = 4096;
const body = crypto.getRandomValues(new Uint8Array(FILE_SIZE));

/** PUTs per second over `seconds`, `clients` loops back to back; throws on any non-200. */
async function putRate(url: string, seconds: number, pathOf: (client: number, n: number) => string): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: flags.clients }, async (_, client) => {
      for (let n = 0; performance.now() < end; n++) {
        const res = await fetch(`${url}/files/${pathOf(client, n)}`, { method: "PUT", body, headers: authHeader });
        if (res.status !== 200) throw new Error(`PUT → ${res.status} ${(await res.text()).slice(0, 200)}`);
        await res.arrayBuffer();
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

interface Workload {
  name: string;
  pathOf: (round: number) => (client: number, n: number) => string;
}

const workloads: Workload[] = [
  { name: "new files", pathOf: (round) => (client, n) => `new/r${round}/c${client}/f${n}.bin` },
  // Every client cycles over its own fixed paths: after the first lap each PUT is an overwrite.
  {
    name: "overwrites",
    pathOf: () => (client, n) => `over/c${client}/f${n % Math.max(1, Math.floor(flags.paths / flags.clients))}.bin`,
  },
];

async function main(): Promise<number> {
  const tmp = benchTmp("versions");
  const servers: RunningServer[] = [];
  try {
    for (const which of ["on", "off"]) mkdirSync(join(tmp, which), { recursive: true });
    const on = await startLightd(join(tmp, "on"), join(tmp, "on", "data"));
    servers.push(on);
    const off = await startLightd(join(tmp, "off"), join(tmp, "off", "data"), { versions: { keep_count: 0 } });
    servers.push(off);
    const urls = { on: `http://127.0.0.1:${on.port}`, off: `http://127.0.0.1:${off.port}` };
    const rates: Record<string, { on: number[]; off: number[] }> = {};
    for (const w of workloads) {
      rates[w.name] = { on: [], off: [] };
      // Warm both (and lay down the overwrite paths once).
      for (const which of ["off", "on"] as const) await putRate(urls[which], 1, w.pathOf(-1));
      for (let round = 0; round < flags.rounds; round++) {
        const order = round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
        for (const which of order) {
          process.stderr.write(`  ${w.name}: round ${round + 1}/${flags.rounds}, versioning ${which} …\n`);
          rates[w.name]?.[which].push(await putRate(urls[which], flags.seconds, w.pathOf(round)));
        }
      }
    }
    const rows = workloads.map((w) => {
      const r = rates[w.name] as { on: number[]; off: number[] };
      const on = median(r.on);
      const off = median(r.off);
      return [
        `PUT 4 KiB, ${w.name}`,
        fmt(off, 0),
        fmt(on, 0),
        pct(on / off),
        pct(1 - on / off),
        // Each round measures both servers back to back: the median of those paired ratios
        // cancels most of what a busy machine does to one round.
        pct(1 - median(r.on.map((x, i) => x / (r.off[i] as number)))),
        `${r.off.map((x) => fmt(x, 0)).join(" / ")} vs ${r.on.map((x) => fmt(x, 0)).join(" / ")}`,
      ];
    });
    process.stdout.write(
      [
        "",
        `versioning overhead — ${FILE_SIZE} B one-step PUTs, ${flags.clients} concurrent clients, ${flags.rounds} alternating rounds of ${flags.seconds}s per server; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "baseline = lightd with versions.keep_count 0 (versioning off: an overwrite deletes the old bytes at once)",
        `measured = lightd with the default versions (30 days, 20 per path: an overwrite keeps the old version); overwrites cycle over ${flags.paths} paths`,
        "",
        table(
          [
            "workload",
            "off files/s (baseline)",
            "on files/s",
            "on / off",
            "overhead",
            "paired overhead",
            "rounds (off vs on)",
          ],
          rows,
          "lrrrrrl",
        ),
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
