import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { cleanupE2E, ensureBinary, makeTempDir, ROOT, startServer } from "../fixtures/binary";
import { browserTest, CHROMIUM } from "../fixtures/browser";

/**
 * /swagger in a real headless Chromium with every host but 127.0.0.1 unreachable:
 * the docs UI must come entirely out of the binary (no CDN, fonts, telemetry or AI proxy).
 * Debian's `chromium` package provides the browser; `.ci/run` installs it.
 */

const SCREENSHOT = join(ROOT, "tests/artifacts/swagger.png");

// Each test starts real processes; bun's 5 s default is too tight on a busy 2-core machine.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);
afterAll(cleanupE2E);

browserTest(
  "/swagger renders the API reference offline in headless Chromium",
  async () => {
    const server = await startServer();
    const context = await chromium.launchPersistentContext(makeTempDir(), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // Belt and braces: even requests the page router cannot see fail to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const local: string[] = [];
      const foreign: string[] = [];
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1") {
          local.push(url.pathname);
          return route.continue();
        }
        foreign.push(url.href);
        return route.abort("internetdisconnected");
      });

      const res = await page.goto(`${server.url}/swagger`);
      expect(res?.status()).toBe(200);
      await page.getByRole("heading", { name: "lightd", exact: true }).first().waitFor({ timeout: 15_000 });

      // Open the Tokens section the way a reader would, from the sidebar.
      await page.getByText("Tokens", { exact: true }).first().click();
      const operation = page.getByRole("heading", { name: "Create a programmatic token" }).first();
      await operation.waitFor({ timeout: 10_000 });
      await operation.scrollIntoViewIfNeeded();
      expect(await page.getByText("POST", { exact: true }).count()).toBeGreaterThan(0);
      expect(await page.getByText("/auth/tokens").count()).toBeGreaterThan(0);

      mkdirSync(join(ROOT, "tests/artifacts"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });

      expect(local).toContain("/swagger/assets/api-reference.js");
      expect(local).toContain("/swagger/json");
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  60_000,
);
