/**
 * Issue 3's metadata-at-scale benchmark: 100,000 files in one account (100 folders ×
 * 1,000 files, names like report-1234.pdf), seeded through FileService.commitObject —
 * the same transaction a real upload commits, with a stand-in stored object (no bytes
 * on disk) — then p50/p99 of a list page, a search, stats and log?since_tx, measured
 * in process through app.handle (no sockets) and over HTTP against src/main.ts started
 * on the same data dir (one sequential client). Baselines: a primary-key SELECT on the
 * same database (bun:sqlite, no HTTP) and GET /api/v1/public/ping (the HTTP floor).
 *
 *   bun run bench/run.ts files-metadata [--folders 100] [--per-folder 1000] [--iterations 300]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { newId } from "../src/lib/ids";
import { memoryLogger } from "../src/lib/logger";
import { buildServices } from "../src/services";
import type { SqliteMetadata } from "../src/storage/db/sqlite/metadata";
import { authHeader, benchConfig, benchTmp, numericFlags, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, type Summary, summarize, table } from "./lib/stats";

const flags = numericFlags({ folders: 100, "per-folder": 1000, iterations: 300, warmup: 30 });
const KINDS = [
  ["report", "pdf", "application/pdf"],
  ["invoice", "pdf", "application/pdf"],
  ["photo", "jpg", "image/jpeg"],
  ["notes", "txt", "text/plain"],
  ["draft", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["budget", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
] as const;

/** The i-th file of a folder: kinds rotate, numbers are a permutation of 0…10006 so names never repeat. */
function fileOf(i: number): { name: string; contentType: string } {
  const [kind, ext, contentType] = KINDS[i % KINDS.length] as (typeof KINDS)[number];
  return { name: `${kind}-${(i * 7919) % 10007}.${ext}`, contentType };
}

interface Operation {
  name: string;
  target?: number;
  /** Relative URL for app.handle / HTTP; absent for the direct-SQL baseline. */
  url?: string;
  check?: (body: unknown) => void;
}

async function timeIt(iterations: number, warmup: number, fn: () => unknown | Promise<unknown>): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`unexpected response: ${what}`);
}

