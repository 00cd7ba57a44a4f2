import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The dashboard across a restart of lightd: the Files page that could not load a folder while
 * the server was down shows it once the server is back, without a click, and Activity goes
 * live again, missing nothing that changed in between.
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
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${master}`, ...init.headers } });

browserTest("after a restart, Files loads the folder by itself and Activity is live again", async () => {
  expect((await api("/files/outage/a.txt", { method: "PUT", body: "a" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const files = b.page;
    await signInWithToken(files, server.url, master);
    const activity = await b.context.newPage();
    await activity.goto(`${server.url}/#/activity`);
    await activity.getByText("Live: new changes appear as they happen.").waitFor();

    const { dir, port } = server;
    await server.stop();
    await files.getByRole("link", { name: "outage" }).click();
    await files.getByText(/lightd cannot be reached/).waitFor();
    await files.getByRole("button", { name: "Retry" }).waitFor();
    await screenshot(files, "files-server-down");

    server = await startServer({ dir, args: ["--port", String(port)], readyTimeoutMs: 60_000 });
    // Changed while the feed was down (before it can have reconnected), then after.
    expect((await api("/files/outage/during.txt", { method: "PUT", body: "d" })).status).toBe(200);
    await files.getByRole("button", { name: "Actions for a.txt" }).waitFor({ timeout: 30_000 });
    expect(await files.getByText(/lightd cannot be reached/).count()).toBe(0);

    await activity.getByText("Live: new changes appear as they happen.").waitFor({ timeout: 30_000 });
    expect((await api("/files/outage/after.txt", { method: "PUT", body: "n" })).status).toBe(200);
    await activity.locator("ol.events li").first().getByText("outage/after.txt").waitFor();
    await activity.locator("ol.events li").getByText("outage/during.txt").waitFor();
    await screenshot(activity, "activity-reconnected");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
