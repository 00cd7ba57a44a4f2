import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { forEachBackend } from "../fixtures/backends";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Every route that takes a path, fed every kind of hostile path: each answers 400
 * `bad_request` before touching the database or the disk.
 */

interface Hostile {
  name: string;
  /** The decoded path, as a JSON body carries it; undefined when JSON cannot carry it. */
  value?: string;
  /** The percent-encoded form for URLs; undefined when a URL cannot carry it. */
  encoded?: string;
  /** False when URL parsing itself resolves the value away (dot segments in the URL path). */
  inUrlPath?: boolean;
  /** False when the value is a legitimate *name prefix* for listings (e.g. "." lists dotfiles). */
  asPrefix?: boolean;
}

const of = (name: string, value: string, extra: Partial<Hostile> = {}): Hostile => ({
  name,
  value,
  encoded: encodeURIComponent(value),
  ...extra,
});

const HOSTILE: Hostile[] = [
  of("..", "..", { inUrlPath: false }),
  of(".", ".", { inUrlPath: false, asPrefix: false }),
  of("a/../b", "a/../b"),
  of("../escape", "../../etc/passwd"),
  of("trailing ..", "a/.."),
  of("a/./b", "a/./b"),
  of("a//b", "a//b"),
  of("leading /", "/etc/passwd"),
  of("NUL", "a\u0000b"),
  of("control char %01", "a\u0001b"),
  of("DEL %7F", "a\u007fb"),
  of("newline", "a\nb.txt"),
  of("C1 control U+0085", "a\u0085b"),
  of("5 KB name", "x".repeat(5 * 1024)),
  of("1025 ASCII bytes", `${"ab/".repeat(341)}ab`),
  of("1026 UTF-8 bytes in 513 characters", "é".repeat(513)),
  { name: "invalid UTF-8 %C3%28", encoded: "a%C3%28" },
  { name: "invalid UTF-8 %FF", encoded: "%FF.txt" },
  { name: "truncated escape %E9", encoded: "caf%E9" },
  { name: "bare %", encoded: "100%" },
  { name: "lone surrogate in JSON", value: "\ud800.txt" },
];

interface Route {
  name: string;
  /** Builds the request for a hostile value, or null when this route cannot carry it. */
  build(h: Hostile): { method: string; url: string; json?: unknown } | null;
}

const inPath = (method: string) => (h: Hostile) =>
  h.encoded !== undefined && h.inUrlPath !== false ? { method, url: `/files/${h.encoded}` } : null;
const inBody = (url: string, body: (v: string) => unknown) => (h: Hostile) =>
  h.value !== undefined ? { method: "POST", url, json: body(h.value) } : null;
const inQuery = (url: string) => (h: Hostile) =>
  h.encoded !== undefined && h.asPrefix !== false ? { method: "GET", url: `${url}${h.encoded}` } : null;

const ROUTES: Route[] = [
  { name: "GET /files/*", build: inPath("GET") },
  { name: "HEAD /files/*", build: inPath("HEAD") },
  { name: "PUT /files/*", build: inPath("PUT") },
  { name: "DELETE /files/*", build: inPath("DELETE") },
  { name: "POST /files/mkdir", build: inBody("/files/mkdir", (v) => ({ path: `${v}/` })) },
  { name: "POST /files/move (from)", build: inBody("/files/move", (v) => ({ from: v, to: "ok.txt" })) },
  { name: "POST /files/move (to)", build: inBody("/files/move", (v) => ({ from: "existing.txt", to: v })) },
  { name: "POST /files/uploads", build: inBody("/files/uploads", (v) => ({ path: v })) },
  { name: "POST /files/uploads/complete", build: inBody("/files/uploads/complete", (v) => ({ path: v })) },
  {
    name: "POST /files/uploads/multipart",
    build: inBody("/files/uploads/multipart", (v) => ({ path: v, part_count: 2 })),
  },
  {
    name: "POST /files/uploads/multipart/complete",
    build: inBody("/files/uploads/multipart/complete", (v) => ({
      path: v,
      upload_id: "someupload",
      parts: [{ part_number: 1, etag: "x" }],
    })),
  },
  {
    name: "POST /files/uploads/multipart/abort",
    build: inBody("/files/uploads/multipart/abort", (v) => ({ path: v, upload_id: "someupload" })),
  },
  { name: "POST /files/share", build: inBody("/files/share", (v) => ({ path: v })) },
  { name: "GET /files?prefix=", build: inQuery("/files?prefix=") },
  { name: "GET /files/log?path=", build: inQuery("/files/log?path=") },
];

