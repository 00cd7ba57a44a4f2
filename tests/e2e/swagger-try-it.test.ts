import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import { cleanupE2E, ensureBinary, type RunningServer, startServer } from "../fixtures/binary";
import { type Browser, browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot } from "../fixtures/browser";

/**
 * /swagger's "Test Request" as a reader uses it, in headless Chromium: the bearer token typed
 * into the page, a file picked for `PUT /files/{path}` (its bytes, not a JSON stand-in, must
 * be what lightd stores), then `GET /files/{path}` followed through its redirect and the
 * answer saved with the client's Download button.
 */

setDefaultTimeout(120_000);
let server: RunningServer;
let browser: Browser;
let master: string;
beforeAll(async () => {
  await ensureBinary();
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
  browser = await openBrowser({ width: 1400, height: 900 });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await cleanupE2E();
});

// Every byte value, NUL and invalid UTF-8 included, then random ones: a text or JSON body could not carry them.
const PICKED = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(64 * 1024)]);
const PATH = "from-swagger/picked.bin";

/** Opens the API client of the operation whose heading is `summary`, from the sidebar as a reader would. */
async function openClient(page: Page, summary: string, method: string): Promise<Locator> {
  await page.getByText(summary, { exact: true }).first().click();
  const section = page.locator("section", { has: page.getByRole("heading", { name: summary, exact: true }) }).last();
  await section.getByText("Test Request").first().click();
  const dialog = page.getByRole("dialog");
  // The client's send button names the method and URL of the operation it opened.
  await dialog.getByText(`Send ${method} request to`).first().waitFor({ state: "attached" });
  return dialog;
}

/** Replaces the example value of the `path` variable with our path. */
async function setPath(page: Page, dialog: Locator): Promise<void> {
  await dialog.getByText("docs/report.pdf").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(PATH);
}

async function storedBytes(): Promise<Buffer> {
  const res = await fetch(`${server.url}/files/${encodeURIComponent(PATH)}`, {
    headers: { authorization: `Bearer ${master}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

browserTest("/swagger try it: upload a picked file's bytes, then download them", async () => {
  const { page, foreign, problems } = browser;
  await page.goto(`${server.url}/swagger`);
  await page.getByRole("heading", { name: "lightd", exact: true }).first().waitFor({ timeout: 60_000 });
  await page.getByPlaceholder("Token").first().fill(master);
  await page.getByText("Files", { exact: true }).first().click();

  // Upload: the file picker on PUT /files/{path}.
  const upload = await openClient(page, "Upload a file in one step", "put");
  await setPath(page, upload);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), upload.getByText("Select File").click()]);
  await chooser.setFiles({ name: "picked.bin", mimeType: "application/octet-stream", buffer: PICKED });
  const [put] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "PUT" && r.url().includes("/files/")),
    upload.getByRole("button", { name: /^Send/ }).first().click(),
  ]);
  expect(put.status()).toBe(200);
  expect(await put.json()).toMatchObject({ path: PATH, size: PICKED.length });
  expect((await storedBytes()).equals(PICKED)).toBe(true);
  await screenshot(page, "swagger-upload");
  await page.keyboard.press("Escape");

  // Download: GET /files/{path} without the client's default JSON Accept follows the 302 to the bytes.
  const download = await openClient(page, "Retrieve a file", "get");
  await setPath(page, download);
  await download.getByRole("checkbox", { name: "Include accept in request", exact: true }).uncheck();
  const [got] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname.startsWith("/blobs/")),
    download.getByRole("button", { name: /^Send/ }).first().click(),
  ]);
  expect(got.status()).toBe(200);
  const [saved] = await Promise.all([
    page.waitForEvent("download"),
    download.getByText("Download", { exact: true }).first().click(),
  ]);
  expect(readFileSync(await saved.path()).equals(PICKED)).toBe(true);
  await screenshot(page, "swagger-download");

  expect(foreign).toEqual([]);
  expect(problems).toEqual([]);
});
