/**
 * Issue 3's throughput benchmark: one large file (1 GiB of random bytes by default)
 * uploaded through lightd with `curl -T` against `dd … conv=fdatasync` on the same disk,
 * and downloaded through lightd (`curl -L`: GET /files/<path> → 302 → /blobs/<key>)
 * against a private nginx instance serving the same bytes. Runs alternate between lightd
 * and the baseline; the median of each is reported, with lightd's peak RSS (VmHWM).
 * The upload runs also time the floor Bun itself allows (bench/lib/upload-floor-server.ts:
 * a bare Bun.serve streaming the body to a file + fdatasync, without and with SHA-256), so
 * lightd's distance from it is visible beside dd, with each server's CPU seconds per upload;
 * and the receiving thread's ceiling: a bare Bun.serve that only takes in and hashes the body,
 * writing nothing. lightd hashes on the thread that receives, so no disk lets it go faster.
 * curl runs on the same machine: the CPU seconds it and lightd spend per upload, spread over
 * every CPU, bound how fast the upload can go here, whatever the disk; printed beside dd.
 * The downloaded bytes' sha256 is checked once against the source.
 *
 *   bun run bench/run.ts files-throughput [--size-mib 1024] [--runs 3]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authHeader, benchTmp, numericFlags, run, startLightd } from "./lib/lightd";
import { cpuSeconds, type RunningServer, startServer } from "./lib/server";
import { fmt, median, pct, table } from "./lib/stats";

const flags = numericFlags({ "size-mib": 1024, runs: 3 });
const SIZE = flags["size-mib"] * 1024 * 1024;
const RUNS = flags.runs;
const TARGET_RATIO = 0.8;
const TARGET_RSS_MB = 150;

const say = (text: string) => process.stderr.write(`  ${text}\n`);
const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

/** curl's `-w` figures: status, seconds, bytes; and the CPU seconds curl itself spent. */
async function curl(args: string[]): Promise<{ status: number; seconds: number; bytes: number; cpu: number }> {
  const { out, cpu } = await run([
    "curl",
    "-sS",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{time_total} %{size_upload} %{size_download}",
    ...args,
  ]);
  const [status, seconds, up, down] = out.trim().split(" ").map(Number) as [number, number, number, number];
  return { status, seconds, bytes: Math.max(up, down), cpu };
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** A private nginx (one worker, sendfile on, no access log) serving `root` on 127.0.0.1. */
async function startNginx(dir: string, root: string): Promise<RunningServer> {
  const port = await freePort();
  const temp = join(dir, "nginx-temp");
  mkdirSync(temp, { recursive: true });
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  // nginx prints nothing when ready, so a wrapper announces the port once it answers.
  const wrapper = join(dir, "nginx-wrapper.ts");
  writeFileSync(
    wrapper,
    `const proc = Bun.spawn(["nginx", "-e", ${JSON.stringify(`${dir}/nginx-error.log`)}, "-c", ${JSON.stringify(conf)}], { stdout: "inherit", stderr: "inherit" });
const deadline = Date.now() + 10_000;
for (;;) {
  const ok = await fetch("http://127.0.0.1:${port}/").then(() => true, () => false);
  if (ok) break;
  if (proc.exitCode !== null || Date.now() > deadline) process.exit(1);
  await Bun.sleep(20);
}
console.log(JSON.stringify({ msg: "listening", port: ${port} }));
process.once("SIGTERM", async () => { proc.kill("SIGQUIT"); await proc.exited; process.exit(0); });
await proc.exited;
`,
  );
  return startServer("nginx", [process.execPath, "run", wrapper], join(dir, "nginx-wrapper.log"));
}

/** The upload floor server (bench/lib/upload-floor-server.ts): writing, writing and hashing, or only hashing. */
function startFloor(dir: string, mode: "write" | "hash" | "hash-only"): Promise<RunningServer> {
  const name = { write: "floor", hash: "floor-hash", "hash-only": "floor-hash-only" }[mode];
  const script = join(import.meta.dir, "lib/upload-floor-server.ts");
  const args = [process.execPath, "run", script, join(dir, name), ...(mode === "write" ? [] : [mode])];
  return startServer(name, args, join(dir, `${name}.log`));
}

/**
 * Clears the room for one timed upload: earlier runs' dirty pages are flushed first (they must
 * not be written back inside a timed run), then the contender's previous file is removed right
 * before its run. Removed last, its pages are the ones its run reuses, as dd's O_TRUNC reuses
 * its own. Removed long before (behind the other contenders' runs), they would have been handed
 * back to the host by this VM's balloon (free page reporting) and every page of the next write
 * faults in again: the writing threads' CPU nearly doubles.
 */
async function clearFor(remove: () => unknown): Promise<void> {
  await run(["sync"]);
  await remove();
}

/** One timed `curl -T` of `src` to `url`, with the CPU seconds the server `pid` and curl spent on it. */
async function timedPut(src: string, url: string, pid: number, headers: string[] = []) {
  const cpuBefore = cpuSeconds(pid);
  // `Expect:` off: curl would otherwise wait for a 100 Continue before sending.
  const put = await curl([...headers, "-H", "Expect:", "-T", src, url]);
  if (put.status !== 200 || put.bytes !== SIZE) throw new Error(`PUT ${url} → ${put.status}, ${put.bytes} bytes sent`);
  return { mbps: mbps(SIZE, put.seconds), cpu: cpuSeconds(pid) - cpuBefore, client: put.cpu };
}

/** Deletes a file through lightd (the last run's upload stays for the downloads). */
async function lightdDelete(url: string): Promise<void> {
  const res = await fetch(url, { method: "DELETE", headers: authHeader });
  if (res.status >= 300) throw new Error(`DELETE ${url} → ${res.status}`);
}

async function sha256OfDownload(url: string): Promise<string> {
  const res = await fetch(url, { headers: authHeader });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url} → ${res.status}`);
  const hash = new Bun.CryptoHasher("sha256");
  for await (const chunk of res.body) hash.update(chunk);
  return hash.digest("hex");
}

async function main(): Promise<number> {
  for (const tool of ["curl", "dd", "nginx", "sha256sum", "head"]) {
    if (Bun.which(tool) === null) {
      process.stderr.write(`bench/files-throughput: ${tool} not found on PATH (nginx: apt-get install nginx-light)\n`);
      return 1;
    }
  }
  const tmp = benchTmp("throughput");
  const servers: RunningServer[] = [];
  try {
    const www = join(tmp, "www");
    mkdirSync(www);
    const src = join(www, "src.bin");
    say(`generating ${flags["size-mib"]} MiB of random data …`);
    await run(["sh", "-c", `head -c ${SIZE} /dev/urandom > '${src}'`]);
    const sourceSha = (await run(["sha256sum", src])).out.split(" ")[0] as string;

    // Every contender writes into the same room: right before each timed upload its previous
    // file is removed (see clearFor; lightd's by DELETE with versioning off, so its bytes are
    // reclaimed at once). A page cache that grows by 1 GiB a run instead costs the writing
    // threads about 1.5 CPU seconds per GiB more on this VM than reusing freed pages.
    const lightd = await startLightd(tmp, join(tmp, "data"), { versions: { keep_days: 0, keep_count: 0 } });
    servers.push(lightd);
    const nginx = await startNginx(tmp, www);
    servers.push(nginx);
    const base = `http://127.0.0.1:${lightd.port}`;
    const fileUrl = `${base}/files/bench/big.bin`;
    const auth = `Authorization: Bearer ${authHeader.authorization.slice("Bearer ".length)}`;

    const floor = await startFloor(tmp, "write");
    servers.push(floor);
    const floorHash = await startFloor(tmp, "hash");
    servers.push(floorHash);
    const ceiling = await startFloor(tmp, "hash-only");
    servers.push(ceiling);

    const up = {
      lightd: [] as number[],
      dd: [] as number[],
      floor: [] as number[],
      floorHash: [] as number[],
      ceiling: [] as number[],
    };
    const cpu = { lightd: [] as number[], floor: [] as number[], floorHash: [] as number[], ceiling: [] as number[] };
    // The sender's CPU seconds: dd's own, and curl's for each upload through a server.
    const client = {
      dd: [] as number[],
      lightd: [] as number[],
      floor: [] as number[],
      floorHash: [] as number[],
      ceiling: [] as number[],
    };
    for (let i = 0; i < RUNS; i++) {
      const ddFile = join(tmp, "dd.bin");
      await clearFor(() => rmSync(ddFile, { force: true }));
      const dd = await run(["dd", `if=${src}`, `of=${ddFile}`, "bs=1M", "conv=fdatasync"]);
      up.dd.push(mbps(SIZE, dd.ms / 1000));
      client.dd.push(dd.cpu);
      await clearFor(() => rmSync(join(tmp, "floor", "upload.bin"), { force: true }));
      const bare = await timedPut(src, `http://127.0.0.1:${floor.port}/upload.bin`, floor.pid);
      up.floor.push(bare.mbps);
      cpu.floor.push(bare.cpu);
      client.floor.push(bare.client);
      await clearFor(() => rmSync(join(tmp, "floor-hash", "upload.bin"), { force: true }));
      const hashed = await timedPut(src, `http://127.0.0.1:${floorHash.port}/upload.bin`, floorHash.pid);
      up.floorHash.push(hashed.mbps);
      cpu.floorHash.push(hashed.cpu);
      client.floorHash.push(hashed.client);
      const taken = await timedPut(src, `http://127.0.0.1:${ceiling.port}/upload.bin`, ceiling.pid);
      up.ceiling.push(taken.mbps);
      cpu.ceiling.push(taken.cpu);
      client.ceiling.push(taken.client);
      await clearFor(() => i > 0 && lightdDelete(fileUrl));
      const put = await timedPut(src, fileUrl, lightd.pid, ["-H", auth]);
      up.lightd.push(put.mbps);
      cpu.lightd.push(put.cpu);
      client.lightd.push(put.client);
      say(
        `upload run ${i + 1}/${RUNS}: dd ${fmt(up.dd[i] as number)} MB/s, bare Bun.serve ${fmt(bare.mbps)}, + sha256 ${fmt(hashed.mbps)}, sha256 only ${fmt(taken.mbps)}, lightd ${fmt(put.mbps)} MB/s`,
      );
    }
    await Promise.all([floor.stop(), floorHash.stop(), ceiling.stop()]);
    rmSync(join(tmp, "floor"), { recursive: true, force: true });
    rmSync(join(tmp, "floor-hash"), { recursive: true, force: true });
    rmSync(join(tmp, "floor-hash-only"), { recursive: true, force: true });
    rmSync(join(tmp, "dd.bin"), { force: true });
    const rssAfterUpload = lightd.peakRssMiB();

    const down = { lightd: [] as number[], nginx: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const ng = await curl([`http://127.0.0.1:${nginx.port}/src.bin`]);
      if (ng.status !== 200 || ng.bytes !== SIZE) throw new Error(`nginx GET → ${ng.status}, ${ng.bytes} bytes`);
      down.nginx.push(mbps(SIZE, ng.seconds));
      const get = await curl(["-L", "-H", auth, fileUrl]);
      if (get.status !== 200 || get.bytes !== SIZE) throw new Error(`lightd GET → ${get.status}, ${get.bytes} bytes`);
      down.lightd.push(mbps(SIZE, get.seconds));
      say(
        `download run ${i + 1}/${RUNS}: nginx ${fmt(down.nginx[i] as number)} MB/s, lightd ${fmt(down.lightd[i] as number)} MB/s`,
      );
    }
    const downloadedSha = await sha256OfDownload(fileUrl);
    const rssPeak = lightd.peakRssMiB();

    const rows = [
      ["upload", "lightd PUT /files (curl -T)", "dd bs=1M conv=fdatasync", up.lightd, up.dd],
      ["download", "lightd GET /files → 302 → /blobs (curl -L)", "nginx 1 worker, sendfile", down.lightd, down.nginx],
    ] as const;
    const results = rows.map(([, , , l, b]) => median(l) / median(b));
    const rssMB = (rssPeak ?? Number.NaN) * 1.048576;
    const shaOk = downloadedSha === sourceSha;
    // Client and server share this machine's CPUs: the upload cannot be faster than the CPU
    // time both ends need per upload spread over every CPU. Where that bound is under the
    // target, only fewer CPU seconds per byte (lightd's or curl's) can meet it here.
    const cores = navigator.hardwareConcurrency;
    const cpuPerUpload = median(cpu.lightd) + median(client.lightd);
    const cpuBound = mbps(SIZE, cpuPerUpload / cores);
    process.stdout.write(
      [
        "",
        `files throughput — ${flags["size-mib"]} MiB random file, median of ${RUNS} alternating runs, MB = 10^6 bytes; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}; source in page cache, data dir on the same disk as the baseline`,
        "",
        table(
          [
            "direction",
            "lightd",
            "lightd MB/s",
            "baseline",
            "baseline MB/s",
            "lightd / baseline",
            `target ≥ ${pct(TARGET_RATIO)}`,
          ],
          rows.map(([dir, l, b, lv, bv], i) => [
            dir,
            l,
            fmt(median(lv)),
            b,
            fmt(median(bv)),
            pct(results[i] as number),
            (results[i] as number) >= TARGET_RATIO ? "met" : "MISSED",
          ]),
          "llrlrrr",
        ),
        "",
        "upload, the same runs: lightd beside the floor Bun allows (bare Bun.serve, body streamed to a file, fdatasync)",
        "",
        table(
          ["upload", "MB/s", "/ dd", "/ Bun.serve + sha256", "server CPU s per upload", "sender CPU s (dd, curl)"],
          [
            ["dd bs=1M conv=fdatasync", up.dd, null, client.dd],
            ["bare Bun.serve → file + fdatasync", up.floor, cpu.floor, client.floor],
            ["bare Bun.serve → file + SHA-256 + fdatasync", up.floorHash, cpu.floorHash, client.floorHash],
            ["bare Bun.serve → SHA-256 only, nothing written", up.ceiling, cpu.ceiling, client.ceiling],
            ["lightd PUT /files", up.lightd, cpu.lightd, client.lightd],
          ].map(([name, speeds, seconds, sender]) => [
            name as string,
            fmt(median(speeds as number[])),
            pct(median(speeds as number[]) / median(up.dd)),
            pct(median(speeds as number[]) / median(up.floorHash)),
            seconds ? fmt(median(seconds as number[]), 2) : "–",
            fmt(median(sender as number[]), 2),
          ]),
          "lrrrrr",
        ),
        "",
        `the receiving thread's ceiling (body taken in and hashed, nothing written): ${fmt(median(up.ceiling))} MB/s, ${pct(median(up.ceiling) / median(up.dd))} of dd; lightd reaches ${pct(median(up.lightd) / median(up.ceiling))} of it`,
        `the machine's CPU bound: curl and lightd together spend ${fmt(cpuPerUpload, 2)} CPU s per upload; even with all ${cores} CPUs busy the whole time they cannot go past ${fmt(cpuBound)} MB/s, ${pct(cpuBound / median(up.dd))} of dd (which spends ${fmt(median(client.dd), 2)} s alone)`,
        "",
        `all runs MB/s: upload bare Bun.serve [${up.floor.map((v) => fmt(v)).join(", ")}] + sha256 [${up.floorHash.map((v) => fmt(v)).join(", ")}] sha256 only [${up.ceiling.map((v) => fmt(v)).join(", ")}]`,
        `all runs MB/s: upload lightd [${up.lightd.map((v) => fmt(v)).join(", ")}] dd [${up.dd.map((v) => fmt(v)).join(", ")}]; download lightd [${down.lightd.map((v) => fmt(v)).join(", ")}] nginx [${down.nginx.map((v) => fmt(v)).join(", ")}]`,
        `lightd peak RSS (VmHWM): ${fmt(rssAfterUpload ?? Number.NaN)} MiB after the uploads, ${fmt(rssPeak ?? Number.NaN)} MiB (${fmt(rssMB)} MB) after everything — target < ${TARGET_RSS_MB} MB: ${rssMB < TARGET_RSS_MB ? "met" : "MISSED"}`,
        `sha256 of the bytes downloaded through lightd: ${shaOk ? "matches the source" : `MISMATCH (${downloadedSha} ≠ ${sourceSha})`}`,
        "",
      ].join("\n"),
    );
    return shaOk ? 0 : 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
