import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * Files follows the live change feed: a delete in another tab, and an upload, move, copy,
 * mkdir or folder delete by any other client, shows in the folder without a reload.
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
const post = (path: string, body: unknown) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

browserTest("another tab's delete and other clients' changes show in the open folder", async () => {
  for (const name of ["one.txt", "two.txt"]) {
    expect((await api(`/files/live/${name}`, { method: "PUT", body: name })).status).toBe(200);
  }
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.goto(`${server.url}/#/files/live/`);
    const row = (name: string) => page.getByRole("button", { name: `Actions for ${name}` });
    await row("one.txt").waitFor();

    // Another tab of the same browser deletes a file.
    const other = await b.context.newPage();
    await other.goto(`${server.url}/#/files/live/`);
    await other.getByRole("button", { name: "Actions for one.txt" }).click();
    await other.getByRole("button", { name: "Delete…" }).click();
    await other.getByRole("button", { name: "Delete", exact: true }).click();
    await other.getByRole("button", { name: "Actions for one.txt" }).waitFor({ state: "detached" });
    await other.close();
    await row("one.txt").waitFor({ state: "detached" });

    // Other clients: upload, move out, copy in, new folder.
    expect((await api("/files/live/three.txt", { method: "PUT", body: "3" })).status).toBe(200);
    await row("three.txt").waitFor();
    expect((await post("/files/move", { from: "live/two.txt", to: "elsewhere/two.txt" })).status).toBe(200);
    await row("two.txt").waitFor({ state: "detached" });
    expect((await post("/files/copy", { from: "elsewhere/two.txt", to: "live/copied.txt" })).status).toBe(200);
    await row("copied.txt").waitFor();
    expect((await post("/files/mkdir", { path: "live/made/" })).status).toBeLessThan(300);
    await page.getByRole("link", { name: "made" }).waitFor();

    // The folder itself is deleted: it says so.
    expect((await api("/files/live/", { method: "DELETE" })).status).toBe(200);
    await page.getByText("This folder does not exist").waitFor();
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
