import { afterAll, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { makeTestApp } from "../fixtures/harness";

const t = makeTestApp();
afterAll(() => t.close());

test("GET / serves the dashboard page with a strict CSP and no framing", async () => {
  const res = await t.request("GET", "/", { token: null, headers: { accept: "text/html" } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/html");
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toMatch(/(^|\s)\*/);
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  const html = await res.text();
  // No inline script: the only script is an external, same-origin module.
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).toContain('href="/swagger"');
});

test("assets come from the server itself, gzip when asked, and unknown names are a JSON 404", async () => {
  const html = await (await t.request("GET", "/", { token: null })).text();
  const paths = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  expect(paths.length).toBe(2);
  for (const path of paths) {
    const res = await t.request("GET", path, { token: null, headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(gunzipSync(new Uint8Array(await res.arrayBuffer())).length).toBeGreaterThan(100);
  }
  const missing = await t.request("GET", "/ui/assets/nope.js", { token: null });
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: "not_found" });
});

test("the dashboard adds no route that shadows the API", async () => {
  expect((await t.request("GET", "/files", { token: null })).status).toBe(401);
  expect((await t.request("GET", "/ui/files", { token: null })).status).toBe(404);
});
