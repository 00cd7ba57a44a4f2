import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/** Names longer than their column: cut with "…" inside the row, the whole name in the tooltip and accessible name. */
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

const LONG = `A very long name ${"that keeps going ".repeat(8)}until the end`;

browserTest(
  "a long file name ends in … within its row, and its whole name is the title and accessible name",
  async () => {
    for (const name of [`${LONG}.txt`, `${LONG}.bin`, `${LONG} folder/inner.txt`]) {
      expect(
        (await api(`/files/long/${encodeURIComponent(name).replaceAll("%2F", "/")}`, { method: "PUT", body: "x" }))
          .status,
      ).toBe(200);
    }
    const b = await openBrowser({ width: 900 });
    try {
      const page = b.page;
      await signInWithToken(page, server.url, master);
      await page.goto(`${server.url}/#/files/long/`);
      const names = [
        page.getByRole("button", { name: `${LONG}.txt`, exact: true }),
        page.getByRole("link", { name: `${LONG}.bin`, exact: true }),
        page.getByRole("link", { name: `${LONG} folder`, exact: true }),
      ];
      for (const [i, name] of names.entries()) {
        await name.waitFor();
        const shown = await name.evaluate((el) => {
          const cell = el.closest(".col-name") as HTMLElement;
          return {
            fits: el.getBoundingClientRect().right <= cell.getBoundingClientRect().right + 1,
            ellipsis: getComputedStyle(el).textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth,
            title: el.getAttribute("title"),
          };
        });
        expect({ i, ...shown }).toEqual({
          i,
          fits: true,
          ellipsis: true,
          title: [`${LONG}.txt`, `${LONG}.bin`, `${LONG} folder`][i] as string,
        });
      }
      await screenshot(page, "long-names");
      expect(b.problems).toEqual([]);
    } catch (error) {
      throw await b.explain(error);
    } finally {
      await b.close();
    }
  },
);
