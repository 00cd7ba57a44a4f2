import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser } from "../fixtures/browser";

/**
 * A share link that no longer works, opened in a browser, is a short page saying so (with the
 * same status); scripts asking for JSON, and curl's any-type default, still get the JSON error.
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

async function share(path: string, extra: Record<string, unknown> = {}): Promise<{ id: string; url: string }> {
  const res = await api("/files/share", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path, ...extra }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string };
}

browserTest("revoked or used-up share link: a readable page in a browser, JSON for API clients", async () => {
  expect((await api("/files/shared/report.txt", { method: "PUT", body: "report" })).status).toBe(200);
  const revoked = await share("shared/report.txt");
  expect((await api(`/files/shares/${revoked.id}`, { method: "DELETE" })).status).toBe(200);
  const usedUp = await share("shared/report.txt", { max_downloads: 1 });
  expect((await fetch(usedUp.url, { redirect: "manual" })).status).toBe(302);

  const b = await openBrowser();
  try {
    for (const link of [revoked.url, usedUp.url]) {
      const response = await b.page.goto(link);
      expect(response?.status()).toBe(401);
      expect(response?.headers()["content-type"]).toStartWith("text/html");
      expect(response?.headers().vary).toContain("accept");
      await b.page.getByRole("heading", { name: "This link no longer works" }).waitFor();
      const page = await b.page.evaluate(() => ({
        text: document.body.textContent ?? "",
        scripts: document.scripts.length,
      }));
      expect(page.scripts).toBe(0);
      expect(page.text).toContain("Invalid or expired share link");
      expect(page.text).not.toContain('"error"');
    }
    expect(b.foreign).toEqual([]);
    expect(b.problems).toEqual([]);
  } catch (error) {
    throw await b.explain(error);
  } finally {
    await b.close();
  }

  for (const accept of ["application/json", "*/*", "application/json, text/html;q=0.5"]) {
    const res = await fetch(revoked.url, { headers: { accept } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(await res.json()).toEqual({ error: "unauthorized", message: "Invalid or expired share link" });
  }
  // Anything else of the API keeps its JSON errors, even for a browser.
  const other = await fetch(`${server.url}/files/nothing.txt`, { headers: { accept: "text/html" } });
  expect(other.headers.get("content-type")).toStartWith("application/json");
});
