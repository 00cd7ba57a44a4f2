import { afterAll, describe, expect, test } from "bun:test";
import { createKey } from "../fixtures/auth-helpers";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * POST /files/copy on every backend: files and folder trees in one tx with one `copy`
 * event. Local disk shares the stored object (no byte is copied) and reclaims it only
 * when the last file using it goes; S3 copies server-side to a fresh key.
 */
forEachBackend(copyTests);

// biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
type Json = Record<string, any>;

function copyTests(backend: Backend) {
  // Versioning off: these tests check that bytes go as soon as no file uses them (with
  // versioning on, a version keeps them until retention: tests/api/versions-gc.test.ts).
  const t = makeTestApp({ backend, config: { versions: { keep_count: 0 } } });
  afterAll(() => t.close());

  const json = async (method: string, path: string, payload?: unknown, token?: string) => {
    const res = await t.request(method, path, { ...(payload === undefined ? {} : { json: payload }), token });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const put = async (path: string, content: string) =>
    expect((await t.request("PUT", `/files/${path}`, { body: content })).status).toBe(200);
  const textOf = async (path: string) => {
    const res = await t.request("GET", `/files/${path}`);
    if (res.status !== 302) return null;
    return (await t.follow(res.headers.get("location") as string)).text();
  };
  const keys = async () => {
    const out: string[] = [];
    for (const key of await storedKeys(t.ctx.blobs)) out.push(key);
    return out;
  };
  const objectOf = (path: string) =>
    (t.db.query("SELECT object_key FROM files WHERE path = ?1").get(path) as { object_key: string }).object_key;

  describe("a file", () => {
    test("copies bytes, type and ETag; answers from, to, files, tx, time; logs a copy event", async () => {
      // Counted from what the store held before: the other tests fill the same app in any order.
      const before = (await json("GET", "/files/stats")).body as { files: number; bytes: number };
      const res = await t.request("PUT", "/files/a/report.txt", {
        body: "report body",
        headers: { "content-type": "text/plain" },
      });
      expect(res.status).toBe(200);
      const copy = await json("POST", "/files/copy", { from: "a/report.txt", to: "b/copy.txt", message: "backup" });
      expect(copy.status).toBe(200);
      expect(copy.body).toEqual({
        from: "a/report.txt",
        to: "b/copy.txt",
        files: 1,
        tx: expect.any(Number),
        time: expect.any(Number),
      });
      expect(await textOf("b/copy.txt")).toBe("report body");
      const head = await t.request("HEAD", "/files/b/copy.txt");
      expect(head.headers.get("etag")).toBe(`"${backend.etagOf("report body")}"`);
      expect(head.headers.get("content-type")).toBe("text/plain");
      const log = await json("GET", `/files/log?since_tx=${copy.body.tx - 1}`);
      expect(log.body.events).toMatchObject([
        {
          tx: copy.body.tx,
          action: "copy",
          path: "a/report.txt",
          dest: "b/copy.txt",
          size: 11,
          msg: "backup",
        },
      ]);
      expect((await json("GET", "/files/stats")).body).toMatchObject({
        files: before.files + 2,
        bytes: before.bytes + 22,
      });
    });

    test(
      backend.kind === "local"
        ? "local disk: the copy shares the stored object (no new bytes)"
        : "S3: the copy is a new object made server-side",
      async () => {
        await put("same/orig.txt", "shared bytes");
        const before = await keys();
        expect((await json("POST", "/files/copy", { from: "same/orig.txt", to: "same/dup.txt" })).status).toBe(200);
        const after = await keys();
        if (backend.kind === "local") {
          expect(after.sort()).toEqual(before.sort());
          expect(objectOf("same/dup.txt")).toBe(objectOf("same/orig.txt"));
        } else {
          expect(after.length).toBe(before.length + 1);
          expect(objectOf("same/dup.txt")).not.toBe(objectOf("same/orig.txt"));
        }
      },
    );

    test("deleting or replacing one copy never removes bytes the other uses", async () => {
      await put("cow/one.txt", "same bytes");
      expect((await json("POST", "/files/copy", { from: "cow/one.txt", to: "cow/two.txt" })).status).toBe(200);
      expect((await json("POST", "/files/copy", { from: "cow/one.txt", to: "cow/three.txt" })).status).toBe(200);
      expect((await json("DELETE", "/files/cow/one.txt")).status).toBe(200);
      expect(await textOf("cow/two.txt")).toBe("same bytes");
      await put("cow/two.txt", "replaced");
      expect(await textOf("cow/two.txt")).toBe("replaced");
      expect(await textOf("cow/three.txt")).toBe("same bytes");
      const shared = objectOf("cow/three.txt");
      expect(await keys()).toContain(shared);
      // The last user goes: now the bytes go too.
      expect((await json("DELETE", "/files/cow/")).body.deleted).toBe(2);
      expect(await keys()).not.toContain(shared);
    });
  });

  if (backend.kind === "s3") {
    test("S3: a source replaced while its bytes are being copied → 409, and the copy leaves no object behind", async () => {
      await put("racing/src.txt", "before");
      const store = t.ctx.blobs;
      const original = store.copy?.bind(store);
      if (!original) throw new Error("the S3 store copies server-side");
      store.copy = async (source, target, expected) => {
        const stat = await original(source, target, expected);
        await put("racing/src.txt", "replaced meanwhile");
        return stat;
      };
      try {
        const before = (await keys()).length;
        const res = await json("POST", "/files/copy", { from: "racing/src.txt", to: "racing/dst.txt" });
        expect(res.status).toBe(409);
        expect(res.body.message).toContain("changed while it was being copied");
        expect(await textOf("racing/dst.txt")).toBeNull();
        // The replaced source's old object went with the overwrite, its copy with the refusal.
        expect((await keys()).length).toBe(before);
      } finally {
        store.copy = original;
      }
    });
  }

  describe("a folder", () => {
    test("copies every file and subfolder under it in one tx", async () => {
      await put("tree/x.txt", "x");
      await put("tree/sub/y.txt", "yy");
      await put("tree/sub/deep/z.txt", "zzz");
      expect((await json("POST", "/files/mkdir", { path: "tree/empty/" })).status).toBe(200);
      const copy = await json("POST", "/files/copy", { from: "tree/", to: "dest/tree2/" });
      expect(copy.status).toBe(200);
      expect(copy.body.files).toBe(3);
      const list = await json("GET", "/files?prefix=dest/tree2/");
      expect(list.body.entries.map((e: Json) => e.path)).toEqual([
        "dest/tree2/empty/",
        "dest/tree2/sub/",
        "dest/tree2/x.txt",
      ]);
      expect(await textOf("dest/tree2/sub/deep/z.txt")).toBe("zzz");
      expect(await textOf("tree/sub/deep/z.txt")).toBe("zzz");
      const rows = t.db
        .query("SELECT DISTINCT tx FROM files WHERE path >= 'dest/tree2/' AND path < 'dest/tree20'")
        .all() as { tx: number }[];
      expect(rows).toEqual([{ tx: copy.body.tx }]);
      // Deleting the original tree leaves the copy whole.
      expect((await json("DELETE", "/files/tree/")).body.deleted).toBe(3);
      expect(await textOf("dest/tree2/x.txt")).toBe("x");
      expect(await textOf("dest/tree2/sub/y.txt")).toBe("yy");
    });

    test("the copied folder is searchable", async () => {
      await put("found/needle-file.txt", "n");
      expect((await json("POST", "/files/copy", { from: "found/", to: "again/" })).status).toBe(200);
      const search = await json("GET", "/files/search?q=needle");
      expect(search.body.results.map((r: Json) => r.path).sort()).toEqual([
        "again/needle-file.txt",
        "found/needle-file.txt",
      ]);
    });
  });

  describe("refused", () => {
    test.each([
      ["a missing source", { from: "nope.txt", to: "x.txt" }, 404],
      ["a missing folder", { from: "nope/", to: "x/" }, 404],
      ["onto itself", { from: "r/a.txt", to: "r/a.txt" }, 400],
      ["a folder into itself", { from: "r/", to: "r/inner/" }, 400],
      ["a file to a folder path", { from: "r/a.txt", to: "r/b/" }, 400],
      ["onto an existing file", { from: "r/a.txt", to: "r/b.txt" }, 409],
      ["a bad path", { from: "r/a.txt", to: "../x" }, 400],
      ["a reserved root name", { from: "r/a.txt", to: "stats" }, 400],
      ["no body fields", {}, 400],
    ])("%s → %d", async (_name, payload, status) => {
      await put("r/a.txt", "a");
      await put("r/b.txt", "b");
      const res = await json("POST", "/files/copy", payload);
      expect(res.status).toBe(status);
      expect(typeof res.body.message).toBe("string");
    });

    test("a key limited to a prefix copies only inside it", async () => {
      await put("inside/f.txt", "f");
      await put("outside/g.txt", "g");
      const key = await createKey(t, t.master, {
        name: "limited",
        prefix: "inside/",
        scopes: ["files:read", "files:write"],
      });
      expect((await json("POST", "/files/copy", { from: "inside/f.txt", to: "inside/f2.txt" }, key.token)).status).toBe(
        200,
      );
      expect((await json("POST", "/files/copy", { from: "inside/f.txt", to: "outside/f.txt" }, key.token)).status).toBe(
        403,
      );
      expect((await json("POST", "/files/copy", { from: "outside/g.txt", to: "inside/g.txt" }, key.token)).status).toBe(
        403,
      );
      expect(await textOf("outside/f.txt")).toBeNull();
    });
  });
}

export type { TestApp };
