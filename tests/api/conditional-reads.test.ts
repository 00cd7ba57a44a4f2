import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";

/**
 * If-Match / If-None-Match on reads of a file (RFC 9110 §13.2.2): a stale If-Match is 412, a
 * matching If-None-Match 304, the same for the bytes (`?redirect=false`, a signed /blobs URL)
 * and for HEAD /files/{path}, which answers as the download would. The 302 itself is not the
 * file, so its conditions are left to the URL it points at (§13.2.1).
 */
const t = makeTestApp();
afterAll(() => t.close());

let etag = "";
beforeAll(async () => {
  expect((await t.request("PUT", "/files/cond/x.txt", { body: "hello" })).status).toBe(200);
  etag = (await t.request("HEAD", "/files/cond/x.txt")).headers.get("etag") as string;
  expect(etag).toStartWith('"');
});

/** Every answer of a read of cond/x.txt that the conditions apply to, with these headers. */
async function answers(headers: Record<string, string>): Promise<Record<string, number>> {
  const redirect = await t.request("GET", "/files/cond/x.txt");
  const location = redirect.headers.get("location") as string;
  return {
    "HEAD /files": (await t.request("HEAD", "/files/cond/x.txt", { headers })).status,
    "GET ?redirect=false": (await t.request("GET", "/files/cond/x.txt?redirect=false", { headers })).status,
    "HEAD ?redirect=false": (await t.request("HEAD", "/files/cond/x.txt?redirect=false", { headers })).status,
    "GET /blobs": (await t.follow(location, { headers })).status,
    "HEAD /blobs": (await t.follow(location, { method: "HEAD", headers })).status,
  };
}

const all = (status: number) => ({
  "HEAD /files": status,
  "GET ?redirect=false": status,
  "HEAD ?redirect=false": status,
  "GET /blobs": status,
  "HEAD /blobs": status,
});

describe("conditional reads of a file", () => {
  test("If-None-Match with the current ETag: 304 everywhere, HEAD included", async () => {
    expect(await answers({ "if-none-match": etag })).toEqual(all(304));
    expect(await answers({ "if-none-match": `W/${etag}` })).toEqual(all(304));
    expect(await answers({ "if-none-match": '"other"' })).toEqual(all(200));
  });

  test("If-Match that does not hold: 412 precondition_failed everywhere", async () => {
    expect(await answers({ "if-match": '"nope"' })).toEqual(all(412));
    // Strong comparison, as for writes: the weak form of the current tag does not hold.
    expect(await answers({ "if-match": `W/${etag}` })).toEqual(all(412));
    const res = await t.request("GET", "/files/cond/x.txt?redirect=false", { headers: { "if-match": '"nope"' } });
    expect((await res.json()).error).toBe("precondition_failed");
  });

  test("If-Match with the current ETag or *: the bytes", async () => {
    expect(await answers({ "if-match": etag })).toEqual(all(200));
    expect(await answers({ "if-match": "*" })).toEqual(all(200));
    const res = await t.request("GET", "/files/cond/x.txt?redirect=false", { headers: { "if-match": etag } });
    expect(await res.text()).toBe("hello");
  });

  test("If-Match is decided before If-None-Match", async () => {
    expect(await answers({ "if-match": '"nope"', "if-none-match": etag })).toEqual(all(412));
  });

  test("the 302 is not the file: it stays a 302 and the signed URL decides", async () => {
    const conditions: Record<string, string>[] = [{ "if-match": '"nope"' }, { "if-none-match": etag }];
    for (const headers of conditions) {
      expect((await t.request("GET", "/files/cond/x.txt", { headers })).status).toBe(302);
    }
  });

  test("a malformed If-Match is a 400, as on writes", async () => {
    const res = await t.request("GET", "/files/cond/x.txt?redirect=false", { headers: { "if-match": "nope" } });
    expect(res.status).toBe(400);
  });
});
