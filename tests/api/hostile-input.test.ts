import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { checkScenario, type Scenario } from "../fixtures/scenario";

/**
 * Input that once broke lightd: each answers a clear 4xx (never 500), routing ignores the
 * Host header, folder operations reach every child, and authentication comes before validation.
 */

let t: TestApp;
beforeEach(() => {
  t = makeTestApp();
});
afterEach(() => t.close());

const json = { accept: "application/json" };
/** U+10FFFF, the largest character a name may hold, percent-encoded. */
const LAST_CHAR = "%F4%8F%BF%BF";

describe("folder operations cover every child", () => {
  test(`DELETE /files/d/ removes d/${LAST_CHAR}x and d/${LAST_CHAR}/deeper`, async () => {
    for (const path of [`d/${LAST_CHAR}x`, `d/${LAST_CHAR}/deeper.txt`, "d/plain.txt", "d0.txt"]) {
      expect((await t.request("PUT", `/files/${path}`, { body: "x" })).status).toBe(200);
    }
    const deleted = await t.request("DELETE", "/files/d/");
    // `deleted` counts files: d/…x, d/…/deeper.txt and d/plain.txt (the folders d/ and d/…/ go too).
    expect(await deleted.json()).toMatchObject({ deleted: 3 });
    expect((await t.request("GET", `/files/d/${LAST_CHAR}x`, { headers: json })).status).toBe(404);
    expect(await (await t.request("GET", "/files/stats")).json()).toMatchObject({ files: 1, bytes: 1 });
    const left = await (await t.request("GET", "/files")).json();
    expect(left.entries.map((e: { path: string }) => e.path)).toEqual(["d0.txt"]);
  });

  test(`moving folder d/ to e/ takes d/${LAST_CHAR}x along`, async () => {
    expect((await t.request("PUT", `/files/d/${LAST_CHAR}x`, { body: "x" })).status).toBe(200);
    expect((await t.request("POST", "/files/move", { json: { from: "d/", to: "e/" } })).status).toBe(200);
    expect((await t.request("GET", `/files/d/${LAST_CHAR}x`, { headers: json })).status).toBe(404);
    expect(await (await t.request("GET", `/files/e/${LAST_CHAR}x`, { headers: json })).json()).toMatchObject({
      path: "e/\u{10FFFF}x",
    });
    const listed = await (await t.request("GET", "/files?prefix=e/")).json();
    expect(listed.entries.map((e: { name: string }) => e.name)).toEqual(["\u{10FFFF}x"]);
    const found = await (await t.request("GET", `/files/search?q=${LAST_CHAR}x`)).json();
    expect(found.results.map((r: { path: string }) => r.path)).toEqual(["e/\u{10FFFF}x"]);
    const log = await (await t.request("GET", "/files/log?path=e/")).json();
    expect(log.events.map((e: { action: string }) => e.action)).toEqual(["move"]);
  });
});

test("routing does not depend on the Host header: a short host reaches every route", async () => {
  expect((await t.request("PUT", "/files/docs/a.txt", { body: "hello" })).status).toBe(200);
  for (const origin of ["http://nas", "http://a", "http://ab:1", "http://[::1]"]) {
    const auth = { authorization: `Bearer ${t.master}` };
    const ping = await t.handle(new Request(`${origin}/api/v1/public/ping`));
    expect({ origin, status: ping.status }).toEqual({ origin, status: 200 });
    const file = await t.handle(new Request(`${origin}/files/docs/a.txt`, { headers: { ...auth, ...json } }));
    expect({ origin, body: await file.json() }).toMatchObject({ origin, body: { path: "docs/a.txt" } });
    const list = await t.handle(new Request(`${origin}/files?prefix=docs/&limit=5`, { headers: auth }));
    expect({ origin, status: list.status }).toEqual({ origin, status: 200 });
  }
});

