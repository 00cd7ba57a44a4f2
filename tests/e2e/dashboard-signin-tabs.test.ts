import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import type { Page } from "playwright-core";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, NO_BROWSER, openBrowser } from "../fixtures/browser";

/** The sign-in methods are WAI-ARIA tabs: one Tab stop, arrows (wrapping), Home and End. */
setDefaultTimeout(120_000);
let server: RunningServer;

beforeAll(async () => {
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
}, 180_000);
afterAll(cleanupE2E);

/** The focused element's role and name, and which tab is selected. */
const state = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    return {
      focused: el.getAttribute("role") === "tab" ? `tab ${el.textContent}` : (el.id ?? el.tagName),
      selected: document.querySelector('[role=tab][aria-selected="true"]')?.textContent,
      stops: [...document.querySelectorAll("[role=tab]")].filter((t) => (t as HTMLElement).tabIndex === 0).length,
    };
  });

browserTest("sign-in tabs: roving tabindex, Left/Right wrap, Home/End, Tab goes into the panel", async () => {
  const b = await openBrowser();
  try {
    const page = b.page;
    await page.goto(`${server.url}/`);
    const first = page.getByRole("tab", { name: "E-mail link" });
    await first.waitFor();
    expect((await state(page)).stops).toBe(1);
    await first.focus();

    const press = async (key: string) => {
      await page.keyboard.press(key);
      return state(page);
    };
    expect(await press("ArrowRight")).toEqual({ focused: "tab Ed25519 key", selected: "Ed25519 key", stops: 1 });
    await page.getByRole("tabpanel", { name: "Ed25519 key" }).getByLabel("Account name").waitFor();
    expect(await press("End")).toEqual({ focused: "tab New account", selected: "New account", stops: 1 });
    expect(await press("ArrowRight")).toEqual({ focused: "tab E-mail link", selected: "E-mail link", stops: 1 });
    expect(await press("ArrowLeft")).toEqual({ focused: "tab New account", selected: "New account", stops: 1 });
    expect(await press("Home")).toEqual({ focused: "tab E-mail link", selected: "E-mail link", stops: 1 });
    expect(await press("ArrowRight")).toMatchObject({ focused: "tab Ed25519 key" });
    expect(await press("ArrowRight")).toMatchObject({ focused: "tab Token or API key" });
    // Tab leaves the tab list for the chosen method's form, not the next tab.
    expect((await press("Tab")).focused).toBe("token");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
