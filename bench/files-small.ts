/**
 * Issue 3's small-files benchmark: 4 KiB one-step uploads (PUT /files/<path>) and
 * downloads (GET /files/<path> → 302 → /blobs/<key>, followed; and the one-request
 * `?redirect=false` download) with N concurrent clients
 * for a fixed duration, against lightd as a real server (src/main.ts on port 0).
 * Baseline: a bare Bun.serve (bench/lib/small-file-server.ts) that writes each PUT body
 * to a temp file, fsyncs and renames it, fsyncs the directory, and serves GETs with Bun.file — the same
 * client, concurrency and duration. PUTs are compared side by side: the baseline's and
 * lightd's (and each peer's) alternate in slices of `--slice` seconds, so both meet the same
 * disk. After many deletes ext4 steps over recently deleted inodes on every create, and a
 * create's CPU cost swung eightfold within half a minute on the machine this was measured
 * on; runs taken one after the other compared those swings, not the servers. Reports
 * files/s, p50/p99 per file and the server's CPU per file (utime + stime from /proc: the client shares the machine, so this is the figure a
 * server change moves even when files/s is held back by the client). Beside it, the floor
 * of the one-request download: a bare Bun.serve doing only the work that download cannot skip
 * (bench/lib/download-floor-server.ts), so lightd's own overhead is told from the runtime's.
 * The same load then runs against nginx's WebDAV module and Ceph RGW (presigned S3 URLs),
 * each started by the benchmark (bench/lib/small-file-peers.ts); `--no-peers` leaves them out.
 *
 *   bun run bench/run.ts files-small [--seconds 10] [--warmup 2] [--slice 1] [--clients 32] [--no-peers]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { authHeader, BENCH_MASTER, benchTmp, numericFlags, startLightd } from "./lib/lightd";
import { cpuSeconds, type RunningServer, startServer } from "./lib/server";
import { cephRgw, nginxWebdav, type Peer } from "./lib/small-file-peers";
import { fmt, pct, type Summary, summarize, table } from "./lib/stats";

const flags = numericFlags({ seconds: 10, warmup: 2, slice: 1, clients: 32 });
const withPeers = !Bun.argv.includes("--no-peers");
const FILE_SIZE = 4096;
/** GETs read at random among the first this many files each client wrote. */
const GET_SET = 50;
const body = crypto.getRandomValues(new Uint8Array(FILE_SIZE));

interface LoadResult extends Summary {
  filesPerSecond: number;
  /** The server's CPU time per file, in µs (user + system, all its threads); undefined without its pid. */
  serverCpuUs?: number;
  errors: number;
  firstError?: string;
}

/** One timed stretch of load: each op's latency in ms, the seconds it took, the server's CPU seconds. */
interface Stretch {
  latencies: number[];
  elapsed: number;
  cpu?: number;
  errors: number;
  firstError?: string;
}

/**
 * `clients` concurrent loops, each issuing `op(client, n)` back to back until the time is
 * up; latency per op in ms. Fetch keeps one connection per client alive.
 */
