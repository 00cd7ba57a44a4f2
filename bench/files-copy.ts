/**
 * POST /files/copy on local disk: a copy shares the stored object, so its cost does not grow
 * with the file. Measured against what a client without a server-side copy does — download
 * the file (GET → 302 → /blobs) and upload it again (PUT) — and against `cp` of the same
 * bytes on the same disk. Runs alternate; medians are reported.
 *
 *   bun run bench/run.ts files-copy [--size-mib 256] [--runs 5]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { authHeader, benchTmp, numericFlags, run, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ "size-mib": 256, runs: 5 });
const SIZE = flags["size-mib"] * 1024 * 1024;
const say = (text: string) => process.stderr.write(`  ${text}\n`);

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (res.status !== 200) throw new Error(`${what} → ${res.status} ${await res.text()}`);
}

async function main(): Promise<number> {
  const tmp = benchTmp("copy");
  let lightd: RunningServer | undefined;
  try {
    const src = join(tmp, "src.bin");
    say(`generating ${flags["size-mib"]} MiB of random data …`);
    await run(["sh", "-c", `head -c ${SIZE} /dev/urandom > '${src}'`]);
    lightd = await startLightd(tmp);
    const base = `http://127.0.0.1:${lightd.port}`;
    await expectOk(
      await fetch(`${base}/files/bench/src.bin`, { method: "PUT", headers: authHeader, body: Bun.file(src) }),
      "PUT source",
    );
    const copy: number[] = [];
    const roundTrip: number[] = [];
    const cp: number[] = [];
    for (let i = 0; i < flags.runs; i++) {
      copy.push(
        await timed(async () => {
          const res = await fetch(`${base}/files/copy`, {
            method: "POST",
            headers: { ...authHeader, "content-type": "application/json" },
            body: JSON.stringify({ from: "bench/src.bin", to: `bench/copy-${i}.bin` }),
          });
          await expectOk(res, "POST /files/copy");
        }),
      );
      roundTrip.push(
        await timed(async () => {
          const down = await fetch(`${base}/files/bench/src.bin`, { headers: authHeader });
          await expectOk(down, "GET source");
          const bytes = await down.arrayBuffer();
          const up = await fetch(`${base}/files/bench/trip-${i}.bin`, {
            method: "PUT",
            headers: authHeader,
            body: bytes,
          });
          await expectOk(up, "PUT copy");
        }),
      );
      cp.push((await run(["cp", "--reflink=never", src, join(tmp, `cp-${i}.bin`)])).ms);
      say(
        `run ${i + 1}/${flags.runs}: copy ${fmt(copy[i] as number)} ms, download+upload ${fmt(roundTrip[i] as number)} ms, cp ${fmt(cp[i] as number)} ms`,
      );
    }
    process.stdout.write(
      [
        "",
        `files copy — ${flags["size-mib"]} MiB file on local disk, median of ${flags.runs} alternating runs; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(
          ["operation", "median ms"],
          [
            ["lightd POST /files/copy (shares the stored object)", fmt(median(copy))],
            ["baseline: client download + re-upload through lightd", fmt(median(roundTrip))],
            ["baseline: cp --reflink=never on the same disk", fmt(median(cp))],
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
