import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import type { Page } from "playwright-core";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * Leaving during an upload: closing or reloading the tab asks first (only while an upload
 * runs), and going to another dashboard page keeps the upload going and its progress in view.
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

/** Whether the page would ask before being closed or reloaded now. */
const wouldAsk = (page: Page) =>
  page.evaluate(() => {
    const event = new Event("beforeunload", { cancelable: true });
    dispatchEvent(event);
    return event.defaultPrevented;
  });

browserTest("an upload in flight: leaving the tab asks, other pages show its progress, then no question", async () => {
  expect(
    (
      await api("/files/mkdir", {
        method: "POST",
        body: JSON.stringify({ path: "slow/" }),
        headers: { "content-type": "application/json" },
      })
    ).status,
  ).toBeLessThan(300);
  const b = await openBrowser();
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    expect(await wouldAsk(page)).toBe(false);
    await page.getByRole("link", { name: "slow" }).click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByText("slow").waitFor();
    // The upload's request is held until the test lets it go.
    await page.route("**/files/slow/held.txt", async (route) => {
      await held;
      await route.continue();
    });
    await page
      .getByLabel("Files to upload")
      .setInputFiles([{ name: "held.txt", mimeType: "text/plain", buffer: Buffer.from("held") }]);
    await page.getByText(/Uploading: /).waitFor();
    expect(await wouldAsk(page)).toBe(true);
    // A reload meets the browser's own question; staying keeps the upload.
    const question = page.waitForEvent("dialog");
    void page.evaluate(() => location.reload()).catch(() => {});
    const dialog = await question;
    expect(dialog.type()).toBe("beforeunload");
    await dialog.dismiss();
    await page.getByText(/Uploading: /).waitFor();

    // Another page of the dashboard: the upload is still shown, and still asked about on leaving.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
    await page.getByRole("heading", { name: "Activity" }).waitFor();
    const uploads = page.getByRole("region", { name: "Uploads" });
    await uploads.getByText(/Uploading: /).waitFor();
    expect(await wouldAsk(page)).toBe(true);

    release();
    await uploads.getByText(/Uploads complete/).waitFor();
    expect(await wouldAsk(page)).toBe(false);
    expect(await (await api("/files/slow/held.txt?redirect=false")).text()).toBe("held");
    await uploads.getByRole("button", { name: "Clear finished uploads" }).click();
    await uploads.waitFor({ state: "detached" });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Files" }).click();
    await page.getByRole("heading", { name: "Files", exact: true }).waitFor();
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    release();
    await b.close();
  }
});
