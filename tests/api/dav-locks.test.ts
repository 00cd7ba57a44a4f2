import { afterAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";

/**
 * A lock taken through WebDAV is one rule for every door: the REST routes (and so the
 * dashboard and the CLI) cannot change what a WebDAV client has locked, and a delete or
 * move through any door leaves no lock behind on the paths it unmapped.
 */

const t = makeTestApp();
afterAll(() => t.close());

const dav = (method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit) =>
  t.request(method, `/dav/${path}`, { headers, body });

const lockBody =
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  "<D:locktype><D:write/></D:locktype><D:owner>Finder</D:owner></D:lockinfo>";

/** Takes an exclusive lock through WebDAV (Depth: infinity on a folder) and returns its token. */
async function lock(path: string): Promise<string> {
  const res = await dav("LOCK", path, { "content-type": "application/xml" }, lockBody);
  expect(res.status).toBe(200);
  return (res.headers.get("lock-token") as string).replace(/^<(.*)>$/, "$1");
}

describe("a delete or move leaves no lock behind", () => {
  test("a REST delete drops the locks on the file it deleted", async () => {
    await dav("PUT", "gone.txt", {}, "v1");
    await lock("gone.txt");
    expect((await t.request("DELETE", "/files/gone.txt")).status).toBe(200);
    // Re-creating the file is not refused by a lock on a URL that no longer existed.
    expect((await dav("PUT", "gone.txt", {}, "v2")).status).toBe(201);
  });

  test("a REST move drops the locks on the source: neither the old nor the new path is locked", async () => {
    await dav("MKCOL", "from/");
    await dav("PUT", "from/a.txt", {}, "a");
    await lock("from/");
    const moved = await t.request("POST", "/files/move", { json: { from: "from/", to: "to/" } });
    expect(moved.status).toBe(200);
    expect((await dav("MKCOL", "from/")).status).toBe(201);
    expect((await dav("PUT", "from/a.txt", {}, "again")).status).toBe(201);
    expect((await dav("PUT", "to/a.txt", {}, "changed")).status).toBe(204);
  });
});
