/**
 * WebDAV benchmark: `rclone copy` to lightd's /dav/ against nginx's WebDAV module
 * (Debian's nginx + libnginx-mod-http-dav-ext, installed by bench/lib/webdav-nginx.ts when
 * missing) on the same disk — 1,000 files of 64 KiB, and one large file — and PROPFIND Depth 1 of a
 * 10,000-entry folder on both. Runs alternate between lightd and nginx; medians are
 * reported with the ratio.
 *
 *   bun run bench/run.ts dav [--files 1000] [--file-kib 64] [--size-mib 1024] [--runs 3] [--entries 10000] [--propfinds 30]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_MASTER, benchTmp, numericFlags, run, startLightd } from "./lib/lightd";
import type { RunningServer } from "./lib/server";
import { fmt, median, pct, summarize, table } from "./lib/stats";
import { ensureBaselinePackages, startWebdavNginx } from "./lib/webdav-nginx";

const flags = numericFlags({ files: 1000, "file-kib": 64, "size-mib": 1024, runs: 3, entries: 10_000, propfinds: 30 });
const PROPFIND_TARGET_MS = 50;
const say = (text: string) => process.stderr.write(`  ${text}\n`);

/** The body rclone (vendor owncloud) sends to list a folder: what a mount client asks for, not allprop. */
const RCLONE_PROPFIND =
  '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">' +
  "<d:prop><d:displayname/><d:getlastmodified/><d:getcontentlength/><d:resourcetype/><d:getcontenttype/>" +
  "<oc:checksums/><oc:permissions/></d:prop></d:propfind>";

/** `rclone copy` with the two remotes configured in the environment; returns seconds. */
async function rcloneCopy(tmp: string, env: Record<string, string>, from: string, to: string): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(["rclone", "--config", join(tmp, "rclone.conf"), "copy", "--transfers", "4", from, to], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp, ...env },
    stdout: "ignore",
    stderr: "pipe",
  });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`rclone copy ${from} ${to} failed: ${err}`);
  return (performance.now() - started) / 1000;
}

/** Times PROPFIND Depth 1 of `url` `count` times (after one warm-up); checks the member count. */
async function propfindTimes(
  url: string,
  headers: Record<string, string>,
  entries: number,
  count: number,
  body?: string,
) {
  const times: number[] = [];
  for (let i = 0; i <= count; i++) {
    const started = performance.now();
    const res = await fetch(url, { method: "PROPFIND", headers: { ...headers, depth: "1" }, body });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 207) throw new Error(`PROPFIND ${url} → ${res.status}`);
    if (i === 0) {
      const members = (text.match(/<(?:D:)?href>/gi)?.length ?? 0) - 1;
      if (members !== entries) throw new Error(`PROPFIND ${url}: ${members} members, expected ${entries}`);
    } else times.push(ms);
  }
  return times;
}