async function main(): Promise<number> {
  const tmp = benchTmp("metadata");
  const dataDir = join(tmp, "data");
  let server: RunningServer | null = null;
  const config = new ConfigStore(parseConfig(benchConfig(dataDir), "bench config"), join(tmp, "config.json"));
  const ctx = buildServices({ config, dataDir, logger: memoryLogger() });
  try {
    const principal = ctx.verifier.masterPrincipal();
    const total = flags.folders * flags["per-folder"];
    process.stderr.write(`  seeding ${total.toLocaleString("en-US")} files through FileService.commitObject …\n`);
    const seedStart = performance.now();
    let lastTx = 0;
    for (let f = 0; f < flags.folders; f++) {
      for (let i = 0; i < flags["per-folder"]; i++) {
        const { name, contentType } = fileOf(i);
        const size = 1000 + ((i * 104729) % 5_000_000);
        const result = await ctx.files.commitObject(principal, `folder-${f}/${name}`, {
          objectKey: newId(),
          size,
          etag: Bun.hash(name + f)
            .toString(16)
            .padStart(16, "0"),
          contentType,
        });
        lastTx = result.tx;
      }
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const dbBytes = Bun.file(join(dataDir, "lightd.db")).size + Bun.file(join(dataDir, "lightd.db-wal")).size;

    const sinceTx = Math.max(0, lastTx - 50);
    const folder = `folder-${Math.min(42, flags.folders - 1)}/`;
    const ops: Operation[] = [
      {
        name: `list GET /files?prefix=${folder}&limit=200`,
        url: `/files?prefix=${folder}&limit=200`,
        target: 5,
        check: (b) =>
          expect((b as { entries: unknown[] }).entries.length === Math.min(200, flags["per-folder"]), "list size"),
      },
      {
        name: "search GET /files/search?q=report 12",
        url: `/files/search?q=${encodeURIComponent("report 12")}`,
        target: 25,
        check: (b) => expect((b as { results: unknown[] }).results.length > 0, "no search results"),
      },
      {
        name: "stats GET /files/stats",
        url: "/files/stats",
        target: 5,
        check: (b) => expect((b as { files: number }).files === total, "stats file count"),
      },
      {
        name: `log GET /files/log?since_tx=${sinceTx}&limit=50`,
        url: `/files/log?since_tx=${sinceTx}&limit=50`,
        target: 5,
        check: (b) => expect((b as { events: unknown[] }).events.length === 50, "log length"),
      },
      { name: "baseline: GET /api/v1/public/ping (HTTP floor)", url: "/api/v1/public/ping" },
      { name: "baseline: SELECT * FROM files WHERE id = ? (bun:sqlite)" },
    ];

    const app = createApp(ctx);
    const inProcess = new Map<string, Summary>();
    const lookup = (ctx.metadata as SqliteMetadata).connection.query("SELECT * FROM files WHERE id = ?1");
    for (const op of ops) {
      process.stderr.write(`  app.handle: ${op.name} …\n`);
      if (!op.url) {
        let id = 0;
        inProcess.set(op.name, await timeIt(flags.iterations, flags.warmup, () => lookup.get((id++ % total) + 1)));
        continue;
      }
      const send = async () => {
        const res = await app.handle(new Request(`http://127.0.0.1${op.url}`, { headers: authHeader }));
        const body = await res.json();
        expect(res.status === 200, `${op.url} → ${res.status} ${JSON.stringify(body)}`);
        return body;
      };
      op.check?.(await send());
      inProcess.set(op.name, await timeIt(flags.iterations, flags.warmup, send));
    }
    await ctx.close();

    // The same data dir served by the real server: adds Bun.serve, the request log and loopback TCP.
    server = await startLightd(tmp, dataDir);
    const base = `http://127.0.0.1:${server.port}`;
    const overHttp = new Map<string, Summary>();
    for (const op of ops) {
      if (!op.url) continue;
      process.stderr.write(`  HTTP: ${op.name} …\n`);
      overHttp.set(
        op.name,
        await timeIt(flags.iterations, flags.warmup, async () => {
          const res = await fetch(`${base}${op.url}`, { headers: authHeader });
          await res.arrayBuffer();
          expect(res.status === 200, `${op.url} → ${res.status}`);
        }),
      );
    }
    const rss = server.peakRssMiB();

    const verdict = (op: Operation) => {
      const s = inProcess.get(op.name) as Summary;
      if (op.target === undefined) return "";
      return `< ${op.target} ms: ${s.p50 < op.target ? "met" : "MISSED"}`;
    };
    const ms = (s: Summary | undefined) => (s ? [s.p50.toFixed(3), s.p99.toFixed(3)] : ["–", "–"]);
    process.stdout.write(
      [
        "",
        `files metadata — ${total.toLocaleString("en-US")} files in one account (${flags.folders} folders × ${flags["per-folder"]}), ${flags.iterations} timed iterations after ${flags.warmup} warmup, one request at a time; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        `seeding: ${fmt(seedSeconds, 1)} s through FileService.commitObject (${fmt(total / seedSeconds, 0)} commits/s, one transaction each); database + WAL ${fmt(dbBytes / 1e6)} MB`,
        "app.handle = in process, no sockets; HTTP = src/main.ts on the same data dir, one fetch client, request log on",
        "",
        table(
          [
            "operation",
            "app.handle p50 ms",
            "app.handle p99 ms",
            "HTTP p50 ms",
            "HTTP p99 ms",
            "target p50 (app.handle)",
          ],
          ops.map((op) => [op.name, ...ms(inProcess.get(op.name)), ...ms(overHttp.get(op.name)), verdict(op)]),
        ),
        "",
        `lightd peak RSS (VmHWM) serving the HTTP rows: ${fmt(rss ?? Number.NaN)} MiB`,
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    try {
      await ctx.close();
    } catch {
      // already closed
    }
    await server?.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
