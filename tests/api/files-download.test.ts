import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";
import { skipNote, testUnless } from "../fixtures/skip";

const clock = { now: 1_700_000_000_000 };

const CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz"; // 36 bytes

/** The signed URL with its object key swapped for another: lightd's HMAC or S3's SigV4 must refuse it. */
function tamper(location: string): string {
  const url = new URL(location);
  url.pathname = url.pathname.replace(/[^/]+$/, "AAAAAAAAAAAAAAAAAAAAAAAA");
  return url.toString();
}

// With S3 (serve_downloads false) GET /files answers 302 to the bucket, so ranges, 304 and
// 416 are RGW's own answers; with "s3 serve_downloads" lightd streams from S3 itself.
forEachBackend(downloadTests, { serveDownloads: true });

function downloadTests(backend: Backend) {
  // Versioning off: an overwrite removes the replaced object, which "after an overwrite" checks
  // (with versions on, a signed URL in flight keeps serving it: tests/api/versions-gc.test.ts).
  const t = makeTestApp({ backend, now: () => clock.now, config: { versions: { keep_count: 0 } } });
  afterAll(() => t.close());
  const ETAG = `"${backend.etagOf(CONTENT)}"`;
  const follow = (location: string, init: RequestInit = {}) => t.follow(location, init);
  // Where downloads go to the bucket, its own rules answer ranges and HEAD (checked separately).
  const bucketServes = backend.servesDownloads ? null : "downloads are presigned bucket URLs; the bucket answers";

  async function locationOf(path: string): Promise<string> {
    const res = await t.request("GET", path);
    expect(res.status).toBe(302);
    const location = res.headers.get("location");
    expect(location).toBeTruthy();
    return location as string;
  }

  beforeAll(async () => {
    const res = await t.request("PUT", "/files/docs/alphabet.txt", {
      body: CONTENT,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
    expect(res.status).toBe(200);
    await t.request("PUT", "/files/data/blob.bin", { body: "\x00\x01\x02" });
    await t.request("PUT", "/files/empty.txt", { body: "" });
  });

  describe("GET /files/{path}", () => {
    test(
      backend.servesDownloads ? "302 to a signed /blobs URL on lightd itself" : "302 to a presigned URL on the bucket",
      async () => {
        const location = await locationOf("/files/docs/alphabet.txt");
        const url = new URL(location);
        if (backend.servesDownloads) {
          expect(url.origin).toBe("http://localhost");
          expect(url.pathname).toStartWith("/blobs/");
        } else {
          const s3 = t.ctx.config.current.storage.s3;
          expect(url.origin).toBe(new URL(s3?.endpoint as string).origin);
          expect(url.pathname).toStartWith(`/${s3?.bucket}/${s3?.key_prefix}`);
          expect(url.searchParams.get("X-Amz-Signature")).toBeTruthy();
        }
        // The object id, not the user's path, names the stored bytes.
        expect(url.pathname).not.toContain("alphabet");
      },
    );

    test("following it gives the bytes with Content-Type, Content-Length, ETag, Accept-Ranges", async () => {
      const res = await follow(await locationOf("/files/docs/alphabet.txt"));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(CONTENT);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(res.headers.get("content-length")).toBe("36");
      expect(res.headers.get("etag")).toBe(ETAG);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
    });

    test("the signed URL needs no bearer token but does not work once tampered with", async () => {
      const location = await locationOf("/files/docs/alphabet.txt");
      const res = await follow(location, { headers: {} });
      expect(res.status).toBe(200);
      const bad = await follow(tamper(location));
      expect(bad.status).toBe(403);
      if (backend.servesDownloads) expect((await bad.json()).error).toBe("forbidden");
    });

    test("a content type is guessed from the name when none was sent", async () => {
      const res = await follow(await locationOf("/files/data/blob.bin"));
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2]));
    });

    test("an empty file downloads as 0 bytes", async () => {
      const res = await follow(await locationOf("/files/empty.txt"));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("0");
      expect(await res.text()).toBe("");
    });

    test.each([
      ["first byte", "bytes=0-0", "0", "bytes 0-0/36"],
      ["first ten", "bytes=0-9", "0123456789", "bytes 0-9/36"],
      ["middle", "bytes=10-15", "abcdef", "bytes 10-15/36"],
      ["open-ended", "bytes=30-", "uvwxyz", "bytes 30-35/36"],
      ["last byte", "bytes=35-35", "z", "bytes 35-35/36"],
      ["suffix", "bytes=-4", "wxyz", "bytes 32-35/36"],
      ["suffix longer than the file", "bytes=-100", CONTENT, "bytes 0-35/36"],
      ["end past the file is clamped", "bytes=34-1000", "yz", "bytes 34-35/36"],
    ])("Range %s (%s) → 206", async (_name, range, body, contentRange) => {
      const res = await follow(await locationOf("/files/docs/alphabet.txt"), { headers: { range } });
      expect(res.status).toBe(206);
      expect(await res.text()).toBe(body);
      expect(res.headers.get("content-range")).toBe(contentRange);
      expect(res.headers.get("content-length")).toBe(String(body.length));
      expect(res.headers.get("etag")).toBe(ETAG);
    });

    // lightd's own answers; a presigned S3 URL gets the bucket's (RGW 16 omits Content-Range on
    // 416 and serves bytes=9-3 and bytes=-0 as ranges), checked by the test after this one.
    (bucketServes ? test.skip : test).each([
      ["start past the end", "bytes=36-"],
      ["start far past the end", "bytes=1000-2000"],
      ["end before start", "bytes=9-3"],
      ["zero-length suffix", "bytes=-0"],
    ])(`Range %s (%s) → 416 with Content-Range bytes */size${skipNote(bucketServes)}`, async (_name, range) => {
      const res = await follow(await locationOf("/files/docs/alphabet.txt"), { headers: { range } });
      expect(res.status).toBe(416);
      expect(res.headers.get("content-range")).toBe("bytes */36");
      expect((await res.json()).error).toBe("range_not_satisfiable");
    });

    test("a Range starting past the end → 416", async () => {
      const res = await follow(await locationOf("/files/docs/alphabet.txt"), { headers: { range: "bytes=36-" } });
      expect(res.status).toBe(416);
    });

    test("a Range on an empty file → 416", async () => {
      const res = await follow(await locationOf("/files/empty.txt"), { headers: { range: "bytes=0-0" } });
      expect(res.status).toBe(416);
    });

    test("If-None-Match with the current ETag → 304 with no body; a stale ETag → 200", async () => {
      const location = await locationOf("/files/docs/alphabet.txt");
      const hit = await follow(location, { headers: { "if-none-match": ETAG } });
      expect(hit.status).toBe(304);
      // RGW 16 sends no ETag with its 304.
      if (backend.servesDownloads) expect(hit.headers.get("etag")).toBe(ETAG);
      expect(await hit.text()).toBe("");
      // RGW 16 ignores If-None-Match: * on GET (200); lightd answers 304 as RFC 9110 says.
      const star = await follow(location, { headers: { "if-none-match": "*" } });
      if (backend.servesDownloads) expect(star.status).toBe(304);
      const miss = await follow(location, { headers: { "if-none-match": '"something-else"' } });
      expect(miss.status).toBe(200);
      expect(await miss.text()).toBe(CONTENT);
    });

    test("Accept: application/json → metadata with size, content_type, etag, url, tx, updated_at", async () => {
      const res = await t.request("GET", "/files/docs/alphabet.txt", { headers: { accept: "application/json" } });
      expect(res.status).toBe(200);
      const meta = await res.json();
      expect(meta).toEqual({
        path: "docs/alphabet.txt",
        name: "alphabet.txt",
        type: "file",
        size: 36,
        content_type: "text/plain; charset=utf-8",
        etag: backend.etagOf(CONTENT),
        url: expect.stringContaining(backend.servesDownloads ? "/blobs/" : "X-Amz-Signature="),
        tx: 1,
        updated_at: clock.now,
      });
      const bytes = await follow(meta.url);
      expect(await bytes.text()).toBe(CONTENT);
    });

    test("the versioned media type also gets metadata", async () => {
      const res = await t.request("GET", "/files/docs/alphabet.txt", {
        headers: { accept: "application/vnd.pkglatv1+json" },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).size).toBe(36);
    });

    test("a missing file → 404 JSON (plain and JSON Accept)", async () => {
      const accepts: Record<string, string>[] = [{}, { accept: "application/json" }];
      for (const headers of accepts) {
        const res = await t.request("GET", "/files/docs/missing.txt", { headers });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: "not_found", message: "File not found" });
      }
    });

    test("a folder with Accept: application/json → its metadata, url null", async () => {
      const res = await t.request("GET", "/files/docs/", { headers: { accept: "application/json" } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ path: "docs/", type: "folder", url: null });
    });

    test("a folder without JSON Accept → 400 (there are no bytes to redirect to)", async () => {
      const res = await t.request("GET", "/files/docs/");
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("bad_request");
    });
  });

  describe("HEAD /files/{path}", () => {
    test("200 with Content-Length = size, ETag, Content-Type and no body", async () => {
      const res = await t.request("HEAD", "/files/docs/alphabet.txt");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("36");
      expect(res.headers.get("etag")).toBe(ETAG);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res.text()).toBe("");
    });

    test("a missing file → 404 with no body", async () => {
      const res = await t.request("HEAD", "/files/nope.txt");
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("");
    });

    // An S3 presigned URL is signed for GET only; HEAD needs its own signature.
    testUnless(bucketServes)("HEAD of the signed URL answers the same headers", async () => {
      const res = await follow(await locationOf("/files/docs/alphabet.txt"), { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("36");
      expect(res.headers.get("etag")).toBe(ETAG);
      expect(await res.text()).toBe("");
    });
  });

  describe("after an overwrite", () => {
    // Its own file: the other tests read docs/alphabet.txt as the beforeAll wrote it.
    test("a new ETag, the new bytes, and the old signed URL no longer serves old bytes", async () => {
      const first = await t.request("PUT", "/files/docs/overwritten.txt", { body: CONTENT });
      expect(first.status).toBe(200);
      const oldLocation = await locationOf("/files/docs/overwritten.txt");
      expect(await (await follow(oldLocation)).text()).toBe(CONTENT);
      const put = await t.request("PUT", "/files/docs/overwritten.txt", { body: "NEW" });
      expect(put.status).toBe(200);
      const head = await t.request("HEAD", "/files/docs/overwritten.txt");
      expect(head.headers.get("etag")).toBe(`"${backend.etagOf("NEW")}"`);
      expect(head.headers.get("content-length")).toBe("3");
      const fresh = await follow(await locationOf("/files/docs/overwritten.txt"));
      expect(await fresh.text()).toBe("NEW");
      // The replaced object was removed from the store.
      const stale = await follow(oldLocation);
      expect(stale.status).toBe(404);
    });
  });
}
