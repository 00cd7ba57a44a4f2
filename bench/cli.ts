/**
 * The lightd client against the tools people would otherwise use, on this machine:
 *   1. `lightd put` / `lightd get` of one large file (1 GiB) against `curl -T` / `curl -L -o`
 *      of the same bytes to the same lightd (target ≥ 95 %). Runs alternate; medians reported.
 *   2. `lightd put -r` of 10,000 small files into lightd against `rclone copy` of the same
 *      folder to a private nginx WebDAV server (Debian nginx + dav-ext, installed here if missing).
 *
 *   bun run bench/run.ts cli [--size-mib 1024] [--runs 3] [--small-files 10000]
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BENCH_MASTER, benchTmp, numericFlags, ROOT, run, startLightd } from "./lib/lightd";
import { fmt, median, pct, table } from "./lib/stats";
import { ensureBaselinePackages, startWebdavNginx } from "./lib/webdav-nginx";

const flags = numericFlags({ "size-mib": 1024, runs: 3, "small-files": 10_000 });
const SIZE = flags["size-mib"] * 1024 * 1024;
const TARGET = 0.95;
const say = (text: string) => process.stderr.write(`  ${text}\n`);
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const dir = benchTmp("cli");
await run(["npm", "run", "build"], { cwd: ROOT });
const binary = join(ROOT, "dist/lightd");
const server = await startLightd(dir);
const url = `http://127.0.0.1:${server.port}`;
const clientEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dir,
  XDG_CONFIG_HOME: join(dir, "xdg"),
  LIGHTD_URL: url,
  LIGHTD_TOKEN: BENCH_MASTER,
};

async function client(args: string[], cwd = dir): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn([binary, ...args], { cwd, env: clientEnv, stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`lightd ${args.join(" ")} exited ${code}: ${err}`);
  return performance.now() - start;
}

try {
  // 1. One big file.
  const big = join(dir, "big.bin");
  const fd = openSync(big, "w");
  const hash = createHash("sha256");
  for (let written = 0; written < SIZE; ) {
    const chunk = randomBytes(Math.min(16 * 1024 * 1024, SIZE - written));
    writeSync(fd, chunk);
    hash.update(chunk);
    written += chunk.length;
  }
  closeSync(fd);
  say(`${flags["size-mib"]} MiB file written; ${flags.runs} runs each, alternating`);
  const auth = `Authorization: Bearer ${BENCH_MASTER}`;
  const times = { curlPut: [] as number[], put: [] as number[], curlGet: [] as number[], get: [] as number[] };
  for (let i = 0; i < flags.runs; i++) {
    times.curlPut.push(
      (await run(["curl", "-sSf", "-o", "/dev/null", "-T", big, "-H", auth, `${url}/files/curl-${i}.bin`])).ms,
    );
    times.put.push(await client(["put", big, `cli-${i}.bin`]));
    const out = join(dir, "down.bin");
    times.curlGet.push((await run(["curl", "-sSfL", "-o", out, "-H", auth, `${url}/files/curl-${i}.bin`])).ms);
    rmSync(out, { force: true });
    times.get.push(await client(["get", `cli-${i}.bin`, out]));
    rmSync(out, { force: true });
    say(
      `run ${i + 1}: put ${fmt(mbps(SIZE, times.put[i]!))} vs curl -T ${fmt(mbps(SIZE, times.curlPut[i]!))} MB/s; get ${fmt(mbps(SIZE, times.get[i]!))} vs curl -o ${fmt(mbps(SIZE, times.curlGet[i]!))} MB/s`,
    );
  }
  const row = (name: string, mine: number[], base: number[], baseName: string) => {
    const ratio = median(base) / median(mine);
    return [
      name,
      fmt(mbps(SIZE, median(mine))),
      baseName,
      fmt(mbps(SIZE, median(base))),
      pct(ratio),
      ratio >= TARGET ? "yes" : "NO",
    ];
  };
  process.stdout.write(
    `\n### lightd client: one ${flags["size-mib"]} MiB file (median of ${flags.runs}, local disk backend)\n\n`,
  );
  process.stdout.write(
    `${table(
      ["client", "MB/s", "baseline", "baseline MB/s", "client / baseline", `≥ ${pct(TARGET)}`],
      [
        row("lightd put", times.put, times.curlPut, "curl -T"),
        row("lightd get", times.get, times.curlGet, "curl -L -o"),
      ],
    )}\n`,
  );
  rmSync(big, { force: true });

  // 2. Many small files.
  const n = flags["small-files"];
  const small = join(dir, "small");
  for (let i = 0; i < n; i++) {
    const sub = join(small, `d${i % 100}`);
    if (i < 100) mkdirSync(sub, { recursive: true });
    Bun.write(join(sub, `f${i}.txt`), randomBytes(512 + (i % 3584)));
  }
  say(`${n} small files written (0.5–4 KiB, 100 folders)`);
  const lightdMs = await client(["put", "-r", "small", "tree/"]);
  const why = await ensureBaselinePackages();
  let rcloneMs: number | null = null;
  if (why === null) {
    const davRoot = join(dir, "dav-root");
    const nginx = await startWebdavNginx(dir, davRoot);
    try {
      const rclone = await run(
        [
          "rclone",
          "copy",
          small,
          ":webdav:tree/small",
          `--webdav-url=http://127.0.0.1:${nginx.port}/`,
          "--transfers",
          "8",
          "--config",
          "/dev/null",
        ],
        { cwd: dir },
      );
      rcloneMs = rclone.ms;
    } finally {
      await nginx.stop();
    }
  } else {
    say(`WebDAV baseline skipped: ${why}`);
  }
  process.stdout.write(`\n### ${n} small files, 8 at a time\n\n`);
  const rows = [["lightd put -r → lightd", fmt(lightdMs / 1000, 2), fmt(n / (lightdMs / 1000), 0)]];
  rows.push([
    "rclone copy → nginx WebDAV",
    rcloneMs === null ? "–" : fmt(rcloneMs / 1000, 2),
    rcloneMs === null ? `– (${why})` : fmt(n / (rcloneMs / 1000), 0),
  ]);
  process.stdout.write(`${table(["client → server", "seconds", "files/s"], rows)}\n`);
  if (rcloneMs !== null) process.stdout.write(`\nlightd / rclone speed: ${pct(rcloneMs / lightdMs)}\n`);
  process.stdout.write(
    `(sha256 of the big file ${hash.digest("hex").slice(0, 12)}…; every lightd transfer checks its ETag)\n`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
