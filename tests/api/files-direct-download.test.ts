import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";

const CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz"; // 36 bytes

// The one-request download: `GET /files/{path}?redirect=false` (or `Accept:
// application/octet-stream`) answers the bytes itself, exactly as the signed download would.
forEachBackend(directDownloadTests, { serveDownloads: true });

function directDownloadTests(backend: Backend) {
  const t = makeTestApp({ backend });
  afterAll(() => t.close());
  const ETAG = `"${backend.etagOf(CONTENT)}"`;
  let firstTx = 0;

  beforeAll(async () => {
    const res = await t.request("PUT", "/files/docs/alphabet.txt", {
      body: "the first version",
      headers: { "content-type": "text/plain" },
    });
    firstTx = (await res.json()).tx;
    const second = await t.request("PUT", "/files/docs/alphabet.txt", {
      body: CONTENT,
      headers: { "content-type": "text/plain" },
    });
    expect(second.status).toBe(200);
    await t.request("PUT", "/files/empty.txt", { body: "" });
  });

  describe("GET /files/{path} in one request", () => {
    for (const [how, query, headers] of [
      ["?redirect=false", "?redirect=false", {}],
      ["Accept: application/octet-stream", "", { accept: "application/octet-stream" }],
    ] as const) {
      test(`${how}: 200 with the bytes and the download's headers, no redirect`, async () => {
        const res = await t.request("GET", `/files/docs/alphabet.txt${query}`, { headers });
        expect(res.status).toBe(200);
        expect(res.headers.get("location")).toBeNull();
        expect(await res.text()).toBe(CONTENT);
        expect(res.headers.get("content-type")).toBe("text/plain");
        expect(res.headers.get("content-length")).toBe("36");
        expect(res.headers.get("etag")).toBe(ETAG);
        expect(res.headers.get("accept-ranges")).toBe("bytes");
        expect(res.headers.get("content-disposition")).toStartWith('attachment; filename="alphabet.txt"');
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      });
    }

    test("a Range → 206 with that slice; past the end → 416 JSON", async () => {
      const res = await t.request("GET", "/files/docs/alphabet.txt?redirect=false", {
        headers: { range: "bytes=10-12" },
      });
      expect(res.status).toBe(206);
      expect(await res.text()).toBe("abc");
      expect(res.headers.get("content-range")).toBe("bytes 10-12/36");
      const past = await t.request("GET", "/files/docs/alphabet.txt?redirect=false", {
        headers: { range: "bytes=100-200" },
      });
      expect(past.status).toBe(416);
      expect((await past.json()).error).toBe("range_not_satisfiable");
    });

    test("If-None-Match with the current ETag → 304 without a body", async () => {
      const res = await t.request("GET", "/files/docs/alphabet.txt?redirect=false", {
        headers: { "if-none-match": ETAG },
      });
      expect(res.status).toBe(304);
      expect(await res.text()).toBe("");
    });

    test("?tx=N serves the version current then", async () => {
      const res = await t.request("GET", `/files/docs/alphabet.txt?tx=${firstTx}&redirect=false`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("the first version");
    });

    test("an empty file → 200 with 0 bytes", async () => {
      const res = await t.request("GET", "/files/empty.txt?redirect=false");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("0");
      expect(await res.text()).toBe("");
    });

    test("JSON Accept still gets the metadata; without the opt-in it is still a 302", async () => {
      const meta = await t.request("GET", "/files/docs/alphabet.txt?redirect=false", {
        headers: { accept: "application/json" },
      });
      expect((await meta.json()).etag).toBe(ETAG.slice(1, -1));
      const plain = await t.request("GET", "/files/docs/alphabet.txt?redirect=true");
      expect(plain.status).toBe(302);
    });

    test("a folder → 400, a missing file → 404, no credential → 401", async () => {
      await t.request("POST", "/files/mkdir", { json: { path: "folder/" } });
      expect((await t.request("GET", "/files/folder/?redirect=false")).status).toBe(400);
      const missing = await t.request("GET", "/files/nope.txt?redirect=false");
      expect(missing.status).toBe(404);
      expect((await missing.json()).error).toBe("not_found");
      expect((await t.request("GET", "/files/docs/alphabet.txt?redirect=false", { token: null })).status).toBe(401);
    });
  });

  if (backend.servesDownloads) {
    test("the signed download URL binds the object's size and ETag: changing either is 403", async () => {
      const res = await t.request("GET", "/files/docs/alphabet.txt");
      const location = new URL(res.headers.get("location") as string);
      expect(location.searchParams.get("size")).toBe("36");
      expect(`"${location.searchParams.get("etag")}"`).toBe(ETAG);
      for (const [name, value] of [
        ["size", "35"],
        ["etag", "0".repeat(64)],
      ] as const) {
        const changed = new URL(location);
        changed.searchParams.set(name, value);
        expect((await t.follow(changed.toString())).status).toBe(403);
      }
    });
  }

  if (backend.kind === "local") {
    test("a one-step upload stores only the bytes: no sidecar beside them (the metadata holds size and ETag)", async () => {
      const root = join(t.dir, "data", "blobs");
      const stored = readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name.length === 2)
        .flatMap((d) => readdirSync(join(root, d.name)));
      expect(stored.length).toBeGreaterThan(0);
      expect(stored.filter((name) => name.endsWith(".meta"))).toEqual([]);
    });
  }
}
