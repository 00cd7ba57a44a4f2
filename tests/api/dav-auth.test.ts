import { afterAll, describe, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Who may use /dav/ and how: HTTP Basic only where the password does not travel in clear
 * text, Bearer anywhere, scopes as on the REST routes. In-process requests carry no
 * client address, so they count as "not loopback" unless the URL or a trusted proxy says TLS.
 */

const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});
const make = (config: Record<string, unknown> = {}) => {
  const app = makeTestApp({ config });
  apps.push(app);
  return app;
};

const basic = (token: string) => `Basic ${Buffer.from(`any-user:${token}`).toString("base64")}`;
const propfind = (t: TestApp, url: string, headers: Record<string, string>) =>
  t.handle(new Request(url, { method: "PROPFIND", headers: { depth: "0", ...headers } }));

describe("HTTP Basic over plain HTTP", () => {
  const t = make();

  test("refused from a client that is not on loopback, with a reason", async () => {
    const res = await propfind(t, "http://files.example/dav/", { authorization: basic(t.master) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain("allow_basic_over_http");
  });

  test("accepted over TLS: a proxy's X-Forwarded-Proto: https counts only with server.trust_proxy", async () => {
    const headers = { authorization: basic(t.master), "x-forwarded-proto": "https" };
    expect((await propfind(t, "http://files.example/dav/", headers)).status).toBe(403);
    const proxied = make({ server: { trust_proxy: true } });
    const viaProxy = { ...headers, authorization: basic(proxied.master) };
    expect((await propfind(proxied, "http://files.example/dav/", viaProxy)).status).toBe(207);
  });

  test("webdav.allow_basic_over_http: true accepts it anywhere", async () => {
    const open = make({ webdav: { allow_basic_over_http: true } });
    expect((await propfind(open, "http://files.example/dav/", { authorization: basic(open.master) })).status).toBe(207);
  });

  test("the 401 challenge offers Basic only where it would be accepted", async () => {
    const plain = await propfind(t, "http://files.example/dav/", {});
    expect(plain.status).toBe(401);
    expect(plain.headers.get("www-authenticate")).toBe('Bearer realm="lightd"');
    const proxied = make({ server: { trust_proxy: true } });
    const tls = await propfind(proxied, "http://files.example/dav/", { "x-forwarded-proto": "https" });
    expect(tls.status).toBe(401);
    expect(tls.headers.get("www-authenticate")).toBe('Basic realm="lightd"');
  });

  test("Bearer works over plain HTTP; a malformed or unknown scheme is 401", async () => {
    expect((await propfind(t, "http://files.example/dav/", { authorization: `Bearer ${t.master}` })).status).toBe(207);
    const open = make({ webdav: { allow_basic_over_http: true } });
    expect((await propfind(open, "http://files.example/dav/", { authorization: "Basic !!!" })).status).toBe(401);
    expect((await propfind(open, "http://files.example/dav/", { authorization: "Digest x" })).status).toBe(401);
    const wrong = await propfind(open, "http://files.example/dav/", {
      authorization: basic("lightd_not_a_real_token_000"),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="lightd"');
  });
});

describe("scopes as on the REST routes", () => {
  const t = make();

  test("a read-only key lists and downloads but cannot write or delete", async () => {
    await t.request("PUT", "/dav/a.txt", { body: "a" });
    const key = await t.request("POST", "/auth/keys", { json: { name: "ro", scopes: ["files:read"] } });
    const token = ((await key.json()) as { token: string }).token;
    const as = (method: string, path: string, headers: Record<string, string> = {}) =>
      t.request(method, `/dav/${path}`, { token, headers });
    expect((await as("PROPFIND", "", { depth: "1" })).status).toBe(207);
    expect((await as("GET", "a.txt")).status).toBe(200);
    expect((await as("PUT", "b.txt")).status).toBe(403);
    expect((await as("MKCOL", "d/")).status).toBe(403);
    expect((await as("DELETE", "a.txt")).status).toBe(403);
    expect((await as("LOCK", "a.txt")).status).toBe(403);
  });

  test("overwriting by COPY needs files:delete as well", async () => {
    await t.request("PUT", "/dav/a.txt", { body: "a" });
    await t.request("PUT", "/dav/b.txt", { body: "b" });
    const key = await t.request("POST", "/auth/keys", {
      json: { name: "rw", scopes: ["files:read", "files:write"] },
    });
    const token = ((await key.json()) as { token: string }).token;
    const copy = (overwrite: string) =>
      t.request("COPY", "/dav/a.txt", { token, headers: { destination: "/dav/b.txt", overwrite } });
    expect((await copy("T")).status).toBe(403);
    expect((await t.request("COPY", "/dav/a.txt", { token, headers: { destination: "/dav/c.txt" } })).status).toBe(201);
  });
});
