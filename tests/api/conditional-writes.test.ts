import { afterAll, describe, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * If-Match / If-None-Match on every write: a table of cases per operation, then races —
 * the check is decided inside the write's transaction, so of N concurrent conditional
 * writes to one path exactly one wins and every other gets 412 `precondition_failed`.
 */
forEachBackend(conditionalTests);

async function body(res: Response) {
  // biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
  return (await res.json()) as Record<string, any>;
}

function conditionalTests(backend: Backend) {
  const t = makeTestApp({ backend });
  afterAll(() => t.close());

  let n = 0;
  /** A fresh file with known content; returns its path and quoted ETag. */
  async function fresh(content = "v1"): Promise<{ path: string; etag: string }> {
    const path = `cond/f${++n}.txt`;
    const res = await t.request("PUT", `/files/${path}`, { body: content });
    expect(res.status).toBe(200);
    const head = await t.request("HEAD", `/files/${path}`);
    const etag = head.headers.get("etag") as string;
    expect(etag).toBe(`"${backend.etagOf(content)}"`);
    return { path, etag };
  }

  const put = (path: string, headers: Record<string, string>, content = "v2") =>
    t.request("PUT", `/files/${path}`, { body: content, headers });
  const textOf = async (path: string) => {
    const res = await t.request("GET", `/files/${path}`);
    if (res.status !== 302) return null;
    return (await t.follow(res.headers.get("location") as string)).text();
  };

  // {name, headers(etag) → status}: the same table for PUT on an existing file.
  const existingCases: [string, (etag: string) => Record<string, string>, number][] = [
    ["If-Match with the current ETag", (e) => ({ "if-match": e }), 200],
    ["If-Match with another ETag", () => ({ "if-match": '"0000"' }), 412],
    ["If-Match listing the current ETag among others", (e) => ({ "if-match": `"aaa", ${e} , "bbb"` }), 200],
    ["If-Match with the weak form of the current ETag (strong comparison)", (e) => ({ "if-match": `W/${e}` }), 412],
    ["If-Match: * on an existing file", () => ({ "if-match": "*" }), 200],
    ["If-None-Match: * on an existing file (create-only)", () => ({ "if-none-match": "*" }), 412],
    ["If-None-Match with the current ETag", (e) => ({ "if-none-match": e }), 412],
    [
      "If-None-Match with the weak form of the current ETag (weak comparison)",
      (e) => ({ "if-none-match": `W/${e}` }),
      412,
    ],
    ["If-None-Match with another ETag", () => ({ "if-none-match": '"0000"' }), 200],
    ["no condition", () => ({}), 200],
  ];

  describe("PUT /files/{path} on an existing file", () => {
    for (const [name, headers, status] of existingCases) {
      test(`${name} → ${status}`, async () => {
        const { path, etag } = await fresh();
        const res = await put(path, headers(etag));
        expect(res.status).toBe(status);
        if (status === 412) {
          expect(await body(res)).toEqual({ error: "precondition_failed", message: expect.any(String) });
          expect(await textOf(path)).toBe("v1");
        } else {
          expect(await textOf(path)).toBe("v2");
        }
      });
    }
  });

  describe("PUT /files/{path} on a missing file", () => {
    test.each([
      ["If-None-Match: * creates", { "if-none-match": "*" }, 200],
      ["If-Match: * needs an existing file", { "if-match": "*" }, 412],
      ['If-Match: "etag" needs an existing file', { "if-match": '"abc"' }, 412],
    ] as const)("%s → %d", async (_name, headers, status) => {
      const path = `cond/missing-${++n}.txt`;
      const res = await put(path, headers);
      expect(res.status).toBe(status);
      expect(await textOf(path)).toBe(status === 200 ? "v2" : null);
    });

    test("a failed condition leaves no bytes and no event behind", async () => {
      const { path } = await fresh();
      const keys = async () => {
        const out: string[] = [];
        for (const key of await storedKeys(t.ctx.blobs)) out.push(key);
        return out.sort();
      };
      const before = await keys();
      const events = (t.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;
      expect((await put(path, { "if-none-match": "*" })).status).toBe(412);
      expect(await keys()).toEqual(before);
      expect((t.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n).toBe(events);
    });
  });

  describe("malformed condition headers → 400", () => {
    test.each(["abc", '"unterminated', "W/abc", ",", '"a" "b"'])("If-Match: %s", async (value) => {
      const { path } = await fresh();
      const res = await put(path, { "if-match": value });
      expect(res.status).toBe(400);
      expect((await body(res)).error).toBe("bad_request");
      expect(await textOf(path)).toBe("v1");
    });
  });

  describe("concurrent conditional PUTs to one path", () => {
    test("If-Match with the same ETag: exactly one 200, the rest 412", async () => {
      const { path, etag } = await fresh("base");
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => put(path, { "if-match": etag }, `writer ${i}`)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
      const winner = results.findIndex((r) => r.status === 200);
      expect(await textOf(path)).toBe(`writer ${winner}`);
    });

    test("If-None-Match: * on a new path: exactly one creates it", async () => {
      const path = `cond/race-${++n}.txt`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => put(path, { "if-none-match": "*" }, `creator ${i}`)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
      const log = await body(await t.request("GET", `/files/log?path=${encodeURIComponent(path)}`));
      expect(log.events).toHaveLength(1);
    });
  });

  describe("two-step and multipart completes", () => {
    async function uploadBytes(path: string, content: string) {
      const created = await body(await t.request("POST", "/files/uploads", { json: { path } }));
      const sent = await t.follow(created.url, {
        method: "PUT",
        body: content,
        headers: { "content-type": created.content_type },
      });
      expect(sent.status).toBeLessThan(300);
    }

    test("complete with a stale If-Match → 412 and the upload stays pending; the right one commits", async () => {
      const { path, etag } = await fresh();
      await uploadBytes(path, "two-step");
      const stale = await t.request("POST", "/files/uploads/complete", {
        json: { path },
        headers: { "if-match": '"stale"' },
      });
      expect(stale.status).toBe(412);
      expect(await textOf(path)).toBe("v1");
      const ok = await t.request("POST", "/files/uploads/complete", { json: { path }, headers: { "if-match": etag } });
      expect(ok.status).toBe(200);
      expect(await textOf(path)).toBe("two-step");
    });

    test("complete with If-None-Match: * on an existing file → 412", async () => {
      const { path } = await fresh();
      await uploadBytes(path, "create-only");
      const res = await t.request("POST", "/files/uploads/complete", {
        json: { path },
        headers: { "if-none-match": "*" },
      });
      expect(res.status).toBe(412);
      expect(await textOf(path)).toBe("v1");
    });

    test("multipart complete honours If-None-Match: *", async () => {
      const { path } = await fresh();
      const created = await body(
        await t.request("POST", "/files/uploads/multipart", { json: { path, part_count: 1 } }),
      );
      const part = await t.follow(created.part_urls[0], { method: "PUT", body: "one part" });
      expect(part.status).toBe(200);
      const parts = [{ part_number: 1, etag: part.headers.get("etag") as string }];
      const refused = await t.request("POST", "/files/uploads/multipart/complete", {
        json: { path, upload_id: created.upload_id, parts },
        headers: { "if-none-match": "*" },
      });
      expect(refused.status).toBe(412);
      expect(await textOf(path)).toBe("v1");
      // The upload is still open: completing without the condition works.
      const ok = await t.request("POST", "/files/uploads/multipart/complete", {
        json: { path, upload_id: created.upload_id, parts },
      });
      expect(ok.status).toBe(200);
      expect(await textOf(path)).toBe("one part");
    });

    test("creating an upload checks the conditions first: 412 before a byte is sent, no upload left", async () => {
      const { path, etag } = await fresh();
      for (const url of ["/files/uploads", "/files/uploads/multipart"]) {
        const taken = await t.request("POST", url, { json: { path }, headers: { "if-none-match": "*" } });
        expect({ url, status: taken.status }).toEqual({ url, status: 412 });
        const stale = await t.request("POST", url, { json: { path }, headers: { "if-match": '"stale"' } });
        expect({ url, status: stale.status }).toEqual({ url, status: 412 });
        const current = await t.request("POST", url, { json: { path }, headers: { "if-match": etag } });
        expect({ url, status: current.status }).toEqual({ url, status: 200 });
        const free = await t.request("POST", url, { json: { path: `${path}.new` }, headers: { "if-none-match": "*" } });
        expect({ url, status: free.status }).toEqual({ url, status: 200 });
      }
    });
  });

  describe("DELETE, move and copy", () => {
    test("DELETE with a stale If-Match → 412, with the current one → 200", async () => {
      const { path, etag } = await fresh();
      expect((await t.request("DELETE", `/files/${path}`, { headers: { "if-match": '"old"' } })).status).toBe(412);
      expect(await textOf(path)).toBe("v1");
      expect((await t.request("DELETE", `/files/${path}`, { headers: { "if-match": etag } })).status).toBe(200);
      expect(await textOf(path)).toBeNull();
    });

    test("DELETE of a missing file with If-Match is still 404", async () => {
      const res = await t.request("DELETE", "/files/cond/never.txt", { headers: { "if-match": '"x"' } });
      expect(res.status).toBe(404);
    });

    for (const op of ["move", "copy"] as const) {
      test(`${op}: If-Match names the source's ETag`, async () => {
        const { path, etag } = await fresh();
        const to = `${path}.${op}-a`;
        const stale = await t.request("POST", `/files/${op}`, {
          json: { from: path, to },
          headers: { "if-match": '"x"' },
        });
        expect(stale.status).toBe(412);
        expect((await body(stale)).error).toBe("precondition_failed");
        expect(await textOf(to)).toBeNull();
        const ok = await t.request("POST", `/files/${op}`, { json: { from: path, to }, headers: { "if-match": etag } });
        expect(ok.status).toBe(200);
        expect(await textOf(to)).toBe("v1");
      });

      test(`${op}: If-None-Match: * guards the destination (412, not 409)`, async () => {
        const src = await fresh("source");
        const dst = await fresh("dest");
        const guarded = await t.request("POST", `/files/${op}`, {
          json: { from: src.path, to: dst.path },
          headers: { "if-none-match": "*" },
        });
        expect(guarded.status).toBe(412);
        const plain = await t.request("POST", `/files/${op}`, { json: { from: src.path, to: dst.path } });
        expect(plain.status).toBe(409);
        expect(await textOf(dst.path)).toBe("dest");
        const free = await t.request("POST", `/files/${op}`, {
          json: { from: src.path, to: `${dst.path}.new` },
          headers: { "if-none-match": "*" },
        });
        expect(free.status).toBe(200);
      });
    }
  });
}

// Documented: every conditional write lists 412 in the OpenAPI document.
describe("OpenAPI", () => {
  test("the conditional writes document 412 and the two headers", async () => {
    const t: TestApp = makeTestApp();
    try {
      const doc = await body(await t.request("GET", "/swagger/json", { token: null }));
      const ops = [
        doc.paths["/files/move"].post,
        doc.paths["/files/copy"].post,
        doc.paths["/files/uploads/complete"].post,
        doc.paths["/files/uploads/multipart/complete"].post,
        doc.paths["/files/uploads"].post,
        doc.paths["/files/uploads/multipart"].post,
      ];
      for (const op of ops) {
        expect(Object.keys(op.responses)).toContain("412");
        expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
          expect.arrayContaining(["If-Match", "If-None-Match"]),
        );
      }
    } finally {
      await t.close();
    }
  });
});
