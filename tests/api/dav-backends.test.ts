import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp } from "../fixtures/harness";

/**
 * WebDAV's bytes on every store: PUT streams through the one-step upload, GET streams
 * the object back (never a redirect: mount clients do not follow one), with Range and
 * the ETag PROPFIND reports; COPY and MOVE keep the bytes.
 */

forEachBackend(davBytes);

function davBytes(backend: Backend): void {
  const t = makeTestApp({ backend });
  afterAll(() => t.close());
  const dav = (method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit) =>
    t.request(method, `/dav/${path}`, { headers, body });
  const bytes = new Uint8Array(randomBytes(300_000));

  test("PUT, GET with Range, COPY and MOVE round-trip the bytes", async () => {
    expect((await dav("MKCOL", "b/")).status).toBe(201);
    expect((await dav("PUT", "b/blob.bin", {}, bytes)).status).toBe(201);
    const got = await dav("GET", "b/blob.bin");
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const etag = got.headers.get("etag") as string;
    const listing = await (await dav("PROPFIND", "b/blob.bin", { depth: "0" })).text();
    expect(listing).toContain(`<D:getetag>${etag}</D:getetag>`);
    expect(listing).toContain(`<D:getcontentlength>${bytes.length}</D:getcontentlength>`);

    const part = await dav("GET", "b/blob.bin", { range: "bytes=1000-1999" });
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(1000, 2000));

    expect((await dav("COPY", "b/blob.bin", { destination: "/dav/b/copy.bin" })).status).toBe(201);
    expect((await dav("MOVE", "b/copy.bin", { destination: "/dav/b/moved.bin" })).status).toBe(201);
    const moved = await dav("GET", "b/moved.bin");
    expect(new Uint8Array(await moved.arrayBuffer())).toEqual(bytes);
    expect((await dav("DELETE", "b/")).status).toBe(204);
    expect((await dav("GET", "b/moved.bin")).status).toBe(404);
  });
}
