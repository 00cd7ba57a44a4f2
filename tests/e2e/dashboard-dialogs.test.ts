import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import type { Page } from "playwright-core";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * The dashboard's Files dialogs as a person meets them: where focus goes when one opens and
 * when it closes, that Enter in a field does what the dialog is for, and what they send.
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

/** The focused element's accessible label, as a test can name it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.getAttribute("aria-label") ?? (el?.id ? `#${el.id}` : (el?.textContent?.trim() ?? ""));
  });

browserTest("keyboard: New folder opens on its field, a typed name and Enter create it, focus comes back", async () => {
  expect((await api("/files/keyboard/readme.txt", { method: "PUT", body: "hi" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "keyboard" }).click();
    await page.getByRole("button", { name: "Actions for readme.txt" }).waitFor();

    await page.getByRole("button", { name: "New folder" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "New folder" }).waitFor();
    expect(await focused(page)).toBe("#path-input");
    await page.keyboard.type("typed");
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: "typed" }).waitFor();
    expect(await page.locator("dialog[open]").count()).toBe(0);
    expect(
      (await (await api("/files?prefix=keyboard/")).json()).entries.map((e: { path: string }) => e.path),
    ).toContain("keyboard/typed/");
    expect(await focused(page)).toBe("New folder");

    // A dialog without a field opens on its first action; Escape gives focus back to ⋯.
    await page.getByRole("button", { name: "Actions for readme.txt" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "readme.txt" }).waitFor();
    expect(await focused(page)).not.toBe("Close");
    await page.keyboard.press("Escape");
    await page.locator("dialog[open]").waitFor({ state: "detached" });
    expect(await focused(page)).toBe("Actions for readme.txt");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("rename a folder: a new name typed without the trailing / still moves the folder", async () => {
  expect((await api("/files/previews/a.txt", { method: "PUT", body: "a" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("button", { name: "Actions for previews" }).click();
    await page.getByRole("button", { name: "Rename or move…" }).click();
    await page.getByLabel("New path").fill("previews renamed");
    await page.getByRole("button", { name: "Move", exact: true }).click();
    await page.getByRole("link", { name: "previews renamed" }).waitFor();
    expect(await page.locator("dialog[open]").count()).toBe(0);
    expect(await (await api("/files/previews%20renamed/a.txt")).text()).toBe("a");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("Back with a dialog open shows the folder left for, without the dialog", async () => {
  expect((await api("/files/trip/day%201/photo.txt", { method: "PUT", body: "p" })).status).toBe(200);
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "trip" }).click();
    await page.getByRole("button", { name: "Actions for day 1" }).click();
    await page.getByRole("button", { name: "Rename or move…" }).click();
    await page.getByRole("dialog", { name: "Rename or move day 1" }).waitFor();
    await page.goBack();
    await page.getByRole("link", { name: "trip" }).waitFor();
    await page.locator("dialog[open]").waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "New folder" }).isEnabled()).toBe(true);
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("read-only: a folder offers no empty actions menu, a file still offers its download", async () => {
  expect((await api("/files/read-only/inner/x.txt", { method: "PUT", body: "x" })).status).toBe(200);
  expect((await api("/files/read-only/y.bin", { method: "PUT", body: "y" })).status).toBe(200);
  const created = await api("/auth/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "reader", scopes: ["files:read"] }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, token);
    await page.goto(`${server.url}/#/files/read-only/`);
    await page.getByRole("link", { name: "inner" }).waitFor();
    expect(await page.getByRole("button", { name: "Actions for inner" }).count()).toBe(0);
    await page.getByRole("button", { name: "Actions for y.bin" }).click();
    await page.getByRole("dialog", { name: "y.bin" }).getByRole("link", { name: "Download" }).waitFor();
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
