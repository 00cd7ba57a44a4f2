import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { cleanupE2E, ROOT, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, signInWithToken } from "../fixtures/browser";

/**
 * Uploading over a name that is taken: the dashboard uploads create-only, asks what to do
 * (one question for many files when told "the same for the others"), and replaces only the
 * version it asked about.
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
const text = async (path: string) => {
  const res = await api(`/files/${path}?redirect=false`);
  return res.status === 200 ? res.text() : `(${res.status})`;
};
const file = (name: string, body: string) => ({ name, mimeType: "text/plain", buffer: Buffer.from(body) });

const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Element) => Promise<Result> } }).axe;
    const result = await axe.run(document.querySelector("dialog[open]") as Element);
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  });
}

browserTest("upload over existing names: asked once for all, replaced with If-Match; keep both; skip", async () => {
  for (const name of ["a.txt", "b.txt"]) {
    expect((await api(`/files/clash/${name}`, { method: "PUT", body: `old ${name}` })).status).toBe(200);
  }
  const b = await openBrowser();
  const conditions: string[] = [];
  b.page.on("request", (r) => {
    const h = r.headers();
    if (r.method() === "PUT" && r.url().includes("/files/clash/")) {
      conditions.push(
        `${decodeURIComponent(new URL(r.url()).pathname)} ${h["if-match"] ?? `none-match ${h["if-none-match"]}`}`,
      );
    }
  });
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "clash" }).click();
    await page.getByRole("button", { name: "Actions for a.txt" }).waitFor();
    let asked = 0;
    await page.exposeFunction("dialogShown", () => asked++);
    await page.evaluate(() => {
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes)
            if (n instanceof HTMLDialogElement) (window as never as { dialogShown: () => void }).dialogShown();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });

    // Three files, two of them taken: one question, answered for all.
    await page
      .getByLabel("Files to upload")
      .setInputFiles([file("a.txt", "new a"), file("b.txt", "new b"), file("c.txt", "new c")]);
    const question = page.getByRole("dialog", { name: /already exists/ });
    await question.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await question.getByLabel(/Do the same for the other files/).check();
    await question.getByRole("button", { name: "Replace" }).click();
    await page.getByText(/Uploads complete/).waitFor();
    expect(asked).toBe(1);
    expect([await text("clash/a.txt"), await text("clash/b.txt"), await text("clash/c.txt")]).toEqual([
      "new a",
      "new b",
      "new c",
    ]);
    // Every first attempt was create-only; each replace named the version it replaced.
    const etagA = (await api("/files/clash/a.txt", { method: "HEAD" })).headers.get("etag");
    expect(conditions.filter((c) => c.includes("none-match *")).length).toBe(3);
    expect(conditions.filter((c) => /^\/files\/clash\/[ab]\.txt "/.test(c)).length).toBe(2);
    expect(etagA).not.toBeNull();

    // Keep both: the upload gets a free name, the stored file is untouched.
    await page.getByLabel("Files to upload").setInputFiles([file("a.txt", "third a")]);
    await question.waitFor();
    await expect(question.getByLabel(/Do the same/).count()).resolves.toBe(0);
    await question.getByRole("button", { name: "Keep both" }).click();
    await page.getByRole("button", { name: "a (1).txt", exact: true }).waitFor();
    expect(await text("clash/a.txt")).toBe("new a");
    expect(await text("clash/a (1).txt")).toBe("third a");

    // Skip, and Escape (which also skips): nothing changes.
    await page.getByLabel("Files to upload").setInputFiles([file("b.txt", "fourth b")]);
    await question.getByRole("button", { name: "Skip" }).click();
    await page.getByRole("region", { name: "Uploads" }).getByText("Skipped").waitFor();
    await page.getByLabel("Files to upload").setInputFiles([file("b.txt", "fifth b")]);
    await question.waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("region", { name: "Uploads" }).getByText("Skipped").waitFor();
    expect(await text("clash/b.txt")).toBe("new b");
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});

browserTest("a large file over an existing name is asked about before any part is sent", async () => {
  expect((await api("/files/clash/big.bin", { method: "PUT", body: "old big" })).status).toBe(200);
  const b = await openBrowser();
  const sent: string[] = [];
  b.page.on("request", (r) => {
    if (r.method() === "PUT" && r.url().includes("/blobs/")) sent.push(r.url());
    if (r.method() === "POST" && r.url().includes("/files/uploads/multipart")) sent.push(new URL(r.url()).pathname);
  });
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "clash" }).click();
    await page.getByRole("button", { name: "Actions for big.bin" }).waitFor();
    // Over the multipart threshold (two 8 MiB parts), so it goes up in parts.
    const big = Buffer.alloc(17 * 1024 * 1024, 7);
    await page
      .getByLabel("Files to upload")
      .setInputFiles([{ name: "big.bin", mimeType: "application/octet-stream", buffer: big }]);
    const question = page.getByRole("dialog", { name: /already exists/ });
    await question.waitFor();
    expect(sent).toEqual(["/files/uploads/multipart"]);
    await question.getByRole("button", { name: "Replace" }).click();
    await page.getByText(/Uploads complete/).waitFor();
    const stored = await api("/files/clash/big.bin?redirect=false");
    expect(Number(stored.headers.get("content-length"))).toBe(big.length);
    await stored.body?.cancel();
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }
});
