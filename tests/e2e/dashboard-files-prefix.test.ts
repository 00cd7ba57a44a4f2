import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * Files in the dashboard signed in with a key held to a folder: the page it lands on is that
 * folder (as /auth/me names it), so uploads and new folders made there go inside it.
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

browserTest("a key held to a folder lands in it: upload and New folder there go inside the folder", async () => {
  expect((await api("/files/photos%20%26%20more/cat.txt", { method: "PUT", body: "meow" })).status).toBe(200);
  const created = await api("/auth/keys", {
    method: "POST",
    body: JSON.stringify({ name: "photos", prefix: "photos & more/", scopes: ["files:read", "files:write"] }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, token);
    const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
    await page.getByRole("button", { name: "Actions for cat.txt" }).waitFor();
    expect(await crumbs.locator("[aria-current=page]").textContent()).toBe("photos & more");

    await page.getByLabel("Files to upload").setInputFiles({
      name: "new.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("uploaded"),
    });
    await page.getByText(/Uploads complete/).waitFor();
    expect(await (await api("/files/photos%20%26%20more/new.txt")).text()).toBe("uploaded");

    await page.getByRole("button", { name: "New folder" }).click();
    const field = page.getByLabel("Folder path");
    expect(await field.inputValue()).toBe("photos & more/");
    await field.fill("photos & more/albums");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.getByRole("link", { name: "albums" }).waitFor();
    await screenshot(page, "prefix-key-home");
    const listed = (await (await api("/files?prefix=photos%20%26%20more/")).json()) as { entries: { path: string }[] };
    expect(listed.entries.map((e) => e.path)).toContain("photos & more/albums/");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
