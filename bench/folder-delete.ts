/**
 * DELETE of a folder of many small files on local disk: one transaction that drops the rows
 * and queues their bytes for reclaim, then the queued objects deleted (data file + sidecar
 * each) and dequeued. Measured against `rm -rf` of a directory holding the same number of
 * files of the same size, plus one sidecar each, on the same disk — the floor for giving the
 * space back. Runs alternate; medians are reported.
 *
 *   bun run bench/run.ts folder-delete [--files 2000] [--runs 3]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authHeader, benchTmp, numericFlags, run, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ files: 2000, runs: 3 });
const say = (text: string) => process.stderr.write(`  ${text}\n`);
const BODY = "x".repeat(1024);

async function fill(base: string, folder: string): Promise<void> {
  const names = Array.from({ length: flags.files }, (_, i) => `${folder}/${String(i).padStart(5, "0")}.txt`);
  for (let i = 0; i < names.length; i += 16) {
    await Promise.all(
      names.slice(i, i + 16).map(async (path) => {
        const res = await fetch(`${base}/files/${path}`, { method: "PUT", headers: authHeader, body: BODY });
        if (res.status !== 200) throw new Error(`PUT ${path} → ${res.status} ${await res.text()}`);
      }),
    );
  }
}

async function main(): Promise<number> {
  const tmp = benchTmp("folder-delete");
  let lightd: RunningServer | undefined;
  try {
    lightd = await startLightd(tmp);
    const base = `http://127.0.0.1:${lightd.port}`;
    const deletes: number[] = [];
    const rms: number[] = [];
    for (let i = 0; i < flags.runs; i++) {
      await fill(base, `run${i}`);
      const start = performance.now();
      const res = await fetch(`${base}/files/run${i}/`, { method: "DELETE", headers: authHeader });
      if (res.status !== 200) throw new Error(`DELETE → ${res.status} ${await res.text()}`);
      deletes.push(performance.now() - start);

      const dir = join(tmp, `plain${i}`);
      mkdirSync(dir);
      for (let f = 0; f < flags.files; f++) {
        writeFileSync(join(dir, `${f}`), BODY);
        writeFileSync(join(dir, `${f}.meta`), "{}");
      }
      rms.push((await run(["rm", "-rf", dir])).ms);
      say(`run ${i + 1}/${flags.runs}: DELETE ${fmt(deletes[i] as number)} ms, rm -rf ${fmt(rms[i] as number)} ms`);
    }
    process.stdout.write(
      [
        "",
        `folder delete — ${flags.files} files of 1 KiB on local disk, median of ${flags.runs} alternating runs; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(
          ["operation", "median ms"],
          [
            ["lightd DELETE /files/<folder>/ (rows, queue, bytes, dequeue)", fmt(median(deletes))],
            ["baseline: rm -rf of as many files + sidecars on the same disk", fmt(median(rms))],
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