async function main(): Promise<number> {
  const missing = await ensureBaselinePackages();
  if (missing !== null) {
    process.stderr.write(`bench/dav: ${missing}\n`);
    return 1;
  }
  const tmp = benchTmp("dav");
  writeFileSync(join(tmp, "rclone.conf"), "");
  const servers: RunningServer[] = [];
  try {
    // Sources: a tree of small files and one large file, in the page cache before timing.
    const tree = join(tmp, "src-tree");
    for (let i = 0; i < flags.files; i++) {
      const folder = join(tree, `d${i % 10}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `f${i}.bin`), crypto.getRandomValues(new Uint8Array(flags["file-kib"] * 1024)));
    }
    const big = join(tmp, "src-big");
    mkdirSync(big);
    say(`generating ${flags["size-mib"]} MiB of random data …`);
    await run(["sh", "-c", `head -c ${flags["size-mib"] * 1024 * 1024} /dev/urandom > '${join(big, "big.bin")}'`]);

    const lightd = await startLightd(tmp);
    servers.push(lightd);
    const www = join(tmp, "www");
    mkdirSync(www);
    const nginx = await startWebdavNginx(tmp, www);
    servers.push(nginx);
    const env = {
      RCLONE_CONFIG_LIGHTD_TYPE: "webdav",
      RCLONE_CONFIG_LIGHTD_URL: `http://127.0.0.1:${lightd.port}/dav/`,
      RCLONE_CONFIG_LIGHTD_VENDOR: "owncloud",
      RCLONE_CONFIG_LIGHTD_BEARER_TOKEN: BENCH_MASTER,
      RCLONE_CONFIG_NGINX_TYPE: "webdav",
      RCLONE_CONFIG_NGINX_URL: `http://127.0.0.1:${nginx.port}/`,
      RCLONE_CONFIG_NGINX_VENDOR: "other",
    };

    const results = {
      tree: { lightd: [] as number[], nginx: [] as number[] },
      big: { lightd: [] as number[], nginx: [] as number[] },
    };
    for (let i = 0; i < flags.runs; i++) {
      for (const kind of ["tree", "big"] as const) {
        const from = kind === "tree" ? tree : big;
        await run(["sync"]);
        results[kind].nginx.push(await rcloneCopy(tmp, env, from, `nginx:run${i}-${kind}`));
        await run(["sync"]);
        results[kind].lightd.push(await rcloneCopy(tmp, env, from, `lightd:run${i}-${kind}`));
        say(
          `run ${i + 1}/${flags.runs} ${kind}: nginx ${fmt(results[kind].nginx[i] as number, 2)} s, lightd ${fmt(results[kind].lightd[i] as number, 2)} s`,
        );
      }
    }

    // A folder of 10,000 entries on both: written through each server's own WebDAV PUT, each
    // with its own modification time (X-OC-Mtime, as rclone sends it; nginx ignores it), as a
    // folder synced from a disk has, rather than the few seconds the writing takes.
    say(`writing ${flags.entries} entries to one folder on both …`);
    const auth = { authorization: `Bearer ${BENCH_MASTER}` };
    const lightdBase = `http://127.0.0.1:${lightd.port}/dav/wide/`;
    const nginxBase = `http://127.0.0.1:${nginx.port}/wide/`;
    await fetch(lightdBase, { method: "MKCOL", headers: auth });
    await fetch(nginxBase, { method: "MKCOL" });
    for (let i = 0; i < flags.entries; i += 32) {
      await Promise.all(
        Array.from({ length: Math.min(32, flags.entries - i) }, (_, j) => {
          const name = `entry-${String(i + j).padStart(5, "0")}.txt`;
          return Promise.all([
            fetch(lightdBase + name, {
              method: "PUT",
              headers: { ...auth, "x-oc-mtime": String(1_600_000_000 + (i + j) * 600) },
              body: name,
            }),
            fetch(nginxBase + name, { method: "PUT", body: name }),
          ]);
        }),
      );
    }
    const pf = {
      nginx: await propfindTimes(nginxBase, {}, flags.entries, flags.propfinds, RCLONE_PROPFIND),
      lightd: await propfindTimes(lightdBase, auth, flags.entries, flags.propfinds, RCLONE_PROPFIND),
      nginxAll: await propfindTimes(nginxBase, {}, flags.entries, flags.propfinds),
      lightdAll: await propfindTimes(lightdBase, auth, flags.entries, flags.propfinds),
    };
    const lightdPf = summarize(pf.lightd);
    const nginxPf = summarize(pf.nginx);
    const lightdAll = summarize(pf.lightdAll);
    const nginxAll = summarize(pf.nginxAll);

    const seconds = (kind: "tree" | "big", who: "lightd" | "nginx") => median(results[kind][who]);
    const treeMb = (flags.files * flags["file-kib"] * 1024) / 1e6;
    const bigMb = (flags["size-mib"] * 1024 * 1024) / 1e6;
    const row = (label: string, kind: "tree" | "big", mb: number) => [
      label,
      `${fmt(seconds(kind, "lightd"), 2)} s (${fmt(mb / seconds(kind, "lightd"))} MB/s)`,
      `${fmt(seconds(kind, "nginx"), 2)} s (${fmt(mb / seconds(kind, "nginx"))} MB/s)`,
      pct(seconds(kind, "nginx") / seconds(kind, "lightd")),
    ];
    process.stdout.write(
      [
        "",
        `WebDAV — rclone ${"copy"} (4 transfers), median of ${flags.runs} alternating runs; lightd (vendor owncloud) vs nginx ${"dav + dav_ext"} (1 worker), same disk; ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}`,
        "",
        table(
          ["rclone copy", "lightd", "nginx", "lightd speed / nginx"],
          [
            row(`${flags.files} × ${flags["file-kib"]} KiB`, "tree", treeMb),
            row(`1 × ${flags["size-mib"]} MiB`, "big", bigMb),
          ],
        ),
        "",
        table(
          ["PROPFIND Depth 1 (rclone's listing body)", "p50 ms", "p99 ms", `target p50 < ${PROPFIND_TARGET_MS} ms`],
          [
            [
              `lightd, ${flags.entries} entries`,
              fmt(lightdPf.p50),
              fmt(lightdPf.p99),
              lightdPf.p50 < PROPFIND_TARGET_MS ? "met" : "MISSED",
            ],
            [`nginx, ${flags.entries} entries`, fmt(nginxPf.p50), fmt(nginxPf.p99), ""],
            [`lightd, ${flags.entries} entries, allprop (no body)`, fmt(lightdAll.p50), fmt(lightdAll.p99), ""],
            [`nginx, ${flags.entries} entries, allprop (no body)`, fmt(nginxAll.p50), fmt(nginxAll.p99), ""],
          ],
        ),
        "",
        `all runs (s): tree lightd [${results.tree.lightd.map((v) => fmt(v, 2)).join(", ")}] nginx [${results.tree.nginx.map((v) => fmt(v, 2)).join(", ")}]; big lightd [${results.big.lightd.map((v) => fmt(v, 2)).join(", ")}] nginx [${results.big.nginx.map((v) => fmt(v, 2)).join(", ")}]`,
        `lightd peak RSS (VmHWM): ${fmt(lightd.peakRssMiB() ?? Number.NaN)} MiB`,
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    for (const server of servers) await server.stop();
    await run(["rm", "-rf", tmp]);
  }
}

process.exit(await main());
