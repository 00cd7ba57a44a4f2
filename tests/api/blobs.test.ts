import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { streamOf } from "../conformance/blob-store.suite";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp } from "../fixtures/harness";
import { pendingUploadFor } from "../fixtures/pending-upload";

const clock = { now: Date.now() };
const t = makeTestApp({ now: () => clock.now, config: { server: { max_upload_bytes: 1000 } } });
afterAll(() => t.close());

const BASE = "http://localhost";
const CONTENT = "0123456789abcdefghij"; // 20 bytes
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
let n = 0;
const newKey = () => `apiblob${String(++n).padStart(6, "0")}`;

const send = (url: string, init?: RequestInit) => t.app.handle(new Request(url, init));
const signGet = (key: string, extra: { contentType?: string; filename?: string; expiresIn?: number } = {}) =>
  t.ctx.blobs.signedUrl(key, { method: "GET", baseUrl: BASE, expiresIn: extra.expiresIn ?? 300, ...extra });
/** A signed PUT URL for `key`, with the pending upload behind it that lightd's own URLs write only for. */
async function signPut(key: string, contentType?: string): Promise<string> {
  await pendingUploadFor(t, key, contentType);
  return t.ctx.blobs.signedUrl(key, { method: "PUT", baseUrl: BASE, expiresIn: 3600, contentType });
}

async function stored(content = CONTENT): Promise<string> {
  const key = newKey();
  await t.ctx.blobs.putStream(key, new Blob([content]).stream());
  return key;
}

async function expectForbidden(res: Response) {
  expect(res.status).toBe(403);
  expect(await res.json()).toEqual({ error: "forbidden", message: "Invalid or expired signature" });
}

