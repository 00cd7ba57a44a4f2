import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";

const clock = { now: 1_700_000_000_000 };

forEachBackend(shareTests);

function shareTests(backend: Backend) {
  const t = makeTestApp({ backend, now: () => clock.now });
  afterAll(() => t.close());

  const follow = (url: string, init: RequestInit = {}) => t.follow(url, init);

  async function share(body: unknown) {
    const res = await t.request("POST", "/files/share", { json: body });
    // biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  /** Opens a share link as an anonymous visitor: 302 (to lightd's /blobs or the bucket), then the bytes. */
  async function open(url: string): Promise<Response> {
    const res = await follow(url);
    if (res.status !== 302) return res;
    expect(res.headers.get("location")).toContain(backend.servesDownloads ? "/blobs/" : "X-Amz-Signature=");
    return follow(res.headers.get("location") as string);
  }

  beforeAll(async () => {
    const res = await t.request("PUT", "/files/docs/report.pdf", {
      body: "%PDF shared",
      headers: { "content-type": "application/pdf" },
    });
    expect(res.status).toBe(200);
    await t.request("POST", "/files/mkdir", { json: { path: "docs/folder/" } });
  });

  describe("POST /files/share", () => {
    test("201 with url, token, expires_at (Unix ms), ttl; default ttl 3600", async () => {
      const { status, body } = await share({ path: "docs/report.pdf" });
      expect(status).toBe(201);
      expect(body).toEqual({
        id: expect.any(String),
        url: `http://localhost/s/${body.token}`,
        token: expect.any(String),
        expires_at: clock.now + 3600 * 1000,
        ttl: 3600,
        max_downloads: null,
      });
      expect(body.token.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits of randomness
    });

    test("the link works with no auth: 302 → the bytes with their type", async () => {
      const { body } = await share({ path: "docs/report.pdf" });
      const redirect = await follow(body.url);
      expect(redirect.status).toBe(302);
      const res = await open(body.url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("%PDF shared");
      expect(res.headers.get("content-type")).toBe("application/pdf");
    });

    test("every share gets its own token", async () => {
      const a = await share({ path: "docs/report.pdf" });
      const b = await share({ path: "docs/report.pdf" });
      expect(a.body.token).not.toBe(b.body.token);
    });

    test("the token is not stored in plain text", async () => {
      // A share of its own: the other tests that make shares may not have run yet.
      const { status, body } = await share({ path: "docs/report.pdf" });
      expect(status).toBe(201);
      const rows = t.db.query("SELECT * FROM shares").all() as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThan(0);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain("lightd_shr_");
      expect(dump).not.toContain(body.token);
    });

    test.each([
      [1, 1],
      [60, 60],
      [604_800, 604_800],
    ])("ttl %d is accepted", async (ttl, expected) => {
      const { status, body } = await share({ path: "docs/report.pdf", ttl });
      expect(status).toBe(201);
      expect(body.ttl).toBe(expected);
      expect(body.expires_at).toBe(clock.now + expected * 1000);
    });

    test.each([
      ["ttl 604801 (over 7 days)", { path: "docs/report.pdf", ttl: 604_801 }],
      ["ttl 0", { path: "docs/report.pdf", ttl: 0 }],
      ["negative ttl", { path: "docs/report.pdf", ttl: -5 }],
      ["fractional ttl", { path: "docs/report.pdf", ttl: 1.5 }],
      ["ttl as a word", { path: "docs/report.pdf", ttl: "1h" }],
      ["max_downloads 0", { path: "docs/report.pdf", max_downloads: 0 }],
      ["max_downloads fractional", { path: "docs/report.pdf", max_downloads: 1.5 }],
      ["a path escaping upwards", { path: "docs/../secret.txt" }],
      ["no path", {}],
      ["path as an array", { path: ["docs/report.pdf"] }],
    ])("%s → 400 bad_request", async (_name, body) => {
      const res = await share(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("bad_request");
    });

    test("a folder named without its trailing / is not a file → 404", async () => {
      expect((await share({ path: "docs/folder" })).status).toBe(404);
    });

    test("a missing file → 404", async () => {
      const res = await share({ path: "docs/missing.pdf" });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("not_found");
    });

    test("no token → 401", async () => {
      const res = await t.request("POST", "/files/share", { token: null, json: { path: "docs/report.pdf" } });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("unauthorized");
    });
  });

  test("a folder named without its trailing / is 404 saying how to name it, for a share and for metadata", async () => {
    const { status, body } = await share({ path: "docs/folder" });
    expect(status).toBe(404);
    expect(body).toEqual({
      error: "not_found",
      message: "File not found: docs/folder/ is a folder (folder paths end in /)",
    });
    const meta = await t.request("GET", "/files/docs/folder", { headers: { accept: "application/json" } });
    expect(meta.status).toBe(404);
    expect(((await meta.json()) as { message: string }).message).toContain("docs/folder/ is a folder");
    expect(((await share({ path: "docs/nothing" })).body as { message: string }).message).toBe("File not found");
  });

  describe("GET /s/{token}", () => {
    test.each([
      ["unknown token", "lightd_shr_0000000000000000000000000000000000"],
      ["garbage", "nope"],
      ["long", "x".repeat(200)],
      ["very long", "x".repeat(5000)],
    ])("%s → 401 JSON", async (_name, token) => {
      const res = await t.request("GET", `/s/${token}`, { token: null });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = await res.json();
      expect(Object.keys(body).sort()).toEqual(["error", "message"]);
      expect(body.error).toBe("unauthorized");
    });

    test("an expired link → 401; still valid one second before", async () => {
      const { body } = await share({ path: "docs/report.pdf", ttl: 60 });
      clock.now += 59_000;
      expect((await open(body.url)).status).toBe(200);
      clock.now += 1_000;
      const res = await follow(body.url);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("unauthorized");
    });

    test("the link dies with its file's deletion: answered like an unknown link", async () => {
      await t.request("PUT", "/files/live.txt", { body: "v1" });
      const { body } = await share({ path: "live.txt" });
      expect(await (await open(body.url)).text()).toBe("v1");
      await t.request("DELETE", "/files/live.txt");
      const gone = await follow(body.url);
      expect(gone.status).toBe(401);
      expect(await gone.json()).toEqual({ error: "unauthorized", message: "Invalid or expired share link" });
      // A new file at the same path is not the shared one.
      await t.request("PUT", "/files/live.txt", { body: "v1 again" });
      expect((await follow(body.url)).status).toBe(401);
    });

    test("a bearer token on the share link is not needed and not harmful", async () => {
      const { body } = await share({ path: "docs/report.pdf" });
      const res = await t.request("GET", new URL(body.url).pathname, { token: "lightd_not_a_real_token_at_all" });
      expect(res.status).toBe(302);
    });
  });
}
