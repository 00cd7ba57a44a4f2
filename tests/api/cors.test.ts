import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config";
import { makeTestApp, type TestApp } from "../fixtures/harness";

const APP = "https://app.example.com";
const OTHER = "https://evil.example.net";

function preflight(t: TestApp, origin: string, method = "PUT") {
  return t.handle(
    new Request("http://localhost/files/docs/a.txt", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": method,
        "access-control-request-headers": "authorization, content-type",
      },
    }),
  );
}

describe("CORS with server.cors_origins", () => {
  let t: TestApp;
  beforeAll(() => {
    t = makeTestApp({ config: { server: { cors_origins: [APP, "http://127.0.0.1:5173"] } } });
  });
  afterAll(() => t.close());

  test("a listed origin's preflight is answered with the API's methods and headers, credentials allowed", async () => {
    const res = await preflight(t, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    const methods = res.headers.get("access-control-allow-methods")?.split(/,\s*/) ?? [];
    expect(methods).toEqual(expect.arrayContaining(["GET", "HEAD", "PUT", "POST", "DELETE"]));
    const headers = res.headers.get("access-control-allow-headers")?.toLowerCase().split(/,\s*/) ?? [];
    expect(headers).toEqual(
      expect.arrayContaining(["authorization", "content-type", "range", "if-match", "if-none-match"]),
    );
    expect(res.headers.get("vary")).toContain("Origin");
  });

  test("a listed origin's request gets its origin echoed (never *) and the headers it may read", async () => {
    const put = await t.request("PUT", "/files/docs/a.txt", { body: "hello", headers: { origin: APP } });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-allow-origin")).toBe(APP);
    expect(put.headers.get("access-control-allow-credentials")).toBe("true");
    const exposed = put.headers.get("access-control-expose-headers")?.split(/,\s*/) ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining([
        "ETag",
        "Location",
        "Content-Range",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Retry-After",
        "X-Request-Id",
      ]),
    );
    // Errors carry the grant too, so the page can read the JSON error.
    const missing = await t.request("GET", "/files/nope.txt", { headers: { origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(APP);
  });

  test("another origin gets no CORS headers, on preflight or request", async () => {
    for (const origin of [OTHER, "https://app.example.com.evil.net", "http://app.example.com", "null"]) {
      const pre = await preflight(t, origin);
      expect({ origin, acao: pre.headers.get("access-control-allow-origin") }).toEqual({ origin, acao: null });
      expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
      expect(pre.status).not.toBe(204);
      const get = await t.request("GET", "/files/stats", { headers: { origin } });
      expect(get.status).toBe(200);
      expect(get.headers.get("access-control-allow-origin")).toBeNull();
      expect(get.headers.get("vary")).toContain("Origin");
    }
  });

  test("a listed origin may send Last-Event-ID, so a page resumes the /events feed", async () => {
    const res = await preflight(t, APP, "GET");
    const headers = res.headers.get("access-control-allow-headers")?.toLowerCase().split(/,\s*/) ?? [];
    expect(headers).toContain("last-event-id");
  });

  test("the OAuth authorization endpoint gets no CORS headers, even for a listed origin (RFC 9700)", async () => {
    for (const method of ["GET", "POST"]) {
      const pre = await t.handle(
        new Request("http://localhost/oauth/authorize?client_id=x", {
          method: "OPTIONS",
          headers: { origin: APP, "access-control-request-method": method },
        }),
      );
      expect({ method, acao: pre.headers.get("access-control-allow-origin") }).toEqual({ method, acao: null });
      expect(pre.status).not.toBe(204);
    }
    const get = await t.request("GET", "/oauth/authorize?client_id=x", { headers: { origin: APP } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    expect(get.headers.get("vary")).toContain("Origin");
    // The token endpoint beside it keeps CORS: browser apps redeem their codes there.
    const token = await t.handle(
      new Request("http://localhost/oauth/token", {
        method: "OPTIONS",
        headers: { origin: APP, "access-control-request-method": "POST" },
      }),
    );
    expect(token.headers.get("access-control-allow-origin")).toBe(APP);
  });

  test("requests without Origin are untouched", async () => {
    const res = await t.request("GET", "/files/stats");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("vary")).toBeNull();
  });
});

describe("CORS configuration", () => {
  test("off by default: no origin gets CORS headers", async () => {
    const t = makeTestApp();
    try {
      const res = await preflight(t, APP);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      const get = await t.request("GET", "/files/stats", { headers: { origin: APP } });
      expect(get.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await t.close();
    }
  });

  test("only exact origins are accepted: no *, paths or trailing slashes", () => {
    const base = { authorization: { token: "lightd_test_master_token_0123456789" }, signing_secret: "x".repeat(32) };
    const parsed = parseConfig({ ...base, server: { cors_origins: [APP, "http://127.0.0.1:8080"] } }, "c");
    expect(parsed.server.cors_origins).toEqual([APP, "http://127.0.0.1:8080"]);
    expect(parseConfig(base, "c").server.cors_origins).toEqual([]);
    for (const bad of [
      "*",
      "https://app.example.com/",
      "https://app.example.com/path",
      "app.example.com",
      "https://*.example.com",
    ]) {
      expect(() => parseConfig({ ...base, server: { cors_origins: [bad] } }, "c")).toThrow(/cors_origins/);
    }
  });
});
