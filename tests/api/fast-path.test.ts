import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { unlinkSync } from "node:fs";
import { createHandler } from "../../src/http/handler";
import { memoryLogger } from "../../src/lib/logger";
import { makeTestApp } from "../fixtures/harness";

/**
 * The hottest routes (a file's 302 and bytes, signed /blobs URLs, /auth/me, a file's upload)
 * are answered at the edge without the framework's dispatch. Every answer must be the app's own: the same status,
 * headers and body as the app's route gives. A query the edge does not take (`via=app`, which
 * every one of these routes ignores) sends the same request through the app, so each case
 * is asked both ways and the answers compared.
 */
const MAX_UPLOAD = 100_000;
const t = makeTestApp({ config: { server: { cors_origins: ["https://app.example"], max_upload_bytes: MAX_UPLOAD } } });
afterAll(() => t.close());

const CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz";
let reader = "";
let narrow = "";
let writerOnly = "";
let narrowWriter = "";
let etag = "";

async function mint(body: Record<string, unknown>): Promise<string> {
  const res = await t.request("POST", "/auth/keys", { json: { name: "k", ...body } });
  expect(res.status).toBe(201);
  return (await res.json()).token;
}

beforeAll(async () => {
  const put = await t.request("PUT", "/files/docs/a.txt", {
    body: CONTENT,
    headers: { "content-type": "text/plain" },
  });
  expect(put.status).toBe(200);
  expect(put.status).toBe(200);
  await t.request("PUT", "/files/gone.txt", { body: "bytes that will vanish" });
  await t.request("PUT", "/files/other/b.txt", { body: "b" });
  await t.request("POST", "/files/mkdir", { json: { path: "folder/" } });
  const meta = await t.request("GET", "/files/docs/a.txt", { headers: { accept: "application/json" } });
  etag = `"${(await meta.json()).etag}"`;
  reader = await mint({ scopes: ["files:read"] });
  narrow = await mint({ scopes: ["files:read"], prefix: "docs/" });
  writerOnly = await mint({ scopes: ["files:write"] });
  narrowWriter = await mint({ scopes: ["files:write"], prefix: "docs/" });
});

