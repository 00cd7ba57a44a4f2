import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp } from "../fixtures/harness";

const clock = { now: 1_700_000_000_000 };
const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

interface Multipart {
  upload_id: string;
  key: string;
  content_type: string;
  part_urls: string[];
  expires_in: number;
}

forEachBackend(multipartTests);

function multipartTests(backend: Backend) {
  const t = makeTestApp({ backend, now: () => clock.now });
  afterAll(() => t.close());
  const follow = (url: string, init: RequestInit = {}) => t.follow(url, init);
  /** Ids of the multipart uploads the store still holds (parts directories locally, S3 uploads on the bucket). */
  const openUploads = () => backend.openUploads(t);

  async function start(path: string, partCount: number, contentType?: string): Promise<Multipart> {
    const res = await t.request("POST", "/files/uploads/multipart", {
      json: { path, part_count: partCount, ...(contentType ? { content_type: contentType } : {}) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Multipart;
  }

  /** PUTs each part to its signed URL and returns the ETags from the part responses' headers. */
  async function sendParts(upload: Multipart, parts: Uint8Array<ArrayBuffer>[]): Promise<string[]> {
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const res = await follow(upload.part_urls[i] as string, { method: "PUT", body: part });
      expect(res.status).toBe(200);
      const etag = res.headers.get("etag");
      expect(etag).toBe(`"${backend.etagOf(part)}"`);
      // lightd's /blobs also answers JSON; S3 answers only the header.
      if (backend.kind === "local") expect(await res.json()).toEqual({ etag: sha(part), size: part.length });
      etags.push(etag as string);
    }
    return etags;
  }

  const complete = (path: string, uploadId: string, parts: Array<{ part_number: number; etag: string }>) =>
    t.request("POST", "/files/uploads/multipart/complete", { json: { path, upload_id: uploadId, parts } });

  /** The newest tx so far: the tests around this one change the same app in any order. */
  const latestTx = async (): Promise<number> =>
    ((await (await t.request("GET", "/files/log?limit=1000")).json()) as { events: { tx: number }[] }).events.at(-1)
      ?.tx ?? 0;

  const abort = (path: string, uploadId: string) =>
    t.request("POST", "/files/uploads/multipart/abort", { json: { path, upload_id: uploadId } });

  // S3 refuses parts under 5 MiB but the last, so the S3 run sends real-sized parts.
  const PART_SIZE = Math.max(70_000, backend.minPartSize);
  const PARTS = [
    new Uint8Array(PART_SIZE).fill(1),
    new Uint8Array(PART_SIZE).fill(2),
    new TextEncoder().encode("tail"),
  ];
  const WHOLE = new Uint8Array(Buffer.concat(PARTS));

  describe("multipart upload", () => {
    test("create answers upload_id, key, content_type, one part URL per part, expires_in", async () => {
      const upload = await start("big/video.mp4", 3);
      expect(upload.upload_id).toBeString();
      expect(upload.key).toBeString();
      expect(upload.content_type).toBe("video/mp4");
      expect(upload.part_urls).toHaveLength(3);
      expect(new Set(upload.part_urls).size).toBe(3);
      const origin = backend.kind === "local" ? "http://localhost/blobs/" : t.ctx.config.current.storage.s3?.endpoint;
      for (const url of upload.part_urls) expect(url).toStartWith(origin as string);
      expect(upload.expires_in).toBe(3600);
      await abort("big/video.mp4", upload.upload_id);
    });

    test("3 parts with the ETags from the part PUTs → the file is the parts in order", async () => {
      const before = await latestTx();
      const upload = await start("big/data.bin", 3, "application/x-custom");
      const etags = await sendParts(upload, PARTS);
      // Nothing visible before complete.
      expect((await t.request("GET", "/files/big/data.bin")).status).toBe(404);
      clock.now += 1000;
      const res = await complete(
        "big/data.bin",
        upload.upload_id,
        etags.map((etag, i) => ({ part_number: i + 1, etag })),
      );
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toEqual({
        path: "big/data.bin",
        name: "data.bin",
        size: WHOLE.length,
        tx: before + 1,
        time: clock.now,
      });

      const redirect = await t.request("GET", "/files/big/data.bin");
      const got = await follow(redirect.headers.get("location") as string);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("application/x-custom");
      expect(got.headers.get("content-length")).toBe(String(WHOLE.length));
      expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(WHOLE));
      // The parts are cleaned up; only the assembled object remains.
      expect(await openUploads()).not.toContain(upload.upload_id);
      const log = await (await t.request("GET", `/files/log?since_tx=${before}`)).json();
      expect(log.events).toMatchObject([
        { tx: before + 1, action: "upload", path: "big/data.bin", size: WHOLE.length },
      ]);
    });

    test("unquoted ETags are accepted too", async () => {
      const upload = await start("big/unquoted.bin", 2);
      const etags = await sendParts(upload, PARTS.slice(0, 2));
      const res = await complete(
        "big/unquoted.bin",
        upload.upload_id,
        etags.map((etag, i) => ({ part_number: i + 1, etag: etag.replaceAll('"', "") })),
      );
      expect(res.status).toBe(200);
    });

    test("a part can be re-sent before complete; the last one counts", async () => {
      const upload = await start("big/resend.bin", 1);
      await sendParts(upload, [new Uint8Array([1, 1, 1])]);
      const [etag] = await sendParts(upload, [new Uint8Array([2, 2])]);
      const res = await complete("big/resend.bin", upload.upload_id, [{ part_number: 1, etag: etag as string }]);
      expect(res.status).toBe(200);
      expect((await res.json()).size).toBe(2);
    });

    describe("complete refuses", () => {
      test("a wrong ETag → 400; nothing visible; the upload can still be completed", async () => {
        const upload = await start("big/wrong-etag.bin", 3);
        const etags = await sendParts(upload, PARTS);
        const wrong = etags.map((etag, i) => ({ part_number: i + 1, etag: i === 1 ? `"${"0".repeat(64)}"` : etag }));
        const res = await complete("big/wrong-etag.bin", upload.upload_id, wrong);
        expect(res.status).toBe(400);
        expect((await res.json()).error).toBe("bad_request");
        expect((await t.request("GET", "/files/big/wrong-etag.bin")).status).toBe(404);
        const right = await complete(
          "big/wrong-etag.bin",
          upload.upload_id,
          etags.map((etag, i) => ({ part_number: i + 1, etag })),
        );
        expect(right.status).toBe(200);
      });

      test.each([
        ["out of order", [2, 1, 3]],
        ["a repeated part", [1, 1, 2]],
      ])("parts %s → 400", async (_name, order) => {
        const upload = await start("big/order.bin", 3);
        const etags = await sendParts(upload, PARTS);
        const res = await complete(
          "big/order.bin",
          upload.upload_id,
          order.map((n) => ({ part_number: n, etag: etags[n - 1] as string })),
        );
        expect(res.status).toBe(400);
        expect((await res.json()).error).toBe("bad_request");
        expect((await t.request("GET", "/files/big/order.bin")).status).toBe(404);
        await abort("big/order.bin", upload.upload_id);
      });

      test("a part that was never uploaded → 400", async () => {
        const upload = await start("big/missing-part.bin", 3);
        const etags = await sendParts(upload, PARTS.slice(0, 2));
        const res = await complete("big/missing-part.bin", upload.upload_id, [
          { part_number: 1, etag: etags[0] as string },
          { part_number: 2, etag: etags[1] as string },
          { part_number: 3, etag: '"abc"' },
        ]);
        expect(res.status).toBe(400);
        await abort("big/missing-part.bin", upload.upload_id);
      });

      test.each([
        ["no parts", []],
        ["part_number 0", [{ part_number: 0, etag: "x" }]],
        ["etag missing", [{ part_number: 1 }]],
        ["parts not an array", "x"],
      ])("%s → 400", async (_name, parts) => {
        const upload = await start("big/bad-body.bin", 1);
        const res = await t.request("POST", "/files/uploads/multipart/complete", {
          json: { path: "big/bad-body.bin", upload_id: upload.upload_id, parts },
        });
        expect(res.status).toBe(400);
        expect((await res.json()).error).toBe("bad_request");
        await abort("big/bad-body.bin", upload.upload_id);
      });

      test("an unknown upload_id → 404", async () => {
        const res = await complete("big/x.bin", "no-such-upload", [{ part_number: 1, etag: "x" }]);
        expect(res.status).toBe(404);
        expect((await res.json()).error).toBe("not_found");
      });

      test("an upload_id for another path → 400, and it is left intact", async () => {
        const upload = await start("big/mine.bin", 1);
        const [etag] = await sendParts(upload, [new Uint8Array([7])]);
        const res = await complete("big/other.bin", upload.upload_id, [{ part_number: 1, etag: etag as string }]);
        expect(res.status).toBe(400);
        expect((await t.request("GET", "/files/big/other.bin")).status).toBe(404);
        const ok = await complete("big/mine.bin", upload.upload_id, [{ part_number: 1, etag: etag as string }]);
        expect(ok.status).toBe(200);
      });

      test("completing twice → 404 the second time", async () => {
        const upload = await start("big/twice.bin", 1);
        const [etag] = await sendParts(upload, [new Uint8Array([7])]);
        const parts = [{ part_number: 1, etag: etag as string }];
        expect((await complete("big/twice.bin", upload.upload_id, parts)).status).toBe(200);
        expect((await complete("big/twice.bin", upload.upload_id, parts)).status).toBe(404);
      });
    });

    describe("abort", () => {
      test("answers aborted true; the parts are gone; complete after abort → 404", async () => {
        const upload = await start("big/aborted.bin", 3);
        const etags = await sendParts(upload, PARTS);
        expect(await openUploads()).toContain(upload.upload_id);
        const res = await abort("big/aborted.bin", upload.upload_id);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ aborted: true });
        expect(await openUploads()).not.toContain(upload.upload_id);
        const after = await complete(
          "big/aborted.bin",
          upload.upload_id,
          etags.map((etag, i) => ({ part_number: i + 1, etag })),
        );
        expect(after.status).toBe(404);
        expect((await t.request("GET", "/files/big/aborted.bin")).status).toBe(404);
      });

      test("a part PUT after abort → 404, and leaves nothing behind", async () => {
        const upload = await start("big/late-part.bin", 1);
        await abort("big/late-part.bin", upload.upload_id);
        const res = await follow(upload.part_urls[0] as string, { method: "PUT", body: new Uint8Array([1]) });
        expect(res.status).toBe(404);
        expect(await openUploads()).not.toContain(upload.upload_id);
      });

      test("aborting an unknown upload → 404; aborting twice → 404", async () => {
        expect((await abort("big/x.bin", "no-such-upload")).status).toBe(404);
        const upload = await start("big/abort-twice.bin", 1);
        expect((await abort("big/abort-twice.bin", upload.upload_id)).status).toBe(200);
        expect((await abort("big/abort-twice.bin", upload.upload_id)).status).toBe(404);
      });
    });

    test.each([
      ["part_count 0", { path: "a.bin", part_count: 0 }],
      ["part_count 10001", { path: "a.bin", part_count: 10_001 }],
      ["part_count 1.5", { path: "a.bin", part_count: 1.5 }],
      ["folder path", { path: "a/", part_count: 1 }],
      ["no path", { part_count: 1 }],
    ])("create with %s → 400", async (_name, body) => {
      const res = await t.request("POST", "/files/uploads/multipart", { json: body });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("bad_request");
    });

    test("a part URL is bound to its part: it cannot write the whole object", async () => {
      const upload = await start("big/bound.bin", 2);
      const url = new URL(upload.part_urls[0] as string);
      for (const name of ["upload_id", "part", "uploadId", "partNumber"]) url.searchParams.delete(name);
      const res = await follow(url.toString(), { method: "PUT", body: new Uint8Array([1]) });
      expect(res.status).toBe(403);
      await abort("big/bound.bin", upload.upload_id);
    });

    test("after all of the above, stored objects = live files (no leaks)", async () => {
      const keys: string[] = [];
      for (const key of await storedKeys(t.ctx.blobs)) keys.push(key);
      const stats = await (await t.request("GET", "/files/stats")).json();
      expect(keys.length).toBe(stats.files);
      expect(await openUploads()).toEqual([]);
    });
  });
}
