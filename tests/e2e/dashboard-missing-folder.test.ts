import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/** A link to a folder that is not there says so and leads to the nearest folder that is; an empty one stays empty. */
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

browserTest("deep link to a missing folder: 'does not exist', a link to the nearest existing parent", async () => {
  expect((await api("/files/real/kept.txt", { method: "PUT", body: "kept" })).status).toBe(200);
  const mkdir = await api("/files/mkdir", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path: "hollow/" }),
  });
  expect(mkdir.status).toBeLessThan(300);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.goto(`${server.url}/#/files/real/ghost/deeper/`);
    await page.getByText("This folder does not exist").waitFor();
    expect(await page.getByText(/this folder is empty/).count()).toBe(0);
    await page.getByRole("link", { name: "Go to real" }).click();
    await page.getByRole("button", { name: "Actions for kept.txt" }).waitFor();
    expect(await page.getByText("This folder does not exist").count()).toBe(0);

    // Nothing above exists either: the way back is Home.
    await page.goto(`${server.url}/#/files/nowhere/at/all/`);
    await page.getByRole("link", { name: "Go to Home" }).click();
    await page.getByRole("link", { name: "real" }).waitFor();

    // An empty folder that exists is just empty.
    await page.goto(`${server.url}/#/files/hollow/`);
    await page.getByText(/this folder is empty/).waitFor();
    expect(await page.getByText("This folder does not exist").count()).toBe(0);
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