/** The request with `via=app` added: the edge leaves it to the app's router. */
function viaApp(path: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}via=app`;
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

async function answer(path: string, token: string | null, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await t.request("GET", path, { token, headers });
  const kept = [...res.headers]
    .filter(([name]) => name !== "x-request-id")
    // A signed URL carries its expiry (and so its signature): the rest must match.
    .map(([name, value]): [string, string] => [
      name,
      name === "location" ? value.replace(/&expires=\d+&sig=[\w-]+$/, "") : value,
    ]);
  return { status: res.status, headers: kept, body: await res.text() };
}

async function same(path: string, token: string | null, headers: Record<string, string> = {}): Promise<Answer> {
  const fast = await answer(path, token, headers);
  const app = await answer(viaApp(path), token, headers);
  expect(fast).toEqual(app);
  return fast;
}

async function signedBlobPath(): Promise<string> {
  const res = await t.request("GET", "/files/docs/a.txt");
  expect(res.status).toBe(302);
  return (res.headers.get("location") as string).replace(/^https?:\/\/[^/]+/, "");
}

test("the edge answers these requests itself, and leaves the rest to the app", async () => {
  const app = t.app;
  const original = app.handle;
  let reached = 0;
  app.handle = (request: Request) => {
    reached++;
    return original.call(app, request);
  };
  try {
    const blob = await signedBlobPath();
    reached = 0;
    for (const path of ["/files/docs/a.txt", "/files/docs/a.txt?redirect=false", blob, "/auth/me"]) {
      expect((await t.request("GET", path)).status).toBeLessThan(400);
    }
    expect(reached).toBe(0);
    expect((await t.request("PUT", "/files/edge/put.txt", { body: "x" })).status).toBe(200);
    expect(reached).toBe(0);
    for (const path of ["/files/docs/a.txt?via=app", "/files/stats", "/auth/me?via=app"]) {
      expect((await t.request("GET", path)).status).toBeLessThan(400);
    }
    expect((await t.request("PUT", "/files/edge/put.txt?message=kept", { body: "y" })).status).toBe(200);
    expect((await t.request("PUT", "/admin/accounts/admin/quota", { json: { bytes: null, files: null } })).status).toBe(
      200,
    );
    expect(reached).toBe(5);
    const log = await (await t.request("GET", "/files/log?path=edge/put.txt")).json();
    // The message went in with the app's upload; the edge's went in without one.
    expect(log.events.map((e: { msg: string | null }) => e.msg).sort()).toEqual(["kept", null]);
  } finally {
    app.handle = original;
  }
});

describe("GET /files/{path} at the edge answers as the app does", () => {
  const cases: [string, string, () => string | null, Record<string, string>, number][] = [
    ["the 302 to a signed URL", "/files/docs/a.txt", () => t.master, {}, 302],
    ["the bytes in one request", "/files/docs/a.txt?redirect=false", () => reader, {}, 200],
    ["octet-stream asked in Accept", "/files/docs/a.txt", () => reader, { accept: "application/octet-stream" }, 200],
    ["a range", "/files/docs/a.txt?redirect=false", () => reader, { range: "bytes=3-5" }, 206],
    ["a range past the end", "/files/docs/a.txt?redirect=false", () => reader, { range: "bytes=99-100" }, 416],
    ["an etag the client holds", "/files/docs/a.txt?redirect=false", () => reader, { "if-none-match": "*" }, 304],
    ["a missing file", "/files/docs/none.txt", () => reader, {}, 404],
    ["a folder", "/files/folder/", () => reader, {}, 400],
    ["a malformed path", "/files/docs//a.txt", () => reader, {}, 400],
    ["an encoded control character", "/files/docs/%00a.txt", () => reader, {}, 400],
    ["broken percent-encoding", "/files/docs/%zz.txt", () => reader, {}, 400],
    ["outside the key's prefix", "/files/other/b.txt", () => narrow, {}, 403],
    ["a key without files:read", "/files/docs/a.txt", () => writerOnly, {}, 403],
    ["no credential", "/files/docs/a.txt", () => null, {}, 401],
    ["a wrong credential", "/files/docs/a.txt", () => "lightd_nonsense", {}, 401],
    [
      "another API version in Accept",
      "/files/docs/a.txt",
      () => reader,
      { accept: "application/vnd.pkglatv9+json" },
      406,
    ],
    ["an allowed CORS origin", "/files/docs/a.txt", () => reader, { origin: "https://app.example" }, 302],
    ["a foreign origin", "/files/docs/a.txt", () => reader, { origin: "https://evil.example" }, 302],
    [
      "an error for an allowed CORS origin",
      "/files/docs/none.txt",
      () => reader,
      { origin: "https://app.example" },
      404,
    ],
    ["a refusal for an allowed CORS origin", "/files/docs/a.txt", () => null, { origin: "https://app.example" }, 401],
  ];
  for (const [what, path, token, headers, status] of cases) {
    test(`${what}: ${status}`, async () => {
      const got = await same(path, token(), headers);
      expect(got.status).toBe(status);
    });
  }

  test("the bytes are the file's, with its etag", async () => {
    const got = await same("/files/docs/a.txt?redirect=false", reader);
    expect(got.body).toBe(CONTENT);
    expect(got.headers).toContainEqual(["etag", etag]);
  });

  test("routes of the app under /files/ keep their requests", async () => {
    for (const path of ["/files/stats", "/files/log", "/files/search?q=a", "/files/versions?path=docs/a.txt"]) {
      const res = await t.request("GET", path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("application/json");
    }
  });

  test("JSON and HEAD are still the app's answers", async () => {
    const json = await t.request("GET", "/files/docs/a.txt", { headers: { accept: "application/json" } });
    expect(json.status).toBe(200);
    expect((await json.json()).path).toBe("docs/a.txt");
    const head = await t.request("HEAD", "/files/docs/a.txt");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(CONTENT.length));
  });

  test("every request is logged once, with its status, and echoes its id", async () => {
    // The edge as the server builds it, with the request log on.
    const logger = memoryLogger();
    const handle = createHandler(t.app, { maxBodyBytes: () => 1 << 20, logger, logRequests: () => true });
    const headers = { authorization: `Bearer ${reader}`, "x-request-id": "fast-1" };
    const res = await handle(new Request("http://localhost/files/docs/a.txt?redirect=false", { headers }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("fast-1");
    const denied = await handle(new Request("http://localhost/auth/me"));
    expect(denied.status).toBe(401);
    const lines = logger.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ request_id: "fast-1", method: "GET", path: "/files/docs/a.txt", status: 200 });
    expect(lines[1]).toMatchObject({ method: "GET", path: "/auth/me", status: 401 });
  });
});

describe("GET /blobs/{key} at the edge answers as the app does", () => {
  test("a signed URL: 200 with the bytes; a range: 206", async () => {
    const path = await signedBlobPath();
    expect((await same(path, null)).body).toBe(CONTENT);
    expect((await same(path, null, { range: "bytes=0-1" })).status).toBe(206);
  });

  test("a forged signature: 403; a key that needs decoding is the app's to decode", async () => {
    const path = await signedBlobPath();
    // The signature's first character changed to one it is not.
    const forged = path.replace(/sig=([\w-])/, (_, first: string) => `sig=${first === "A" ? "B" : "A"}`);
    expect(forged).not.toBe(path);
    expect((await same(forged, null)).status).toBe(403);
    expect((await same(path.replace("/blobs/", "/blobs/%41"), null)).status).toBe(403);
  });

  test("a signed parameter given twice: 403", async () => {
    const path = await signedBlobPath();
    const sig = new URLSearchParams(path.split("?")[1]).get("sig") as string;
    expect((await same(`${path}&sig=${sig}`, null)).status).toBe(403);
    expect((await same(`${path}&filename=a.txt`, null)).status).toBe(403);
  });

  test("the etag the client holds: 304 with the download's headers and no body", async () => {
    const path = await signedBlobPath();
    const got = await same(path, null, { "if-none-match": etag });
    expect(got.status).toBe(304);
    expect(got.body).toBe("");
    expect(got.headers).toContainEqual(["etag", etag]);
    expect(got.headers).toContainEqual(["x-content-type-options", "nosniff"]);
    expect(got.headers.map(([name]) => name)).not.toContain("content-type");
    // An If-Range naming another etag: the whole file.
    const whole = await same(path, null, { range: "bytes=0-1", "if-range": '"other"' });
    expect(whole.status).toBe(200);
    expect(whole.body).toBe(CONTENT);
  });

  test("a file with a name that needs encoding: its content-disposition spells it both ways", async () => {
    const name = "ünï cödé (1).txt";
    expect((await t.request("PUT", `/files/docs/${encodeURIComponent(name)}`, { body: "x" })).status).toBe(200);
    const res = await t.request("GET", `/files/docs/${encodeURIComponent(name)}`);
    const path = (res.headers.get("location") as string).replace(/^https?:\/\/[^/]+/, "");
    const got = await same(path, null);
    expect(got.status).toBe(200);
    expect(got.headers).toContainEqual([
      "content-disposition",
      `attachment; filename="_n_ c_d_ (1).txt"; filename*=UTF-8''${encodeURIComponent(name).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    ]);
  });

  test("an empty file: 200 with no bytes; once its stored file has vanished: 404", async () => {
    expect((await t.request("PUT", "/files/empty.txt", { body: "" })).status).toBe(200);
    const res = await t.request("GET", "/files/empty.txt");
    const path = (res.headers.get("location") as string).replace(/^https?:\/\/[^/]+/, "");
    const got = await same(path, null);
    expect(got.status).toBe(200);
    expect(got.body).toBe("");
    expect(got.headers).toContainEqual(["content-length", "0"]);
    expect((await same("/files/empty.txt?redirect=false", reader)).status).toBe(200);
    const key = path.split("/")[2]?.split("?")[0] as string;
    unlinkSync(t.ctx.storage.localFiles?.pathOf(key) as string);
    expect((await same(path, null)).status).toBe(404);
    expect((await same("/files/empty.txt?redirect=false", reader)).status).toBe(404);
  });

  test("a file larger than those read at once: the same bytes, ranges and 304", async () => {
    const bytes = "0123456789abcdef".repeat(1025); // 16,400 bytes
    expect((await t.request("PUT", "/files/large.bin", { body: bytes })).status).toBe(200);
    const res = await t.request("GET", "/files/large.bin");
    const path = (res.headers.get("location") as string).replace(/^https?:\/\/[^/]+/, "");
    const whole = await same(path, null);
    expect(whole.status).toBe(200);
    expect(whole.body).toBe(bytes);
    const part = await same(path, null, { range: "bytes=16380-" });
    expect(part.status).toBe(206);
    expect(part.body).toBe(bytes.slice(16380));
    expect(part.headers).toContainEqual(["content-range", "bytes 16380-16399/16400"]);
    expect((await same("/files/large.bin?redirect=false", reader, { range: "bytes=-4" })).body).toBe("cdef");
    const tag = whole.headers.find(([name]) => name === "etag")?.[1] as string;
    expect((await same(path, null, { "if-none-match": tag })).status).toBe(304);
  });

  test("a small file's ranges are cut from the bytes read", async () => {
    const path = await signedBlobPath();
    expect((await same(path, null, { range: "bytes=-3" })).body).toBe(CONTENT.slice(-3));
    expect((await same(path, null, { range: "bytes=10-" })).body).toBe(CONTENT.slice(10));
    expect((await same(path, null, { range: "bytes=0-0" })).body).toBe(CONTENT.slice(0, 1));
    expect((await same(path, null, { range: "bytes=36-" })).status).toBe(416);
  });

  test("stored bytes that have vanished: 404, not a 500", async () => {
    const res = await t.request("GET", "/files/gone.txt");
    const path = (res.headers.get("location") as string).replace(/^https?:\/\/[^/]+/, "");
    const key = path.split("/")[2]?.split("?")[0] as string;
    unlinkSync(t.ctx.storage.localFiles?.pathOf(key) as string);
    expect((await same(path, null)).status).toBe(404);
  });
});

