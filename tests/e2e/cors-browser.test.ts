import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { cleanupE2E, ensureBinary, makeTempDir, startServer } from "../fixtures/binary";
import { browserTest, CHROMIUM } from "../fixtures/browser";

/**
 * CORS as a browser sees it: a page from another origin (another port on 127.0.0.1) calls
 * lightd with `Authorization: Bearer`, which makes Chromium send a preflight first. Listed
 * in `server.cors_origins`, the page can upload, read the answer and its ETag; not listed,
 * Chromium blocks the call. Debian's `chromium` package provides the browser (.ci/run).
 */

const MASTER = "lightd_cors_browser_master_0123456789";

setDefaultTimeout(60_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);
afterAll(cleanupE2E);

/** A page server on its own port: a different origin from lightd's. */
function pageServer() {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("<!doctype html><title>app</title><p>app", { headers: { "content-type": "text/html" } }),
  });
}

/** What the page's script saw: the answers it could read, or the error the browser raised. */
type Outcome =
  | { ok: true; status: number; requestId: string | null; body: string; stats: unknown }
  | { ok: false; error: string };

async function callFromPage(pageUrl: string, api: string): Promise<Outcome> {
  const context = await chromium.launchPersistentContext(makeTempDir(), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(pageUrl);
    const outcome = (await page.evaluate(
      async ({ api, token }) => {
        try {
          const auth = { authorization: `Bearer ${token}` };
          const put = await fetch(`${api}/files/notes/hello.txt`, {
            method: "PUT",
            headers: { ...auth, "content-type": "text/plain" },
            body: "hello from another origin",
          });
          const body = await put.text();
          const stats = await (await fetch(`${api}/files/stats`, { headers: auth })).json();
          return { ok: true, status: put.status, requestId: put.headers.get("x-request-id"), body, stats };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { api, token: MASTER },
    )) as Outcome;
    return outcome;
  } finally {
    await context.close();
  }
}

browserTest("a page on a listed origin can call the API with a Bearer token; another origin is blocked", async () => {
  const allowedPage = pageServer();
  const otherPage = pageServer();
  try {
    const allowedOrigin = `http://127.0.0.1:${allowedPage.port}`;
    const dir = makeTempDir();
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        authorization: { token: MASTER },
        server: { cors_origins: [allowedOrigin] },
        signing_secret: "cors-browser-signing-secret-0123456789abcdef",
      }),
    );
    const server = await startServer({ dir });

    const allowed = await callFromPage(`${allowedOrigin}/`, server.url);
    expect(allowed).toMatchObject({ ok: true, status: 200, stats: { files: 1 } });
    if (allowed.ok) {
      expect(JSON.parse(allowed.body)).toMatchObject({ path: "notes/hello.txt", size: 25 });
      // An exposed header is readable from the page.
      expect(allowed.requestId).toBeTruthy();
    }
    // Chromium asked first: lightd's log shows the preflights it answered (PUT, then GET with Authorization).
    const answered = server.logs().filter((l) => l.msg === "request" && l.method === "OPTIONS");
    expect(answered.map((l) => l.status)).toEqual([204, 204]);

    const blocked = await callFromPage(`http://127.0.0.1:${otherPage.port}/`, server.url);
    expect(blocked.ok).toBe(false);
    if (!blocked.ok) expect(blocked.error).toContain("Failed to fetch");
    // The blocked page never got to send its upload: still one file.
    const stats = await fetch(`${server.url}/files/stats`, { headers: { authorization: `Bearer ${MASTER}` } });
    expect(await stats.json()).toMatchObject({ files: 1 });
  } finally {
    allowedPage.stop(true);
    otherPage.stop(true);
  }
});