describe("authentication before validation, on every route with a query or body schema", () => {
  const anonymous: Scenario[] = [
    {
      name: "1,001-character message",
      method: "PUT",
      url: `/files/a.txt?message=${"m".repeat(1001)}`,
      body: "x",
      status: 401,
    },
    { name: "limit out of range", method: "GET", url: "/files?limit=1e20", status: 401 },
    { name: "missing q", method: "GET", url: "/files/search", status: 401 },
    { name: "negative since_tx", method: "GET", url: "/files/log?since_tx=-1", status: 401 },
    { name: "body of the wrong shape", method: "POST", url: "/files/mkdir", body: { path: 5 }, status: 401 },
    { name: "malformed JSON", method: "POST", url: "/files/move", body: "{", status: 401 },
    { name: "bad key id", method: "DELETE", url: "/auth/keys/%25", status: 401 },
    { name: "bad rotate body", method: "POST", url: "/auth/keys/x/rotate", body: { expires_in: "soon" }, status: 401 },
    { name: "bad account body", method: "POST", url: "/admin/accounts", body: [], status: 401 },
    { name: "bad token body", method: "POST", url: "/auth/tokens", body: { ttl: -5 }, status: 401 },
    {
      name: "undecodable session cookie",
      method: "GET",
      url: "/files",
      headers: { cookie: "lightd_session=%" },
      status: 401,
    },
  ];
  for (const s of anonymous) test(`anonymous ${s.method} ${s.url.slice(0, 40)} — ${s.name}`, () => checkScenario(t, s));

  test("with a credential the same message is a 400", async () => {
    const res = await t.request("PUT", `/files/a.txt?message=${"m".repeat(1001)}`, { body: "x" });
    expect(res.status).toBe(400);
  });
});

describe("bad numbers and text are 4xx, never 500", () => {
  const cases: [string, number][] = [
    ["/files?limit=1e20", 400],
    ["/files?limit=-1", 400],
    ["/files?limit=0", 400],
    ["/files?limit=1001", 400],
    ["/files?offset=1e308", 400],
    ["/files/log?since_tx=1e308", 400], // after the newest tx
    ["/files/log?limit=-1", 400],
    ["/files/search?q=a&limit=1e20", 400],
    ["/files/search?q=%00abc", 400],
  ];
  for (const [url, status] of cases) {
    test(`GET ${url} → ${status}`, () =>
      checkScenario(t, { name: url, method: "GET", url, headers: { authorization: `Bearer ${t.master}` }, status }));
  }
});

describe("a content type no client could send back is refused when the upload is created", () => {
  for (const contentType of ["text/plain; charset=é", "text/plain\u0000", "image/\u{1F600}", "text/plain\r\nx: y"]) {
    test(JSON.stringify(contentType), async () => {
      for (const url of ["/files/uploads", "/files/uploads/multipart"]) {
        const res = await t.request("POST", url, { json: { path: "a.txt", content_type: contentType } });
        expect({ url, status: res.status, body: await res.json() }).toMatchObject({
          url,
          status: 400,
          body: { error: "bad_request" },
        });
      }
    });
  }

  test("a printable type is still accepted and bound to the URL", async () => {
    const res = await t.request("POST", "/files/uploads", {
      json: { path: "a.txt", content_type: "text/plain; charset=utf-8" },
    });
    expect(await res.json()).toMatchObject({ content_type: "text/plain; charset=utf-8" });
  });
});

describe("a refused field says what it takes", () => {
  const cases: [string, string, unknown, string][] = [
    [
      "/auth/keys",
      "expires_in 0 (the seed's placeholder)",
      { expires_in: 0 },
      "'expires_in': expected an integer of at least 1",
    ],
    ["/auth/keys", "expires_in as text", { expires_in: "soon" }, "'expires_in': expected an integer of at least 1"],
    [
      "/auth/keys",
      "an unknown scope",
      { scopes: ["files:all"] },
      `'scopes.0': expected one of "files:read", "files:write"`,
    ],
    ["/files/share", "ttl 0", { path: "a.txt", ttl: 0 }, "'ttl': expected an integer from 1 to 604800"],
  ];
  for (const [url, name, body, words] of cases) {
    test(`POST ${url} with ${name}`, async () => {
      const res = await t.request("POST", url, { json: body });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe("bad_request");
      expect(answer.message).toContain(words);
    });
  }
});
