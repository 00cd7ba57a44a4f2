import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * A folder of more than 1,000 entries (the API's page) in the dashboard: a change reloads it
 * without moving the view, and loading it never asks for a page past its end.
 */
setDefaultTimeout(120_000);
const COUNT = 2100;
let server: RunningServer;
let master: string;

beforeAll(async () => {
  if (NO_BROWSER) return;
  // 2,100 uploads in a few seconds are more than one credential's request budget.
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { token: "lightd_big_folder_master_token_0123456789" },
      rate_limits: { enabled: false },
    }),
  );
  server = await startServer({ dir, readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < COUNT; n = next++) {
      const res = await api(`/files/big/file-${n}.txt`, { method: "PUT", body: `content ${n}\n` });
      if (res.status !== 200) throw new Error(`PUT file-${n}.txt: ${res.status}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}, 180_000);
afterAll(cleanupE2E);

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${master}`, ...init.headers } });

browserTest(
  "a rename in a folder of 2,100 keeps the view where it was; no page past the end is asked for",
  async () => {
    const b = await openBrowser();
    try {
      const page = b.page;
      await signInWithToken(page, server.url, master);
      const offsets: number[] = [];
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname === "/files" && url.searchParams.get("prefix") === "big/") {
          offsets.push(Number(url.searchParams.get("offset")));
        }
      });
      await page.goto(`${server.url}/#/files/big/`);
      await page.getByText("2,100 entries", { exact: true }).waitFor();

      const rowTop = 1500 * 44;
      await page.locator(".vlist").evaluate((el, top) => {
        el.scrollTop = top;
      }, rowTop);
      await page.getByRole("button", { name: "Actions for file-1505.txt" }).click();
      // Watch every frame from here on: the list's length and its scroll position, as an eye would.
      await page.evaluate(() => {
        const seen = { minTop: Number.POSITIVE_INFINITY, minRows: Number.POSITIVE_INFINITY };
        (window as unknown as { seen: typeof seen }).seen = seen;
        const tick = () => {
          const list = document.querySelector<HTMLElement>(".vlist");
          const row = document.querySelector(".vrow");
          if (list) seen.minTop = Math.min(seen.minTop, list.scrollTop);
          if (row) seen.minRows = Math.min(seen.minRows, Number(row.getAttribute("aria-setsize")));
          requestAnimationFrame(tick);
        };
        tick();
      });
      await page.getByRole("button", { name: "Rename or move…" }).click();
      await page.getByLabel("New path").fill("big/file-1505-renamed.txt");
      await page.getByRole("button", { name: "Move", exact: true }).click();
      // The dialog closes as the reload starts; the count is back when it has ended.
      await page.locator("dialog[open]").waitFor({ state: "detached" });
      await page.getByText("2,100 entries", { exact: true }).waitFor();

      const seen = await page.evaluate(() => (window as unknown as { seen: { minTop: number; minRows: number } }).seen);
      expect(seen.minRows).toBe(COUNT);
      expect(seen.minTop).toBeGreaterThanOrEqual(rowTop - 44);
      await page.getByRole("button", { name: "Actions for file-1505-renamed.txt" }).waitFor();
      // Two loads of pages 0, 1000 and 2000; the page at 2000 says it is the last.
      expect(Math.max(...offsets)).toBe(2000);
      expect(b.problems).toEqual([]);
    } catch (error) {
      throw await b.explain(error);
    } finally {
      await b.close();
    }
  },
);
