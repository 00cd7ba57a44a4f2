import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { cleanupE2E, ROOT, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The dashboard's guarantees a person cannot see but relies on: a page on another origin
 * cannot act with the signed-in cookie (CSRF), every page passes an axe-core scan with no
 * serious or critical violation, and every page fits a 360 px phone without sideways scrolling.
 */
setDefaultTimeout(120_000);
let server: RunningServer;
let master: string;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${master}`, ...init.headers } });

beforeAll(async () => {
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
  await api("/files/docs/keep.txt", { method: "PUT", body: "important" });
  await api("/files/docs/photo.svg", {
    method: "PUT",
    body: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    headers: { "content-type": "image/svg+xml" },
  });
}, 180_000);
afterAll(cleanupE2E);

browserTest("a page on another origin cannot use the signed-in session (CSRF)", async () => {
  const target = server.url;
  // The attacker's page: an auto-submitted form and no-cors fetches, the requests a hostile site can make.
  const attacker = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response(
        `<!doctype html><title>win a prize</title>
<form id="f" method="POST" action="${target}/files/mkdir" enctype="text/plain">
<input name='{"path":"pwned/","x":"' value='"}'></form>
<script>
fetch("${target}/auth/keys", { method: "POST", mode: "no-cors", credentials: "include",
  headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: "stolen" }) });
fetch("${target}/files/move", { method: "POST", mode: "no-cors", credentials: "include",
  headers: { "content-type": "text/plain" }, body: JSON.stringify({ from: "docs/keep.txt", to: "stolen.txt" }) });
setTimeout(() => document.getElementById("f").submit(), 300);
</script>`,
        { headers: { "content-type": "text/html" } },
      ),
  });
  const b = await openBrowser();
  try {
    await signInWithToken(b.page, server.url, master);
    const before = server.logs().length;
    const evil = await b.context.newPage();
    // "localhost" is another site than "127.0.0.1", as a hostile domain would be.
    await evil.goto(`http://localhost:${attacker.port}/`);
    await evil.waitForURL(/\/files\/mkdir/);
    const attempts = () =>
      server
        .logs()
        .slice(before)
        .filter((l) => ["/files/mkdir", "/auth/keys", "/files/move"].includes(l.path as string));
    // Wait until the server has answered all three forged requests.
    await server.waitForLog(() => attempts().length >= 3, 10_000);
    // Refused as a foreign origin (403) or as unauthenticated (401): never done, never a 500.
    for (const line of attempts()) expect([401, 403]).toContain(line.status as number);
    expect((await api("/files/pwned/", { method: "HEAD" })).status).toBe(404);
    expect(await (await api("/files/docs/keep.txt")).text()).toBe("important");
    const keys = (await (await api("/auth/keys")).json()) as { keys: { name: string }[] };
    expect(keys.keys.map((k) => k.name)).not.toContain("stolen");
    // The signed-in tab is still signed in: nothing was logged out or changed.
    await b.page.reload();
    await b.page.getByRole("link", { name: "docs", exact: true }).waitFor();
  } finally {
    await b.close();
    attacker.stop(true);
  }
});

const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

async function axe(page: Page): Promise<Violation[]> {
  // Injected through the DevTools protocol, not as an inline script (which the CSP forbids).
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: Violation[] }> } }).axe
      .run;
    return (await run(document)).violations;
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function fitsWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const PAGES: [string, string][] = [
  ["files", "Files"],
  ["shares", "Shares"],
  ["keys", "API keys"],
  ["tokens", "Programmatic tokens"],
  ["activity", "Activity"],
  ["admin", "Accounts"],
];

browserTest("axe-core: no serious or critical violations on any page; every page fits 360 px", async () => {
  for (const width of [1280, 360]) {
    const b = await openBrowser({ width, height: 780 });
    try {
      const page = b.page;
      await page.goto(`${server.url}/`);
      await page.getByRole("heading", { name: "Sign in to lightd" }).waitFor();
      const found: Record<string, Violation[]> = {};
      const overflow: Record<string, number> = {};
      found.signin = await axe(page);
      overflow.signin = await fitsWidth(page);
      await screenshot(page, `signin-${width}`);
      await signInWithToken(page, server.url, master);
      for (const [id, heading] of PAGES) {
        await page.goto(`${server.url}/#/${id}${id === "files" ? "/docs/" : ""}`);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        if (id === "files") await page.getByRole("button", { name: "keep.txt", exact: true }).waitFor();
        if (id === "activity") await page.getByText("upload").first().waitFor();
        found[id] = await axe(page);
        overflow[id] = await fitsWidth(page);
        await screenshot(page, `${id}-${width}`);
      }
      // A dialog open: the actions of a file.
      await page.goto(`${server.url}/#/files/docs/`);
      await page.getByRole("button", { name: "Actions for keep.txt" }).click();
      await page.getByRole("dialog").waitFor();
      found.dialog = await axe(page);
      overflow.dialog = await fitsWidth(page);
      await screenshot(page, `actions-${width}`);
      const summary = Object.entries(found).flatMap(([p, vs]) =>
        vs.map((v) => `${p}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
      );
      expect(summary).toEqual([]);
      expect(Object.entries(overflow).filter(([, px]) => px > 0)).toEqual([]);
      expect(b.foreign).toEqual([]);
      expect(b.problems).toEqual([]);
    } finally {
      await b.close();
    }
  }
});
