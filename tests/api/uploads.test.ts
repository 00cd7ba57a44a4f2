import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { streamOf } from "../conformance/blob-store.suite";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { testUnless } from "../fixtures/skip";

const clock = { now: 1_700_000_000_000 };
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Every file the local store holds, temp files aside: objects, sidecars, multipart parts. */
function localFiles(t: TestApp): string[] {
  const root = join(t.dir, "data", "blobs");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.isDirectory()) return dir === root && entry.name === "tmp" ? [] : walk(join(dir, entry.name));
      return [join(dir, entry.name)];
    });
  return walk(root);
}

const keysIn = (t: TestApp): Promise<string[]> => storedKeys(t.ctx.blobs);

const fileRows = (t: TestApp) => (t.db.query("SELECT count(*) AS n FROM files").get() as { n: number }).n;
const eventRows = (t: TestApp) => (t.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;

/** The local store's temp dir is empty after a failed upload (S3 has none). */
const tempFiles = (t: TestApp) =>
  t.ctx.blobs.kind === "local" ? readdirSync(join(t.dir, "data", "blobs", "tmp")) : [];

const follow = (t: TestApp, url: string, init: RequestInit = {}) => t.follow(url, init);

async function download(t: TestApp, path: string): Promise<Response> {
  const res = await t.request("GET", `/files/${path}`);
  expect(res.status).toBe(302);
  return follow(t, res.headers.get("location") as string);
}

async function stats(t: TestApp) {
  const { files, bytes } = (await (await t.request("GET", "/files/stats")).json()) as { files: number; bytes: number };
  return { files, bytes };
}

/** A body that sends `chunks` and then fails, like a client that disconnects mid-upload. */
function failingBody(chunks: number, size = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new Uint8Array(size).fill(65));
      else controller.error(new Error("client went away"));
    },
  });
}

forEachBackend(uploadTests);

