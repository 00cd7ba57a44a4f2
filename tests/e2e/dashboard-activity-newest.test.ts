import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * Activity on a long log reads only what it shows: the newest 200 changes in one request
 * (`order=desc`), then the live feed from the newest tx, however many changes came before.
 */
setDefaultTimeout(180_000);
let server: RunningServer;
let master: string;
const CHANGES = 1_250;

beforeAll(async () => {
  if (NO_BROWSER) return;
  // 1,250 uploads in a few seconds are more than one credential's request budget.
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { token: "lightd_activity_master_token_0123456789" },
      rate_limits: { enabled: false },
    }),
  );
  server = await startServer({ dir, readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
  const put = (n: number) =>
    fetch(`${server.url}/files/hist/${n}.txt`, {
      method: "PUT",
      headers: { authorization: `Bearer ${master}` },
      body: String(n),
    }).then((response) => expect(response.status).toBe(200));
  for (let n = 1; n <= CHANGES; n += 25) {
    await Promise.all(Array.from({ length: Math.min(25, CHANGES - n + 1) }, (_, i) => put(n + i)));
  }
}, 300_000);
afterAll(cleanupE2E);

browserTest("a long log: the newest 200 in one read, newest first, then live", async () => {
  const b = await openBrowser();
  try {
    const page = b.page;
    const reads: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/files/log")) reads.push(new URL(request.url()).search);
    });
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "Activity" }).click();
    await page.getByText("Live: new changes appear as they happen.").waitFor();
    const items = page.locator("ol.events li");
    expect(await items.count()).toBe(200);
    expect(await items.first().locator(".tx").textContent()).toBe(`#${CHANGES}`);
    expect(await items.last().locator(".tx").textContent()).toBe(`#${CHANGES - 199}`);
    expect(reads).toEqual(["?order=desc&limit=200"]);

    const live = await fetch(`${server.url}/files/after.txt`, {
      method: "PUT",
      headers: { authorization: `Bearer ${master}` },
      body: "after",
    });
    expect(live.status).toBe(200);
    await items.first().getByText("after.txt").waitFor();
    expect(await items.count()).toBe(200);

    // A filter reads the newest of all (where the feed goes on) and the newest it keeps.
    reads.length = 0;
    await page.getByLabel("Path or folder").fill("hist/");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("Live: new changes appear as they happen.").waitFor();
    // The newest change under hist/ (uploads went 25 at a time, so its name may be any of the last few).
    await page.waitForFunction((tx) => document.querySelector("ol.events li .tx")?.textContent === tx, `#${CHANGES}`);
    expect(await items.first().textContent()).toContain("hist/");
    expect(reads).toEqual(["?order=desc&limit=1", "?order=desc&limit=200&path=hist%2F"]);
    expect(b.problems).toEqual([]);
  } finally {
    await b.close();
  }
});