async function stretch(
  seconds: number,
  op: (client: number, n: number) => Promise<void>,
  pid?: number,
): Promise<Stretch> {
  const latencies: number[] = [];
  const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
  let errors = 0;
  let firstError: string | undefined;
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
          firstError ??= String(error);
          if (errors > 1000) throw new Error(`too many errors; first: ${firstError}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { latencies, elapsed, cpu: pid === undefined ? undefined : cpuSeconds(pid) - cpuBefore, errors, firstError };
}

/** The figures of one or more stretches of the same load taken together. */
function resultOf(stretches: readonly Stretch[]): LoadResult {
  const latencies = stretches.flatMap((s) => s.latencies);
  const elapsed = stretches.reduce((sum, s) => sum + s.elapsed, 0);
  const cpu = stretches.every((s) => s.cpu !== undefined)
    ? stretches.reduce((sum, s) => sum + (s.cpu as number), 0)
    : undefined;
  return {
    ...summarize(latencies),
    filesPerSecond: latencies.length / elapsed,
    serverCpuUs: cpu === undefined ? undefined : (cpu * 1e6) / Math.max(1, latencies.length),
    errors: stretches.reduce((sum, s) => sum + s.errors, 0),
    firstError: stretches.find((s) => s.firstError)?.firstError,
  };
}

async function load(seconds: number, op: (client: number, n: number) => Promise<void>, pid?: number) {
  return resultOf([await stretch(seconds, op, pid)]);
}

async function expectStatus(res: Response, status: number, what: string): Promise<ArrayBuffer> {
  const bytes = await res.arrayBuffer();
  if (res.status !== status)
    throw new Error(`${what} → ${res.status} ${new TextDecoder().decode(bytes).slice(0, 200)}`);
  return bytes;
}

interface Target {
  name: string;
  /** The server's process, for its CPU per file. */
  pid?: number;
  put: (client: number, n: number) => Promise<void>;
  get: (client: number, n: number) => Promise<void>;
}

/**
 * Writes the servers before left unsynced reach the disk first (the floor never fsyncs): a
 * server that syncs the whole filesystem, as lightd's group commit does, would otherwise pay
 * for them inside its own timed PUTs.
 */
function settleDisk(): void {
  Bun.spawnSync(["sync"]);
}

/**
 * The targets' PUTs side by side: a warmup each, then slices of `--slice` seconds in turn
 * until each had `--seconds`. Each target names its files from its own count per client, so
 * no slice overwrites another's files.
 */
async function putsSideBySide(targets: readonly Target[]): Promise<LoadResult[]> {
  settleDisk();
  const ops = targets.map((target) => {
    const next = nextFile.get(target.name) ?? Array(flags.clients).fill(0);
    nextFile.set(target.name, next);
    return (client: number) => target.put(client, next[client]++);
  });
  process.stderr.write(`  PUT ${targets.map((t) => t.name).join(" and ")}: ${flags.warmup}s warmup each …\n`);
  for (const op of ops) await stretch(flags.warmup, op);
  const slices = Math.max(1, Math.round(flags.seconds / flags.slice));
  process.stderr.write(
    `  PUT ${targets.map((t) => t.name).join(" and ")}: ${slices} slices of ${flags.slice}s each, in turn …\n`,
  );
  const stretches: Stretch[][] = targets.map(() => []);
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, target] of targets.entries()) {
      stretches[i]?.push(await stretch(flags.slice, ops[i] as (client: number) => Promise<void>, target.pid));
    }
  }
  return stretches.map(resultOf);
}

/** The next file number per client of each target's PUTs. */
const nextFile = new Map<string, number[]>();

/** A warmup, then the timed GETs (random files among those the target's PUTs wrote). */
async function gets(target: Target): Promise<LoadResult> {
  process.stderr.write(`  ${target.name}: GET ${flags.warmup}s warmup + ${flags.seconds}s …\n`);
  await load(flags.warmup, target.get);
  return load(flags.seconds, target.get, target.pid);
}

async function main(): Promise<number> {
  const tmp = benchTmp("small");
  const servers: RunningServer[] = [];
  try {
    // Files per client written so far, so GETs only ask for files that exist. GETs read among
    // each client's first GET_SET files: every server serves the same number of files, however
    // many its PUT phase wrote.
    const written = new Map<string, number[]>();
    const track = (name: string, client: number, n: number) => {
      const counts = written.get(name) ?? Array(flags.clients).fill(0);
      counts[client] = Math.max(counts[client] as number, n + 1);
      written.set(name, counts);
    };
    const pick = (name: string, client: number) =>
      Math.floor(Math.random() * Math.min(GET_SET, (written.get(name) ?? [])[client] || 1));
    const getBytes = async (response: Promise<Response>, followed = false) => {
      const res = await response;
      const bytes = await expectStatus(res, 200, "GET");
      if (bytes.byteLength !== FILE_SIZE || res.redirected !== followed)
        throw new Error(`GET: ${bytes.byteLength} bytes`);
    };

    const baseline = await startServer(
      "small-file-server",
      [process.execPath, "run", join(import.meta.dir, "lib/small-file-server.ts"), join(tmp, "baseline")],
      join(tmp, "baseline.log"),
    );
    servers.push(baseline);
    const bUrl = `http://127.0.0.1:${baseline.port}`;
    const bare: Target = {
      name: "baseline",
      pid: baseline.pid,
      async put(client, n) {
        await expectStatus(await fetch(`${bUrl}/c${client}/f${n}.bin`, { method: "PUT", body }), 200, "PUT");
        track("baseline", client, n);
      },
      get: (client) => getBytes(fetch(`${bUrl}/c${client}/f${pick("baseline", client)}.bin`)),
    };

    const lightd = await startLightd(join(tmp));
    servers.push(lightd);
    const lUrl = `http://127.0.0.1:${lightd.port}/files/small`;
    const light: Target = {
      name: "lightd",
      pid: lightd.pid,
      async put(client, n) {
        const res = await fetch(`${lUrl}/c${client}/f${n}.bin`, { method: "PUT", body, headers: authHeader });
        await expectStatus(res, 200, "PUT");
        track("lightd", client, n);
      },
      get: (client) =>
        getBytes(fetch(`${lUrl}/c${client}/f${pick("lightd", client)}.bin`, { headers: authHeader }), true),
    };

    const [barePut, lightPut] = (await putsSideBySide([bare, light])) as [LoadResult, LoadResult];
    const bareGet = await gets(bare);

    const floorServer = await startServer(
      "download-floor-server",
      [
        process.execPath,
        "run",
        join(import.meta.dir, "lib/download-floor-server.ts"),
        join(tmp, "floor"),
        BENCH_MASTER,
      ],
      join(tmp, "floor.log"),
    );
    servers.push(floorServer);
    const fUrl = `http://127.0.0.1:${floorServer.port}`;
    // The floor's PUTs only give it the files to read.
    process.stderr.write("  floor: PUT (fills the store, not measured)\n");
    await Promise.all(
      Array.from({ length: flags.clients }, async (_, client) => {
        for (let n = 0; n < GET_SET; n++) {
          const res = await fetch(`${fUrl}/c${client}/f${n}.bin`, { method: "PUT", body, headers: authHeader });
          await expectStatus(res, 200, "PUT");
          track("floor", client, n);
        }
      }),
    );
    const floorGet = await gets({
      name: "floor",
      pid: floorServer.pid,
      put: () => Promise.reject(new Error("filled above")),
      get: (client) => getBytes(fetch(`${fUrl}/c${client}/f${pick("floor", client)}.bin`, { headers: authHeader })),
    });
    await floorServer.stop();

    const lightGet = await gets(light);
    process.stderr.write(`  lightd: GET without following the 302 ${flags.seconds}s …\n`);
    const redirectOnly = await load(
      flags.seconds,
      async (client) => {
        const res = await fetch(`${lUrl}/c${client}/f${pick("lightd", client)}.bin`, {
          headers: authHeader,
          redirect: "manual",
        });
        await expectStatus(res, 302, "GET");
      },
      lightd.pid,
    );
    process.stderr.write(`  lightd: GET ?redirect=false (one request) ${flags.seconds}s …\n`);
    const direct = await load(
      flags.seconds,
      (client) =>
        getBytes(
          fetch(`${lUrl}/c${client}/f${pick("lightd", client)}.bin?redirect=false`, {
            headers: authHeader,
            redirect: "manual",
          }),
        ),
      lightd.pid,
    );
    const row = (op: string, who: string, r: LoadResult, base?: LoadResult) => [
      op,
      who,
      fmt(r.filesPerSecond, 0),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      base ? pct(r.filesPerSecond / base.filesPerSecond) : "",
      r.serverCpuUs === undefined ? "" : fmt(r.serverCpuUs, 0),
      String(r.errors),
    ];
    const rss = lightd.peakRssMiB();
    await lightd.stop();
    const all = [barePut, lightPut, bareGet, floorGet, lightGet, redirectOnly, direct];

    // The same workload against the other servers, one at a time, each PUT beside the baseline's again.
    const peerRows: string[][] = [];
    const notes: string[] = [];
    const peers: (() => Promise<Peer>)[] = withPeers ? [() => nginxWebdav(join(tmp, "nginx")), cephRgw] : [];
    for (const start of peers) {
      const peer = await start();
      if (!peer.target) {
        notes.push(`skipped: ${peer.skipped}`);
        continue;
      }
      const target = peer.target;
      try {
        const other: Target = {
          name: target.name,
          async put(client, n) {
            // nginx answers 201 (204 over an existing file), RGW 200.
            const res = await target.put(client, n, body);
            const text = await res.text();
            if (!res.ok) throw new Error(`PUT → ${res.status} ${text.slice(0, 200)}`);
            track(target.name, client, n);
          },
          async get(client) {
            const bytes = await expectStatus(await target.get(client, pick(target.name, client)), 200, "GET");
            if (bytes.byteLength !== FILE_SIZE) throw new Error(`GET: ${bytes.byteLength} bytes`);
          },
        };
        const [bareBeside, otherPut] = (await putsSideBySide([bare, other])) as [LoadResult, LoadResult];
        const otherGet = await gets(other);
        peerRows.push(
          row("PUT 4 KiB", `baseline, beside ${target.name}`, bareBeside),
          row("PUT 4 KiB", target.name, otherPut, bareBeside),
          row("GET 4 KiB", target.name, otherGet, bareGet),
        );
        all.push(bareBeside, otherPut, otherGet);
        notes.push(target.note);
      } finally {
        await target.stop().catch(() => {});
      }
    }
    await baseline.stop();

    process.stdout.write(
      [
        "",
        `small files — ${FILE_SIZE} B bodies, ${flags.clients} concurrent clients (one Bun fetch loop each, keep-alive, in the benchmark process), ${flags.warmup}s warmup + ${flags.seconds}s per row; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "baseline = bare Bun.serve: PUT → write temp file + fsync + rename + fsync dir; GET → Bun.file (one request, no auth, no metadata)",
        `PUT rows beside each other: the baseline's and the other server's PUTs alternate in ${flags.slice}s slices, ${flags.seconds}s each in all`,
        "floor = bare Bun.serve doing only what the one-request download cannot skip: token check, the file's row from a WAL database (a read transaction per event-loop turn), the file's bytes (rows, descriptors and bytes kept until they change, as lightd keeps them), lightd's headers, X-Request-Id, a log line",
        "lightd = src/main.ts on 127.0.0.1, master token, rate limits off, request log on (default); GET follows the 302 to /blobs (two requests per file)",
        `GETs read at random among the first ${GET_SET} files each client wrote (${fmt(GET_SET * flags.clients, 0)} files)`,
        "",
        table(
          ["operation", "server", "files/s", "p50 ms", "p99 ms", "/ baseline", "server CPU µs/file", "errors"],
          [
            row("PUT 4 KiB", "baseline, beside lightd", barePut),
            row("PUT 4 KiB", "lightd PUT /files/<path>", lightPut, barePut),
            row("GET 4 KiB", "baseline", bareGet),
            row("GET 4 KiB", "floor of the one-request download", floorGet, bareGet),
            row("GET 4 KiB", "lightd GET /files → 302 → /blobs", lightGet, bareGet),
            row("GET (302 only)", "lightd GET /files, redirect not followed", redirectOnly),
            row("GET 4 KiB", "lightd GET /files?redirect=false (one request)", direct, bareGet),
            ...peerRows,
          ],
          "llrrrrrr",
        ),
        "",
        `lightd PUT: ${pct(lightPut.filesPerSecond / barePut.filesPerSecond)} of the baseline's files/s beside it; p99 ${lightPut.p99.toFixed(1)} ms`,
        `one-request download: ${pct(direct.filesPerSecond / floorGet.filesPerSecond)} of its floor (${fmt(direct.filesPerSecond, 0)} beside ${fmt(floorGet.filesPerSecond, 0)} files/s; server CPU ${fmt(direct.serverCpuUs ?? Number.NaN, 0)} beside ${fmt(floorGet.serverCpuUs ?? Number.NaN, 0)} µs per file)`,
        ...notes,
        `lightd peak RSS (VmHWM): ${fmt(rss ?? Number.NaN)} MiB`,
        ...all.filter((r) => r.firstError).map((r) => `first error: ${r.firstError}`),
        "",
      ].join("\n"),
    );
    return all.every((r) => r.errors === 0) ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
