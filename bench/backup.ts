/**
 * Backup and restore throughput against `tar` of the same data dir, in the same run.
 * A lightd on local disk is filled with `--files` files of `--mib` MiB each; then, runs
 * alternating: `lightd backup --to` (while the server runs), `lightd restore --from` into a
 * fresh dir, `tar -cf` of the data dir, `tar -xf` of that tar into a fresh dir, and the
 * same backup and restore encrypted (`--passphrase-file`). Each output is deleted once
 * timed, so the disk needs about three times the data (the issue's size, 10 GB in 10,000
 * files: `--files 10000 --mib 1 --runs 1`, about 32 GB free). MB/s = data dir bytes / seconds
 * (MB = 10^6 bytes), each command timed from start to exit after a `sync`; medians are reported.
 *
 *   npm run build && bun run bench/run.ts backup [--files 1000] [--mib 1] [--runs 3]
 *   npm run build && bun run bench/run.ts backup --files 10000 --mib 1 --runs 1
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authHeader, benchTmp, numericFlags, ROOT, run, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ files: 1000, mib: 1, runs: 3 });
const say = (text: string) => process.stderr.write(`  ${text}\n`);
/** The compiled executable, as a person runs it (`npm run build` first). */
const BINARY = join(ROOT, "dist/lightd");
const lightdCli = (...args: string[]) => run([BINARY, ...args]);

async function fill(base: string): Promise<void> {
  const body = new Uint8Array(flags.mib * 1024 * 1024);
  for (let i = 0; i < flags.files; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, flags.files - i) }, async (_, j) => {
        crypto.getRandomValues(body.subarray(0, 65536)); // distinct bytes per file; the rest need not be random
        const res = await fetch(`${base}/files/d${(i + j) % 100}/f${i + j}.bin`, {
          method: "PUT",
          headers: authHeader,
          body: body.slice(),
        });
        if (res.status !== 200) throw new Error(`PUT → ${res.status} ${await res.text()}`);
      }),
    );
  }
}

async function main(): Promise<number> {
  const tmp = benchTmp("backup");
  let lightd: RunningServer | undefined;
  const timings: Record<string, number[]> = {};
  const time = async (name: string, fn: () => Promise<{ ms: number }>) => {
    // Start each step with no dirty pages left by the one before, so none pays for another's writes.
    await run(["sync"]);
    const { ms, out } = (await fn()) as { ms: number; out?: string };
    if (name.startsWith("backup") || name.startsWith("restore")) say(`${name}: ${out?.trim().split("\n")[0]}`);
    timings[name] = [...(timings[name] ?? []), ms];
    return ms;
  };
  try {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run npm run build first`);
    lightd = await startLightd(tmp);
    const config = join(tmp, "config.json");
    const data = join(tmp, "data");
    say(`filling ${flags.files} files of ${flags.mib} MiB…`);
    await fill(`http://127.0.0.1:${lightd.port}`);
    const bytes = Number((await run(["du", "-sb", data])).out.split("\t")[0]);
    writeFileSync(join(tmp, "pass"), "bench passphrase\n");
    for (let i = 0; i < flags.runs; i++) {
      const out = join(tmp, `run${i}`);
      mkdirSync(join(out, "plain"), { recursive: true });
      mkdirSync(join(out, "enc"), { recursive: true });
      // Each output is removed once timed, so the disk holds at most three copies of the data dir.
      const drop = (...paths: string[]) => {
        for (const path of paths) rmSync(path, { recursive: true, force: true });
      };
      await time("backup", () => lightdCli("backup", "--to", join(out, "plain/"), "--config", config));
      const archive = join(out, "plain", readdirSync(join(out, "plain"))[0] as string);
      await time("restore", () =>
        lightdCli(
          "restore",
          "--from",
          archive,
          "--config",
          join(out, "r1/config.json"),
          "--data",
          join(out, "r1/data"),
        ),
      );
      const restored = Number((await run(["du", "-sb", join(out, "r1/data")])).out.split("\t")[0]);
      if (restored < bytes * 0.99) throw new Error(`restore wrote ${restored} bytes of ${bytes}`);
      drop(join(out, "r1"), archive);
      await time("tar -c", () => run(["tar", "-cf", join(out, "data.tar"), "-C", tmp, "data"]));
      mkdirSync(join(out, "untar"));
      await time("tar -x", () => run(["tar", "-xf", join(out, "data.tar"), "-C", join(out, "untar")]));
      drop(join(out, "untar"), join(out, "data.tar"));
      const pass = ["--passphrase-file", join(tmp, "pass")];
      await time("backup enc", () => lightdCli("backup", "--to", join(out, "enc/"), "--config", config, ...pass));
      const sealed = join(out, "enc", readdirSync(join(out, "enc"))[0] as string);
      await time("restore enc", () =>
        lightdCli(
          "restore",
          "--from",
          sealed,
          "--config",
          join(out, "r2/config.json"),
          "--data",
          join(out, "r2/data"),
          ...pass,
        ),
      );
      say(
        `run ${i + 1}/${flags.runs}: ${Object.entries(timings)
          .map(([k, v]) => `${k} ${fmt((v.at(-1) as number) / 1000, 2)} s`)
          .join(", ")}`,
      );
      rmSync(out, { recursive: true, force: true });
    }
    const mbps = (name: string) => fmt(bytes / 1e6 / (median(timings[name] as number[]) / 1000));
    const secs = (name: string) => fmt(median(timings[name] as number[]) / 1000, 2);
    process.stdout.write(
      [
        "",
        `backup/restore — data dir of ${fmt(bytes / 1e6)} MB (${flags.files} files of ${flags.mib} MiB, local disk), median of ${flags.runs} alternating runs; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(
          ["operation", "median s", "MB/s"],
          [
            ["lightd backup --to (server running; snapshot, SHA-256, manifest)", secs("backup"), mbps("backup")],
            ["baseline: tar -cf of the data dir", secs("tar -c"), mbps("tar -c")],
            ["lightd restore --from (verifies every SHA-256, fsyncs each object)", secs("restore"), mbps("restore")],
            ["baseline: tar -xf into a fresh dir", secs("tar -x"), mbps("tar -x")],
            ["lightd backup --passphrase-file (AES-256-GCM)", secs("backup enc"), mbps("backup enc")],
            ["lightd restore --passphrase-file", secs("restore enc"), mbps("restore enc")],
          ],
        ),
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await lightd?.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