describe("GET /blobs/:key", () => {
  test("a signed URL streams the object with its headers, no bearer token needed", async () => {
    const key = await stored();
    const res = await send(await signGet(key));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(CONTENT);
    expect(res.headers.get("content-length")).toBe("20");
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("etag")).toBe(`"${sha(CONTENT)}"`);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("cache-control")).toBe("private");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toBe("inline");
  });

  test("bound content type and filename become Content-Type and Content-Disposition", async () => {
    const key = await stored();
    const res = await send(await signGet(key, { contentType: "text/plain; charset=utf-8", filename: "résumé 1.txt" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="r_sum_ 1.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.txt`,
    );
  });

  test("HEAD answers the headers without a body", async () => {
    const key = await stored();
    const res = await send(await signGet(key), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("20");
    expect(res.headers.get("etag")).toBe(`"${sha(CONTENT)}"`);
    expect(await res.text()).toBe("");
  });

  test("a missing object is 404 JSON", async () => {
    const res = await send(await signGet(newKey()));
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("not_found");
  });

  test("an empty object downloads as 0 bytes", async () => {
    const key = await stored("");
    const res = await send(await signGet(key));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
    expect(await res.text()).toBe("");
  });
});

describe("signature rules", () => {
  test("a tampered signature is 403", async () => {
    const key = await stored();
    const url = new URL(await signGet(key));
    const sig = url.searchParams.get("sig") as string;
    url.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    await expectForbidden(await send(url.toString()));
  });

  test("the same signature on another key is 403", async () => {
    const key = await stored();
    const other = await stored();
    const url = (await signGet(key)).replace(`/blobs/${key}`, `/blobs/${other}`);
    await expectForbidden(await send(url));
  });

  test("no signature, or a bearer token instead of one, is 403", async () => {
    const key = await stored();
    await expectForbidden(await send(`${BASE}/blobs/${key}`));
    await expectForbidden(await send(`${BASE}/blobs/${key}`, { headers: { authorization: `Bearer ${t.master}` } }));
  });

  test("a PUT URL cannot GET and a GET URL cannot PUT", async () => {
    const key = await stored();
    await expectForbidden(await send(await signPut(key)));
    await expectForbidden(await send(await signGet(newKey()), { method: "PUT", body: "x" }));
  });

  test("a changed bound filename is 403", async () => {
    const key = await stored();
    const url = new URL(await signGet(key, { filename: "a.txt" }));
    url.searchParams.set("filename", "a.html");
    await expectForbidden(await send(url.toString()));
  });

  test("an expired URL is 403 (injected clock)", async () => {
    const key = await stored();
    const url = await signGet(key, { expiresIn: 60 });
    clock.now += 61_000;
    try {
      await expectForbidden(await send(url));
    } finally {
      clock.now -= 61_000;
    }
    expect((await send(url)).status).toBe(200);
  });

  test("a malformed key is 403, never a path", async () => {
    await expectForbidden(await send(`${BASE}/blobs/..%2F..%2Fetc%2Fpasswd?expires=9999999999&sig=x`));
  });
});

describe("Range and conditional requests", () => {
  const table: { range: string; status: number; body?: string; contentRange?: string }[] = [
    { range: "bytes=0-0", status: 206, body: "0", contentRange: "bytes 0-0/20" },
    { range: "bytes=19-19", status: 206, body: "j", contentRange: "bytes 19-19/20" },
    { range: "bytes=5-9", status: 206, body: "56789", contentRange: "bytes 5-9/20" },
    { range: "bytes=15-", status: 206, body: "fghij", contentRange: "bytes 15-19/20" },
    { range: "bytes=-3", status: 206, body: "hij", contentRange: "bytes 17-19/20" },
    { range: "bytes=10-500", status: 206, body: "abcdefghij", contentRange: "bytes 10-19/20" },
    { range: "bytes=20-", status: 416, contentRange: "bytes */20" },
    { range: "bytes=30-40", status: 416, contentRange: "bytes */20" },
    { range: "bytes=9-3", status: 416, contentRange: "bytes */20" },
    { range: "bytes=-0", status: 416, contentRange: "bytes */20" },
    { range: "bytes=0-1,4-5", status: 200, body: CONTENT },
    { range: "lines=1-2", status: 200, body: CONTENT },
  ];
  for (const row of table) {
    test(`Range: ${row.range} → ${row.status}`, async () => {
      const key = await stored();
      const res = await send(await signGet(key), { headers: { range: row.range } });
      expect(res.status).toBe(row.status);
      expect(res.headers.get("content-range")).toBe(row.contentRange ?? null);
      if (row.status === 416) expect((await res.json()).error).toBe("range_not_satisfiable");
      else {
        expect(await res.text()).toBe(row.body as string);
        expect(res.headers.get("content-length")).toBe(String((row.body as string).length));
      }
    });
  }

  test("If-None-Match with the current etag is 304 with no body", async () => {
    const key = await stored();
    const url = await signGet(key);
    const etag = `"${sha(CONTENT)}"`;
    const res = await send(url, { headers: { "if-none-match": etag } });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(etag);
    expect(await res.text()).toBe("");
    expect((await send(url, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
    expect((await send(url, { method: "HEAD", headers: { "if-none-match": etag } })).status).toBe(304);
  });

  test("If-Range: the range applies only while the etag still matches", async () => {
    const key = await stored();
    const url = await signGet(key);
    const same = await send(url, { headers: { range: "bytes=0-1", "if-range": `"${sha(CONTENT)}"` } });
    expect(same.status).toBe(206);
    const changed = await send(url, { headers: { range: "bytes=0-1", "if-range": '"stale"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe(CONTENT);
  });
});

describe("PUT /blobs/:key", () => {
  test("a signed PUT stores the body and answers ETag and {etag, size}", async () => {
    const key = newKey();
    const res = await send(await signPut(key), { method: "PUT", body: "uploaded!" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${sha("uploaded!")}"`);
    expect(await res.json()).toEqual({ etag: sha("uploaded!"), size: 9 });
    expect(await t.ctx.blobs.head(key)).toMatchObject({ size: 9, etag: sha("uploaded!") });
  });

  test("a streamed body (no Content-Length) is stored", async () => {
    const key = newKey();
    const res = await send(await signPut(key), {
      method: "PUT",
      body: streamOf(new TextEncoder().encode("x".repeat(500)), 64),
    });
    expect(res.status).toBe(200);
    expect((await t.ctx.blobs.head(key)).size).toBe(500);
  });

  test("replaying a PUT URL after the object exists is 409", async () => {
    const key = newKey();
    const url = await signPut(key);
    expect((await send(url, { method: "PUT", body: "first" })).status).toBe(200);
    const again = await send(url, { method: "PUT", body: "second" });
    expect(again.status).toBe(409);
    expect((await t.ctx.blobs.head(key)).size).toBe(5);
  });

  test("a bound content type must match the request", async () => {
    const key = newKey();
    const url = await signPut(key, "image/png");
    const wrong = await send(url, { method: "PUT", body: "x", headers: { "content-type": "text/html" } });
    expect(wrong.status).toBe(403);
    const right = await send(url, { method: "PUT", body: "x", headers: { "content-type": "image/png" } });
    expect(right.status).toBe(200);
    expect((await t.ctx.blobs.head(key)).contentType).toBe("image/png");
  });

  async function blobCount(): Promise<number> {
    let count = 0;
    for (const _ of await storedKeys(t.ctx.blobs)) count++;
    return count;
  }

  test("a body over server.max_upload_bytes is 413 and leaves no blob (declared length)", async () => {
    const key = newKey();
    const before = await blobCount();
    const res = await send(await signPut(key), { method: "PUT", body: "x".repeat(1001) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe("payload_too_large");
    await expect(t.ctx.blobs.head(key)).rejects.toThrow();
    expect(await blobCount()).toBe(before);
  });

  test("a streamed body that grows past the limit is 413 and leaves no blob", async () => {
    const key = newKey();
    const before = await blobCount();
    const res = await send(await signPut(key), {
      method: "PUT",
      body: streamOf(new Uint8Array(5000), 100),
    });
    expect(res.status).toBe(413);
    await expect(t.ctx.blobs.head(key)).rejects.toThrow();
    expect(await blobCount()).toBe(before);
  });

  test("a part PUT stores the part and answers its ETag; the URL is bound to that part", async () => {
    const key = newKey();
    const uploadId = await t.ctx.blobs.createMultipart(key);
    const url = await t.ctx.blobs.signedPartUrl(key, uploadId, 1, { expiresIn: 3600, baseUrl: BASE });
    const res = await send(url, { method: "PUT", body: "part-one" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${sha("part-one")}"`);

    const asOtherPart = new URL(url);
    asOtherPart.searchParams.set("part", "2");
    await expectForbidden(await send(asOtherPart.toString(), { method: "PUT", body: "x" }));
    const asWhole = new URL(url);
    asWhole.searchParams.delete("upload_id");
    asWhole.searchParams.delete("part");
    await expectForbidden(await send(asWhole.toString(), { method: "PUT", body: "x" }));

    const done = await t.ctx.blobs.completeMultipart(key, uploadId, [
      { partNumber: 1, etag: res.headers.get("etag") as string },
    ]);
    expect(done.size).toBe(8);
  });

  test("a part PUT for an aborted upload is 404", async () => {
    const key = newKey();
    const uploadId = await t.ctx.blobs.createMultipart(key);
    const url = await t.ctx.blobs.signedPartUrl(key, uploadId, 1, { expiresIn: 3600, baseUrl: BASE });
    await t.ctx.blobs.abortMultipart(key, uploadId);
    const res = await send(url, { method: "PUT", body: "late" });
    expect(res.status).toBe(404);
  });

  test("a part over the max upload size is 413", async () => {
    const key = newKey();
    const uploadId = await t.ctx.blobs.createMultipart(key);
    const url = await t.ctx.blobs.signedPartUrl(key, uploadId, 1, { expiresIn: 3600, baseUrl: BASE });
    const res = await send(url, { method: "PUT", body: "x".repeat(2000) });
    expect(res.status).toBe(413);
    await t.ctx.blobs.abortMultipart(key, uploadId);
  });
});