describe("GET /auth/me at the edge answers as the app does", () => {
  for (const [what, token, status] of [
    ["the master token", () => t.master, 200],
    ["an API key", () => reader, 200],
    ["a prefix key", () => narrow, 200],
    ["no credential", () => null, 401],
    ["a wrong credential", () => "lightd_live_nope_nope", 401],
  ] as const) {
    test(`${what}: ${status}`, async () => {
      expect((await same("/auth/me", token())).status).toBe(status);
    });
  }

  test("a single-use token authenticates once at the edge too", async () => {
    const res = await t.request("POST", "/auth/tokens", { json: { ttl: "1h", remove_on_use: true } });
    const { token } = await res.json();
    expect((await t.request("GET", "/auth/me", { token })).status).toBe(200);
    expect((await t.request("GET", "/auth/me", { token })).status).toBe(401);
  });
});

describe("PUT /files/{path} at the edge answers as the app does", () => {
  let n = 0;

  /**
   * A PUT asked both ways. A refusal changes nothing, so both go to `path`; a PUT that stores
   * goes to `path` with `fast-` or `app-` before its name, and the answers are compared with
   * those names (and the tx and time) put back to one.
   */
  async function samePut(
    path: string,
    token: string | null,
    headers: Record<string, string> = {},
    body: BodyInit = "bytes",
    stores = false,
  ): Promise<Answer> {
    const ask = async (target: string): Promise<Answer> => {
      const res = await t.request("PUT", target, { token, headers, body });
      const text = await res.text();
      const kept = [...res.headers].filter(([name]) => name !== "x-request-id");
      if (res.status !== 200) return { status: res.status, headers: kept, body: text };
      const stored = JSON.parse(text);
      expect(stored.tx).toBeGreaterThan(0);
      return { status: 200, headers: kept, body: JSON.stringify({ ...stored, path: "", name: "", tx: 0, time: 0 }) };
    };
    const named = (prefix: string) => path.replace(/[^/]*$/, (name) => `${prefix}${name}`);
    const fast = await ask(stores ? named(`fast${++n}-`) : path);
    const app = await ask(viaApp(stores ? named(`app${n}-`) : path));
    expect(fast).toEqual(app);
    return fast;
  }

  const refusals: [string, string, () => string | null, Record<string, string>, number][] = [
    ["no credential", "/files/up/a.txt", () => null, {}, 401],
    ["a wrong credential", "/files/up/a.txt", () => "lightd_nonsense", {}, 401],
    ["a key without files:write", "/files/up/a.txt", () => reader, {}, 403],
    ["outside the key's prefix", "/files/other/b.txt", () => narrowWriter, {}, 403],
    ["a folder's path", "/files/up/folder/", () => t.master, {}, 400],
    ["a malformed path", "/files/up//a.txt", () => t.master, {}, 400],
    ["an encoded control character", "/files/up/%00a.txt", () => t.master, {}, 400],
    ["broken percent-encoding", "/files/up/%zz.txt", () => t.master, {}, 400],
    ["a folder at the path", "/files/folder", () => t.master, {}, 409],
    ["an If-Match the file does not have", "/files/docs/a.txt", () => t.master, { "if-match": '"other"' }, 412],
    ["If-None-Match: * on a file that exists", "/files/docs/a.txt", () => t.master, { "if-none-match": "*" }, 412],
    [
      "another API version in Accept",
      "/files/up/a.txt",
      () => t.master,
      { accept: "application/vnd.pkglatv9+json" },
      406,
    ],
    ["a refusal for an allowed CORS origin", "/files/up/a.txt", () => null, { origin: "https://app.example" }, 401],
  ];
  for (const [what, path, token, headers, status] of refusals) {
    test(`${what}: ${status}, and nothing stored`, async () => {
      const before = await t.request("GET", "/files/stats");
      const got = await samePut(path, token(), headers);
      expect(got.status).toBe(status);
      expect(JSON.parse(got.body).error).toBeDefined();
      expect(await (await t.request("GET", "/files/stats")).json()).toEqual(await before.json());
    });
  }

  test("a body declared past server.max_upload_bytes: 413 before it is read", async () => {
    const got = await samePut("/files/up/big.bin", t.master, {}, new Uint8Array(MAX_UPLOAD + 1));
    expect(got.status).toBe(413);
  });

  test("a body of no declared length that runs past server.max_upload_bytes: 413, and nothing stored", async () => {
    const before = await (await t.request("GET", "/files/stats")).json();
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent <= MAX_UPLOAD; sent += 10_000) controller.enqueue(new Uint8Array(10_000));
          controller.close();
        },
      });
    const fast = await t.request("PUT", "/files/up/streamed.bin", { token: t.master, body: stream() });
    const app = await t.request("PUT", viaApp("/files/up/streamed.bin"), { token: t.master, body: stream() });
    expect([fast.status, app.status]).toEqual([413, 413]);
    expect(await fast.json()).toEqual(await app.json());
    expect(await (await t.request("GET", "/files/stats")).json()).toEqual(before);
  });

  const stored: [string, Record<string, string>, BodyInit][] = [
    ["a new file", {}, "some bytes"],
    ["an empty file", {}, ""],
    ["a file with its content type", { "content-type": "application/pdf" }, "%PDF-"],
    ["If-None-Match: * on a new path", { "if-none-match": "*" }, "new"],
    ["an allowed CORS origin", { origin: "https://app.example" }, "cors"],
    ["a foreign origin with a bearer token", { origin: "https://evil.example" }, "bearer"],
  ];
  for (const [what, headers, body] of stored) {
    test(`${what}: 200`, async () => {
      expect((await samePut("/files/up/file.txt", t.master, headers, body, true)).status).toBe(200);
    });
  }

  test("a file replaced under the If-Match it had: 200, and its bytes are the new ones", async () => {
    const tag = async (path: string) => {
      const res = await t.request("GET", path, { headers: { accept: "application/json" } });
      return `"${(await res.json()).etag}"`;
    };
    for (const prefix of ["fast", "app"]) {
      expect((await t.request("PUT", `/files/up/${prefix}-over.txt?via=app`, { body: "old" })).status).toBe(200);
    }
    const fast = await t.request("PUT", "/files/up/fast-over.txt", {
      body: "new bytes",
      headers: { "if-match": await tag("/files/up/fast-over.txt") },
    });
    const app = await t.request("PUT", "/files/up/app-over.txt?via=app", {
      body: "new bytes",
      headers: { "if-match": await tag("/files/up/app-over.txt") },
    });
    expect([fast.status, app.status]).toEqual([200, 200]);
    for (const prefix of ["fast", "app"]) {
      const res = await t.request("GET", `/files/up/${prefix}-over.txt?redirect=false`);
      expect(await res.text()).toBe("new bytes");
    }
  });

  test("the bytes stored at the edge are the ones sent, with the content type given", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(70_000));
    const put = await t.request("PUT", "/files/up/random.bin", {
      body: bytes,
      headers: { "content-type": "application/x-thing" },
    });
    expect(put.status).toBe(200);
    const got = await t.request("GET", "/files/up/random.bin?redirect=false");
    expect(got.headers.get("content-type")).toBe("application/x-thing");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  test("an upload at the edge is logged once, with its status, and echoes its id", async () => {
    const logger = memoryLogger();
    const handle = createHandler(t.app, { maxBodyBytes: () => 1 << 20, logger, logRequests: () => true });
    const headers = { authorization: `Bearer ${t.master}`, "x-request-id": "fast-put-1" };
    const res = await handle(
      new Request("http://localhost/files/up/logged.txt", { method: "PUT", headers, body: "x" }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("fast-put-1");
    const lines = logger.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(lines).toEqual([expect.objectContaining({ request_id: "fast-put-1", method: "PUT", status: 200 })]);
  });
});
