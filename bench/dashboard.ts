/**
 * The web dashboard in headless Chromium against the compiled binary (dist/lightd):
 *
 * - first load of `/`: bytes on the wire (assets gzip) and time until the page is usable,
 *   signed out (sign-in form) and signed in (file list), next to /swagger's first load;
 * - a folder of 10,000 files: time from opening it to the rows and the count on screen, next
 *   to the time the same page takes only to fetch the listing from the API (no rendering);
 * - a jump to the middle of that folder: time until its rows are painted.
 *
 *   npm run build && bun run bench/run.ts dashboard [--files 10000]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { authHeader, BENCH_MASTER, benchConfig, benchTmp, numericFlags, ROOT } from "./lib/lightd";
import { startServer } from "./lib/server";
import { fmt, median, table } from "./lib/stats";

const flags = numericFlags({ files: 10_000, rounds: 3 });
const BINARY = join(ROOT, "dist/lightd");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(BINARY)) throw new Error("dist/lightd is missing: run `npm run build` first");

const dir = benchTmp("dashboard");
await Bun.write(join(dir, "config.json"), JSON.stringify(benchConfig(join(dir, "data"))));
const server = await startServer(
  "lightd",
  [BINARY, "--port", "0", "--host", "127.0.0.1", "--config", join(dir, "config.json")],
  join(dir, "lightd.log"),
);
const base = `http://127.0.0.1:${server.port}`;

// The folder: tiny files through the public API, 32 at a time.
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < flags.files) {
      const i = next++;
      const res = await fetch(`${base}/files/big/file-${String(i).padStart(5, "0")}.txt`, {
        method: "PUT",
        headers: authHeader,
        body: `file ${i}\n`,
      });
      if (!res.ok) throw new Error(`PUT failed: ${res.status} ${await res.text()}`);
    }
  }),
);
process.stderr.write(`populated big/ with ${flags.files} files in ${fmt((performance.now() - started) / 1000)} s\n`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});

/** Loads `url` in a fresh context; returns wire bytes and ms from navigation start until `ready` holds. */
async function firstLoad(url: string, ready: string, cookie?: string): Promise<{ bytes: number; ms: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (cookie) await context.addCookies([{ name: "lightd_session", value: cookie, url: base }]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  let bytes = 0;
  // Requests still loading. The live change feed (an EventSource the Files page keeps open)
  // never finishes, so it is not waited for; its bytes are a few comment lines.
  const pending = new Set<string>();
  cdp.on("Network.requestWillBeSent", (e: { requestId: string; type?: string }) => {
    if (e.type !== "EventSource") pending.add(e.requestId);
  });
  cdp.on("Network.loadingFailed", (e: { requestId: string }) => {
    pending.delete(e.requestId);
  });
  cdp.on("Network.loadingFinished", (e: { requestId: string; encodedDataLength: number }) => {
    pending.delete(e.requestId);
    bytes += e.encodedDataLength;
  });
  await page.goto(url);
  const ms = await readyAt(page, ready);
  // Late requests (the listing after the page is usable, the feed's first answer) count too.
  for (let idle = 0; idle < 5; ) {
    await Bun.sleep(50);
    idle = pending.size === 0 ? idle + 1 : 0;
  }
  await context.close();
  return { bytes, ms };
}

/**
 * performance.now() (ms since navigation start) at the first animation frame where `selector`
 * matches (and, when given, the status line starts with `status`). A function, not a string:
 * the dashboard's CSP forbids eval, and rightly so.
 */
async function readyAt(page: Page, selector: string, status?: string): Promise<number> {
  const handle = await page.waitForFunction(
    ([sel, text]) =>
      document.querySelector(sel as string) !== null &&
      (text === null || (document.querySelector("[role=status]")?.textContent ?? "").startsWith(text as string)) &&
      performance.now(),
    [selector, status ?? null],
    { polling: "raf" },
  );
  return (await handle.jsonValue()) as number;
}

async function sessionCookie(): Promise<string> {
  const res = await fetch(`${base}/auth/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: BENCH_MASTER }),
  });
  return /lightd_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] as string;
}

const rows: string[][] = [];
const loads: [string, string, string, boolean][] = [
  ["/ signed out (sign-in form)", "/", "button.primary", false],
  ["/ signed in (file list)", "/", ".vrow", true],
  ["/swagger (baseline)", "/swagger", "h1", false],
];
for (const [label, path, ready, signedIn] of loads) {
  const runs = [];
  for (let r = 0; r < flags.rounds; r++)
    runs.push(await firstLoad(`${base}${path}`, ready, signedIn ? await sessionCookie() : undefined));
  rows.push([label, fmt(median(runs.map((x) => x.bytes)) / 1024), fmt(median(runs.map((x) => x.ms)), 0)]);
}
process.stdout.write(`\nFirst load in Chromium (median of ${flags.rounds}, cache disabled)\n`);
process.stdout.write(`${table(["page", "KB on the wire", "ms to usable"], rows)}\n`);

// The big folder.
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.addCookies([{ name: "lightd_session", value: await sessionCookie(), url: base }]);
const page = await context.newPage();
const folder: string[][] = [];
const renders: number[] = [];
const fetches: number[] = [];
const jumps: number[] = [];
const count = flags.files.toLocaleString("en-US");
for (let r = 0; r < flags.rounds; r++) {
  await page.goto(`${base}/#/files`);
  await page.locator(".vrow").first().waitFor();
  await page.evaluate(() => {
    (window as unknown as { t0: number }).t0 = performance.now();
    location.hash = "#/files/big/";
  });
  const end = await readyAt(page, ".vrow", `${count} entries`);
  renders.push(end - (await page.evaluate(() => (window as unknown as { t0: number }).t0)));
  // Baseline: the same listing fetched by the page with no rendering at all.
  fetches.push(
    await page.evaluate(async () => {
      const t0 = performance.now();
      for (let offset = 0; ; offset += 1000) {
        const res = await fetch(`/files?prefix=big/&limit=1000&offset=${offset}`);
        const body = (await res.json()) as { truncated: boolean };
        if (!body.truncated) break;
      }
      return performance.now() - t0;
    }),
  );
  jumps.push(
    await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const list = document.querySelector(".vlist") as HTMLElement;
          const t0 = performance.now();
          list.scrollTop = list.scrollHeight / 2;
          const check = () => {
            const first = document.querySelector(".vrow");
            if (first && Number(first.getAttribute("aria-posinset")) > 100) resolve(performance.now() - t0);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
    ),
  );
}
folder.push([`open a folder of ${count} files (fetch + sort + render)`, fmt(median(renders), 0)]);
folder.push(["baseline: the same listing fetched by the page, not rendered", fmt(median(fetches), 0)]);
folder.push(["jump to the middle of the folder (rows painted)", fmt(median(jumps), 0)]);
process.stdout.write(`\nA folder of ${count} files (median of ${flags.rounds})\n${table(["step", "ms"], folder)}\n`);

await browser.close();
await server.stop();
