import { afterAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";

/**
 * RFC 9110 §14.5: lightd does no partial PUT, so a PUT with `Content-Range` is 400 on every
 * front door that takes an upload, and the file it names keeps every byte it had.
 */

const t = makeTestApp();
afterAll(() => t.close());

const WHOLE = "0123456789";
const fragment = { "content-range": "bytes 2-3/10" };

async function expectRefused(res: Response) {
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe("bad_request");
}

const textOf = async (path: string) => (await t.request("GET", `/files/${path}?redirect=false`)).text();

describe("a PUT with Content-Range is refused and changes nothing", () => {
  test("PUT /files/{path}", async () => {
    expect((await t.request("PUT", "/files/ranged/rest.txt", { body: WHOLE })).status).toBe(200);
    await expectRefused(await t.request("PUT", "/files/ranged/rest.txt", { body: "AB", headers: fragment }));
    await expectRefused(await t.request("PUT", "/files/ranged/rest.txt?message=x", { body: "AB", headers: fragment }));
    expect(await textOf("ranged/rest.txt")).toBe(WHOLE);
    await expectRefused(await t.request("PUT", "/files/ranged/new.txt", { body: "AB", headers: fragment }));
    expect((await t.request("GET", "/files/ranged/new.txt")).status).toBe(404);
  });

  test("PUT /dav/{path}", async () => {
    expect((await t.request("PUT", "/dav/dav.txt", { body: WHOLE })).status).toBe(201);
    await expectRefused(await t.request("PUT", "/dav/dav.txt", { body: "AB", headers: fragment }));
    expect(await textOf("dav.txt")).toBe(WHOLE);
  });

  test("PUT to a signed /blobs URL", async () => {
    const created = await t.request("POST", "/files/uploads", { json: { path: "ranged/signed.txt" } });
    const { url, content_type } = (await created.json()) as { url: string; content_type: string };
    const headers = { "content-type": content_type };
    await expectRefused(await t.follow(url, { method: "PUT", body: "AB", headers: { ...headers, ...fragment } }));
    // Completing finds no bytes, as before any arrived.
    await expectRefused(await t.request("POST", "/files/uploads/complete", { json: { path: "ranged/signed.txt" } }));
    // The URL is write-once: it still takes the whole file because the refused fragment was not stored.
    expect((await t.follow(url, { method: "PUT", body: WHOLE, headers })).status).toBe(200);
    expect((await t.request("POST", "/files/uploads/complete", { json: { path: "ranged/signed.txt" } })).status).toBe(
      200,
    );
    expect(await textOf("ranged/signed.txt")).toBe(WHOLE);
  });
});