const t = makeTestApp();
afterAll(() => t.close());

function snapshot(app: TestApp) {
  const count = (table: string) => (app.db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  return {
    files: count("files"),
    events: count("events"),
    uploads: count("uploads"),
    shares: count("shares"),
    blobs: walk(join(app.dir, "data", "blobs")).length,
  };
}

beforeAll(async () => {
  expect((await t.request("PUT", "/files/existing.txt", { body: "keep" })).status).toBe(200);
});

type HostileRequest = NonNullable<ReturnType<Route["build"]>>;
const ROWS = ROUTES.flatMap((route) =>
  HOSTILE.flatMap((hostile) => {
    const request = route.build(hostile);
    return request ? [{ name: `${route.name} — ${hostile.name}`, request }] : [];
  }),
);

const send = (request: HostileRequest) =>
  t.request(request.method, request.url, {
    ...(request.json === undefined ? {} : { json: request.json }),
    ...(request.method === "PUT" ? { body: "hostile bytes" } : {}),
  });

describe("hostile paths → 400 bad_request on every path-taking route", () => {
  for (const { name, request } of ROWS) {
    test(name, async () => {
      const res = await send(request);
      expect(res.status).toBe(400);
      if (request.method === "HEAD") {
        expect(await res.text()).toBe("");
        return;
      }
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = await res.json();
      expect(body.error).toBe("bad_request");
      expect(Object.keys(body).sort()).toEqual(["error", "message"]);
    });
  }

  // Sends every row itself: the rows above run in any order, between tests that do change the store.
  test("all of them: no file, event, upload, share or stored byte was created", async () => {
    const before = snapshot(t);
    for (const { request } of ROWS) expect((await send(request)).status).toBe(400);
    expect(snapshot(t)).toEqual(before);
    expect(readdirSync(join(t.dir, "data", "blobs", "multipart"))).toEqual([]);
  });
});

describe("the empty path", () => {
  test.each([
    ["mkdir", "/files/mkdir", { path: "" }],
    ["mkdir of /", "/files/mkdir", { path: "/" }],
    ["move from", "/files/move", { from: "", to: "x.txt" }],
    ["move to", "/files/move", { from: "existing.txt", to: "" }],
    ["uploads", "/files/uploads", { path: "" }],
    ["share", "/files/share", { path: "" }],
  ])("%s → 400", async (_name, url, json) => {
    const res = await t.request("POST", url, { json });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe("bad_request");
  });
});

// Hostile paths are refused before any store is touched; odd but legal names reach the
// store and come back in the download's Content-Disposition, so they run on every backend.
forEachBackend((backend) =>
  describe("legitimate odd names are accepted", () => {
    const t = makeTestApp({ backend });
    afterAll(() => t.close());
    test.each([
      ["spaces and unicode", "my docs/résumé 2024 (final).pdf"],
      ["dotfile", ".env"],
      ["dots inside a name", "a..b/...txt"],
      ["percent sign", "100% done.txt"],
      ["plus and ampersand", "a+b&c=d.txt"],
      ["question mark and hash", "what?#1.txt"],
      ["emoji", "📁/🎉.txt"],
      ["exactly 1024 bytes", `${"ab/".repeat(340)}${"x".repeat(4)}`],
    ])("%s", async (_name, path) => {
      expect(new TextEncoder().encode(path).byteLength).toBeLessThanOrEqual(1024);
      const url = `/files/${path.split("/").map(encodeURIComponent).join("/")}`;
      const put = await t.request("PUT", url, { body: path });
      expect(put.status).toBe(200);
      expect((await put.json()).path).toBe(path);
      const get = await t.request("GET", url);
      expect(get.status).toBe(302);
      const bytes = await t.follow(get.headers.get("location") as string);
      expect(await bytes.text()).toBe(path);
      const folder = path.slice(0, path.lastIndexOf("/") + 1);
      const list = await (await t.request("GET", `/files?prefix=${encodeURIComponent(folder)}`)).json();
      expect(list.entries.map((e: { path: string }) => e.path)).toContain(path);
      expect((await t.request("DELETE", url)).status).toBe(200);
    });
  }),
);

describe("NFC: composed and decomposed spellings are the same file", () => {
  const NFD = "cafe\u0301/re\u0301sume\u0301.txt";
  const NFC = "caf\u00e9/r\u00e9sum\u00e9.txt";
  const enc = (p: string) => p.split("/").map(encodeURIComponent).join("/");

  test("e\\u0301.txt and \\u00e9.txt", async () => {
    const put = await t.request("PUT", `/files/${enc("e\u0301.txt")}`, { body: "decomposed" });
    expect(put.status).toBe(200);
    expect((await put.json()).path).toBe("\u00e9.txt");
    const meta = await t.request("GET", `/files/${enc("\u00e9.txt")}`, { headers: { accept: "application/json" } });
    expect(meta.status).toBe(200);
    expect((await meta.json()).size).toBe("decomposed".length);
    // Overwriting with the other spelling replaces, not duplicates.
    await t.request("PUT", `/files/${enc("\u00e9.txt")}`, { body: "composed" });
    const list = await (await t.request("GET", "/files")).json();
    expect(list.entries.filter((e: { name: string }) => e.name.normalize("NFC") === "\u00e9.txt")).toHaveLength(1);
    expect((await t.request("DELETE", `/files/${enc("e\u0301.txt")}`)).status).toBe(200);
    expect((await t.request("GET", `/files/${enc("\u00e9.txt")}`)).status).toBe(404);
  });

  test("uploaded as NFD, found, listed, moved, shared and logged as NFC", async () => {
    const stats0 = await (await t.request("GET", "/files/stats")).json();
    expect((await t.request("PUT", `/files/${enc(NFD)}`, { body: "cv" })).status).toBe(200);
    expect((await t.request("PUT", `/files/${enc(NFC)}`, { body: "cv2" })).status).toBe(200);
    const stats1 = await (await t.request("GET", "/files/stats")).json();
    expect(stats1.files).toBe(stats0.files + 1);

    const mkdir = await (await t.request("POST", "/files/mkdir", { json: { path: "cafe\u0301/" } })).json();
    expect(mkdir).toMatchObject({ path: "caf\u00e9/", created: false });

    const list = await (await t.request("GET", `/files?prefix=${encodeURIComponent("cafe\u0301/")}`)).json();
    expect(list.prefix).toBe("caf\u00e9/");
    expect(list.entries.map((e: { path: string }) => e.path)).toEqual([NFC]);

    const search = await (await t.request("GET", `/files/search?q=${encodeURIComponent("re\u0301sume\u0301")}`)).json();
    expect(search.results.map((r: { path: string }) => r.path)).toEqual([NFC]);

    const log = await (await t.request("GET", `/files/log?path=${encodeURIComponent(NFD)}`)).json();
    expect(log.events.map((e: { path: string }) => e.path)).toEqual([NFC, NFC]);

    const share = await t.request("POST", "/files/share", { json: { path: NFD } });
    expect(share.status).toBe(201);

    const move = await t.request("POST", "/files/move", { json: { from: NFD, to: "cafe\u0301/moved.txt" } });
    expect(move.status).toBe(200);
    expect(await move.json()).toMatchObject({ from: NFC, to: "caf\u00e9/moved.txt" });
    const del = await t.request("DELETE", `/files/${enc("cafe\u0301/")}`);
    expect(del.status).toBe(200);
  });
});
