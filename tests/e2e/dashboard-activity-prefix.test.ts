import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The dashboard's Activity page signed in with a key held to a prefix: a move into the prefix
 * from outside reaches it with `path: null` (the outside end is redacted), live and filtered,
 * and is shown with its hidden end named rather than dropped.
 */
setDefaultTimeout(120_000);
let server: RunningServer;
let master: string;

beforeAll(async () => {
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
}, 180_000);
afterAll(cleanupE2E);

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${master}`, "content-type": "application/json", ...init.headers },
  });

browserTest("activity of a prefix key: moves across the prefix appear live, the hidden end named", async () => {
  expect((await api("/files/outside/in.txt", { method: "PUT", body: "in" })).status).toBe(200);
  const created = await api("/auth/keys", {
    method: "POST",
    body: JSON.stringify({ name: "inbox", prefix: "inbox/", scopes: ["files:read"] }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, token);
    await page.getByRole("link", { name: "Activity" }).click();
    await page.getByLabel("Path or folder").fill("inbox/");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("Live: new changes appear as they happen.").waitFor();

    const move = (from: string, to: string) =>
      api("/files/move", { method: "POST", body: JSON.stringify({ from, to }) });
    expect((await move("outside/in.txt", "inbox/in.txt")).status).toBe(200);
    await page.locator("ol.events li").first().getByText("(outside the prefix) → inbox/in.txt").waitFor();
    expect((await move("inbox/in.txt", "outside/back.txt")).status).toBe(200);
    await page.locator("ol.events li").first().getByText("inbox/in.txt → (outside the prefix)").waitFor();
    await screenshot(page, "activity-prefix");
    expect(await page.getByText("outside/").count()).toBe(0);
    expect(b.problems).toEqual([]);
  } finally {
    await b.close();
  }
});