function uploadTests(backend: Backend) {
  /** What the store holds: every file locally (sidecars and parts count too); objects and open uploads on S3. */
  const stored = async (t: TestApp) =>
    backend.kind === "local" ? localFiles(t) : [...(await keysIn(t)), ...(await backend.openUploads(t))];
  const etag = (bytes: string | Uint8Array) => backend.etagOf(bytes);

  describe("two-step upload: create, PUT to the signed URL, complete", () => {
    const t = makeTestApp({ backend, now: () => clock.now });
    afterAll(() => t.close());

    test("the whole flow makes the file visible with the right bytes", async () => {
      // An app of its own: it counts files, tx and events from an empty store.
      const t = makeTestApp({ backend, now: () => clock.now });
      try {
        const create = await t.request("POST", "/files/uploads", {
          json: { path: "docs/report.pdf", content_type: "application/pdf" },
        });
        expect(create.status).toBe(200);
        const created = await create.json();
        expect(created).toMatchObject({ content_type: "application/pdf", expires_in: 3600 });
        expect(created.url).toStartWith(
          backend.kind === "local" ? "http://localhost/blobs/" : (t.ctx.config.current.storage.s3?.endpoint as string),
        );

        // Not visible until complete.
        expect((await t.request("GET", "/files/docs/report.pdf")).status).toBe(404);

        const bytes = new TextEncoder().encode("%PDF-1.7 two step");
        const put = await follow(t, created.url, {
          method: "PUT",
          body: bytes,
          headers: { "content-type": "application/pdf" },
        });
        expect(put.status).toBe(200);
        // lightd's /blobs answers JSON too; S3 answers an empty body. Both send the ETag header.
        if (backend.kind === "local") expect(await put.json()).toEqual({ etag: sha(bytes), size: bytes.length });
        expect(put.headers.get("etag")).toBe(`"${etag(bytes)}"`);

        // Still not visible: the bytes arrived, but nobody completed.
        expect((await t.request("GET", "/files/docs/report.pdf")).status).toBe(404);
        expect(await stats(t)).toEqual({ files: 0, bytes: 0 });

        const complete = await t.request("POST", "/files/uploads/complete", {
          json: { path: "docs/report.pdf", message: "add report" },
        });
        expect(complete.status).toBe(200);
        expect(await complete.json()).toEqual({
          path: "docs/report.pdf",
          name: "report.pdf",
          size: bytes.length,
          tx: 1,
          time: clock.now,
        });

        const res = await download(t, "docs/report.pdf");
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
        expect(res.headers.get("content-type")).toBe("application/pdf");
        expect(res.headers.get("etag")).toBe(`"${etag(bytes)}"`);
        expect(await stats(t)).toEqual({ files: 1, bytes: bytes.length });
        const log = await (await t.request("GET", "/files/log")).json();
        expect(log.events).toEqual([
          { tx: 1, action: "upload", path: "docs/report.pdf", size: bytes.length, msg: "add report", ts: clock.now },
        ]);
      } finally {
        await t.close();
      }
    });

    test("without content_type, the type is guessed from the name", async () => {
      const create = await (await t.request("POST", "/files/uploads", { json: { path: "img/cat.png" } })).json();
      expect(create.content_type).toBe("image/png");
    });

    test("completing twice: the second complete → 404", async () => {
      const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "twice.bin" } })).json();
      await follow(t, url, {
        method: "PUT",
        body: new Uint8Array([1, 2]),
        headers: { "content-type": "application/octet-stream" },
      });
      expect((await t.request("POST", "/files/uploads/complete", { json: { path: "twice.bin" } })).status).toBe(200);
      const again = await t.request("POST", "/files/uploads/complete", { json: { path: "twice.bin" } });
      expect(again.status).toBe(404);
      expect((await again.json()).error).toBe("not_found");
    });

    // lightd's own signed PUT is write-once (409); an S3 presigned PUT works until it expires,
    // so completing moves the object to a key no URL names, and the replay lands elsewhere.
    test("the signed PUT URL cannot be replayed to swap committed bytes", async () => {
      const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "fixed.bin" } })).json();
      const headers = { "content-type": "application/octet-stream" };
      expect((await follow(t, url, { method: "PUT", body: new Uint8Array([1]), headers })).status).toBe(200);
      expect((await t.request("POST", "/files/uploads/complete", { json: { path: "fixed.bin" } })).status).toBe(200);
      const replay = await follow(t, url, { method: "PUT", body: new Uint8Array([9, 9]), headers });
      if (backend.kind === "local") expect(replay.status).toBe(409);
      expect(new Uint8Array(await (await download(t, "fixed.bin")).arrayBuffer())).toEqual(new Uint8Array([1]));
      const meta = await (
        await t.request("GET", "/files/fixed.bin", { headers: { accept: "application/json" } })
      ).json();
      expect(meta.size).toBe(1);
    });

    test("bytes a replayed PUT left behind are swept once the URL has expired", async () => {
      const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "swept.bin" } })).json();
      const headers = { "content-type": "application/octet-stream" };
      await follow(t, url, { method: "PUT", body: new Uint8Array([1]), headers });
      await t.request("POST", "/files/uploads/complete", { json: { path: "swept.bin" } });
      const upload = t.db.query("SELECT id, object_key FROM uploads WHERE path = 'swept.bin'").get() as {
        id: string;
        object_key: string;
      };
      await follow(t, url, { method: "PUT", body: new Uint8Array([9, 9]), headers });
      clock.now += 3601 * 1000;
      await t.ctx.uploads.cleanupStale();
      clock.now -= 3601 * 1000;
      const file = t.db.query("SELECT object_key FROM files WHERE path = 'swept.bin'").get() as {
        object_key: string;
      };
      const stored = await keysIn(t);
      expect(stored).toContain(file.object_key);
      // The upload key is either the committed object (local: write-once) or swept (S3: replayable).
      if (upload.object_key !== file.object_key) expect(stored).not.toContain(upload.object_key);
      expect(t.db.query("SELECT 1 FROM uploads WHERE id = ?1").get(upload.id)).toBeNull();
      expect(new Uint8Array(await (await download(t, "swept.bin")).arrayBuffer())).toEqual(new Uint8Array([1]));
    });

    test("complete before any bytes arrived → 400, nothing visible", async () => {
      const events = eventRows(t);
      await t.request("POST", "/files/uploads", { json: { path: "early.txt" } });
      const res = await t.request("POST", "/files/uploads/complete", { json: { path: "early.txt" } });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("bad_request");
      expect((await t.request("GET", "/files/early.txt")).status).toBe(404);
      expect(eventRows(t)).toBe(events);
    });

    test("complete with no upload started → 404", async () => {
      const res = await t.request("POST", "/files/uploads/complete", { json: { path: "never-started.txt" } });
      expect(res.status).toBe(404);
      expect((await res.json()).error).toBe("not_found");
    });

    // S3 URLs expire on the bucket's real clock, not the test clock: tests/conformance/s3.test.ts covers them.
    testUnless(backend.kind === "s3" ? "S3 URLs expire on the bucket's clock (tests/conformance/s3.test.ts)" : null)(
      "a signed upload URL expires after an hour",
      async () => {
        const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "late.bin" } })).json();
        clock.now += 3601 * 1000;
        const res = await follow(t, url, {
          method: "PUT",
          body: new Uint8Array([1]),
          headers: { "content-type": "application/octet-stream" },
        });
        expect(res.status).toBe(403);
        expect((await t.request("GET", "/files/late.bin")).status).toBe(404);
      },
    );

    test("the signed PUT URL requires the Content-Type it was signed for", async () => {
      const { url } = await (
        await t.request("POST", "/files/uploads", { json: { path: "typed.txt", content_type: "text/plain" } })
      ).json();
      const res = await follow(t, url, {
        method: "PUT",
        body: new Uint8Array([1]),
        headers: { "content-type": "a/b" },
      });
      expect(res.status).toBe(403);
    });

    test.each([
      ["missing path", {}],
      ["folder path", { path: "docs/" }],
      ["path as a number", { path: 7 }],
      ["content_type as a number", { path: "x.txt", content_type: 5 }],
    ])("create with %s → 400", async (_name, body) => {
      const res = await t.request("POST", "/files/uploads", { json: body });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("bad_request");
    });
  });

  describe("one-step PUT /files/{path}", () => {
    const t = makeTestApp({ backend, now: () => clock.now, config: { server: { max_upload_bytes: 100_000 } } });
    afterAll(() => t.close());

    test("a streamed body becomes the file, bytes exactly", async () => {
      const bytes = new Uint8Array(90_000).map((_, i) => (i * 7) % 251);
      const res = await t.request("PUT", "/files/stream.bin", { body: streamOf(bytes, 10_000) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ path: "stream.bin", name: "stream.bin", size: 90_000 });
      const got = await download(t, "stream.bin");
      expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(bytes));
      expect(got.headers.get("etag")).toBe(`"${etag(bytes)}"`);
    });

    test("a PUT with no body makes an empty file", async () => {
      const res = await t.request("PUT", "/files/empty.txt");
      expect(res.status).toBe(200);
      expect((await res.json()).size).toBe(0);
    });

    test("exactly max_upload_bytes is accepted", async () => {
      const res = await t.request("PUT", "/files/max.bin", { body: new Uint8Array(100_000) });
      expect(res.status).toBe(200);
      await t.request("DELETE", "/files/max.bin");
    });

    test("over max_upload_bytes (declared Content-Length) → 413; no file, no metadata, no blob", async () => {
      const before = { blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) };
      const res = await t.request("PUT", "/files/big.bin", { body: new Uint8Array(100_001) });
      expect(res.status).toBe(413);
      expect((await res.json()).error).toBe("payload_too_large");
      expect((await t.request("GET", "/files/big.bin")).status).toBe(404);
      expect({ blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) }).toEqual(before);
    });

    test("over max_upload_bytes while streaming (no Content-Length) → 413; nothing left", async () => {
      const before = { blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) };
      const res = await t.request("PUT", "/files/big-stream.bin", { body: streamOf(new Uint8Array(300_000), 16_384) });
      expect(res.status).toBe(413);
      expect((await res.json()).error).toBe("payload_too_large");
      expect((await t.request("GET", "/files/big-stream.bin")).status).toBe(404);
      expect({ blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) }).toEqual(before);
      expect(tempFiles(t)).toEqual([]);
    });

    test("an oversize PUT does not replace the existing file", async () => {
      await t.request("PUT", "/files/keep.txt", { body: new Uint8Array([1, 2, 3]) });
      const res = await t.request("PUT", "/files/keep.txt", { body: streamOf(new Uint8Array(200_000)) });
      expect(res.status).toBe(413);
      expect(new Uint8Array(await (await download(t, "keep.txt")).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    });

    // A small body of declared length is read whole in one call; any other is read as it streams.
    const broken = [
      {
        name: "a small body of declared length",
        path: "broken-small.bin",
        init: () => ({ headers: { "content-length": "8192" }, body: failingBody(1, 4096) }),
      },
      { name: "a body", path: "broken.bin", init: () => ({ body: failingBody(1) }) },
    ];
    for (const { name, path, init } of broken) {
      test(`${name} that errors midway → 400; no file, no metadata, no blob`, async () => {
        const before = { blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) };
        const res = await t.request("PUT", `/files/${path}`, init());
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          error: "bad_request",
          message: "The request body ended before it was complete",
        });
        expect((await t.request("GET", `/files/${path}`)).status).toBe(404);
        expect({ blobs: (await stored(t)).length, rows: fileRows(t), events: eventRows(t) }).toEqual(before);
        expect(tempFiles(t)).toEqual([]);
      });
    }

    test("a body that errors midway leaves the previous version in place", async () => {
      expect((await t.request("PUT", "/files/kept.txt", { body: new Uint8Array([1, 2, 3]) })).status).toBe(200);
      const res = await t.request("PUT", "/files/kept.txt", { body: failingBody(1) });
      expect(res.status).toBe(400);
      expect(new Uint8Array(await (await download(t, "kept.txt")).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    });

    test("the signed PUT URL also enforces max_upload_bytes", async () => {
      const before = (await stored(t)).length;
      const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "big2.bin" } })).json();
      const res = await follow(t, url, {
        method: "PUT",
        body: new Uint8Array(150_000),
        headers: { "content-type": "application/octet-stream" },
      });
      const complete = await t.request("POST", "/files/uploads/complete", { json: { path: "big2.bin" } });
      if (backend.kind === "local") {
        // lightd's /blobs refuses the body, so complete finds no bytes.
        expect(res.status).toBe(413);
        expect(complete.status).toBe(400);
      } else {
        // A presigned PUT cannot cap its body: complete refuses it and deletes the object.
        expect(res.status).toBe(200);
        expect(complete.status).toBe(413);
        expect((await complete.json()).error).toBe("payload_too_large");
      }
      expect((await stored(t)).length).toBe(before);
      expect((await t.request("GET", "/files/big2.bin")).status).toBe(404);
    });
  });

  describe("no leaked objects", () => {
    // Versioning off: a replaced object goes as soon as no file names it (versions keep it
    // until retention; tests/api/versions-gc.test.ts covers that path).
    const t = makeTestApp({ backend, config: { versions: { keep_count: 0 } } });
    afterAll(() => t.close());

    test("after overwrites, moves and deletes, stored objects = live files", async () => {
      for (let i = 0; i < 3; i++) {
        await t.request("PUT", "/files/a.txt", { body: `version ${i}` });
        await t.request("PUT", `/files/dir/f${i}.txt`, { body: `file ${i}` });
      }
      await t.request("PUT", "/files/dir/f0.txt", { body: "overwritten" });
      await t.request("POST", "/files/move", { json: { from: "dir/f1.txt", to: "moved.txt" } });
      await t.request("DELETE", "/files/dir/f2.txt");
      // Two-step overwrite of a.txt.
      const { url } = await (await t.request("POST", "/files/uploads", { json: { path: "a.txt" } })).json();
      await follow(t, url, { method: "PUT", body: new Uint8Array([5]), headers: { "content-type": "text/plain" } });
      await t.request("POST", "/files/uploads/complete", { json: { path: "a.txt" } });

      expect(await stats(t)).toMatchObject({ files: 3 }); // a.txt, dir/f0.txt, moved.txt
      expect((await keysIn(t)).length).toBe(3);
      if (backend.kind === "local") expect(localFiles(t).filter((f) => !f.endsWith(".meta"))).toHaveLength(3);

      await t.request("DELETE", "/files/dir/");
      await t.request("DELETE", "/files/a.txt");
      expect((await keysIn(t)).length).toBe(1);
      await t.request("DELETE", "/files/moved.txt");
      expect(await keysIn(t)).toEqual([]);
      expect(await stored(t)).toEqual([]);
    });
  });

  describe("concurrent uploads to the same path", () => {
    // Versioning off: a replaced object goes as soon as no file names it (versions keep it
    // until retention; tests/api/versions-gc.test.ts covers that path).
    // Each race counts files, objects and tx from an empty store, so each has an app of its own.
    async function onFreshApp(body: (t: TestApp) => Promise<void>) {
      const t = makeTestApp({ backend, config: { versions: { keep_count: 0 } } });
      try {
        await body(t);
      } finally {
        await t.close();
      }
    }

    test("10 parallel one-step PUTs: the file is exactly one body, one object remains", () =>
      onFreshApp(async (t) => {
        const bodies = Array.from({ length: 10 }, (_, i) => new Uint8Array(200_000 + i * 1000).fill(i + 1));
        const results = await Promise.all(
          bodies.map((body) => t.request("PUT", "/files/race.bin", { body: streamOf(body, 8192) })),
        );
        expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
        const txs = (await Promise.all(results.map((r) => r.json()))).map((r) => r.tx).sort((a, b) => a - b);
        expect(txs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

        const got = new Uint8Array(await (await download(t, "race.bin")).arrayBuffer());
        const digest = sha(got);
        expect(bodies.map((b) => sha(b))).toContain(digest);
        const meta = await (
          await t.request("GET", "/files/race.bin", { headers: { accept: "application/json" } })
        ).json();
        expect(meta.etag).toBe(etag(got));
        expect(meta.size).toBe(got.length);
        expect(await stats(t)).toEqual({ files: 1, bytes: got.length });
        expect((await keysIn(t)).length).toBe(1);
      }));

    test("10 parallel two-step uploads completed at once: one wins whole, one object remains", () =>
      onFreshApp(async (t) => {
        const bodies = Array.from({ length: 10 }, (_, i) => new Uint8Array(50_000 + i).fill(100 + i));
        const urls: string[] = [];
        for (const _ of bodies) {
          urls.push((await (await t.request("POST", "/files/uploads", { json: { path: "race2.bin" } })).json()).url);
        }
        await Promise.all(
          bodies.map((body, i) =>
            follow(t, urls[i] as string, {
              method: "PUT",
              body,
              headers: { "content-type": "application/octet-stream" },
            }),
          ),
        );
        const completes = await Promise.all(
          bodies.map(() => t.request("POST", "/files/uploads/complete", { json: { path: "race2.bin" } })),
        );
        expect(completes.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
        for (const r of completes) expect([200, 404]).toContain(r.status);
        const got = new Uint8Array(await (await download(t, "race2.bin")).arrayBuffer());
        expect(bodies.map((b) => sha(b))).toContain(sha(got));
        expect(await stats(t)).toMatchObject({ files: 1 });
        // Only the live file's object remains (pending uploads that lost hold no bytes once completed or not).
        const pending = (
          t.db.query("SELECT count(*) AS n FROM uploads WHERE completed_at IS NULL").get() as { n: number }
        ).n;
        expect((await keysIn(t)).length).toBe(1 + pending);
      }));
  });
}
