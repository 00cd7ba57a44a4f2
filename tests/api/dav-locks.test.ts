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

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, string> });
const refused = {
  status: 423,
  body: { error: "locked", message: expect.stringContaining("locked by a WebDAV client until") },
};

describe("a lock taken through WebDAV holds at every door", () => {
  test("REST cannot overwrite, delete, move or restore a locked file; WebDAV with the token can", async () => {
    expect((await dav("PUT", "a.txt", {}, "v1")).status).toBe(201);
    const token = await lock("a.txt");
    expect(await json(await t.request("PUT", "/files/a.txt", { body: "other" }))).toEqual(refused);
    expect(await json(await t.request("DELETE", "/files/a.txt"))).toEqual(refused);
    expect(await json(await t.request("POST", "/files/move", { json: { from: "a.txt", to: "b.txt" } }))).toEqual(
      refused,
    );
    expect((await t.request("POST", "/files/restore", { json: { path: "a.txt", tx: 1 } })).status).toBe(423);
    expect((await dav("PUT", "a.txt", {}, "no token")).status).toBe(423);
    expect(await (await t.request("GET", "/files/a.txt?redirect=false")).text()).toBe("v1");

    expect((await dav("PUT", "a.txt", { if: `(<${token}>)` }, "v2")).status).toBe(204);
    expect(await (await t.request("GET", "/files/a.txt?redirect=false")).text()).toBe("v2");
    expect((await dav("UNLOCK", "a.txt", { "lock-token": `<${token}>` })).status).toBe(204);
    expect((await t.request("PUT", "/files/a.txt", { body: "v3" })).status).toBe(200);
  });

  test("a Depth: infinity lock on a folder covers what is in it and what would go into it", async () => {
    await dav("MKCOL", "docs/");
    await dav("PUT", "docs/in.txt", {}, "in");
    await dav("PUT", "elsewhere.txt", {}, "x");
    await lock("docs/");
    const files = (method: string, path: string, json?: unknown) => t.request(method, path, { json });
    expect((await t.request("PUT", "/files/docs/new.txt", { body: "new" })).status).toBe(423);
    expect((await t.request("PUT", "/files/docs/in.txt", { body: "new" })).status).toBe(423);
    expect((await files("POST", "/files/mkdir", { path: "docs/sub/" })).status).toBe(423);
    expect((await files("POST", "/files/copy", { from: "elsewhere.txt", to: "docs/copy.txt" })).status).toBe(423);
    expect((await files("POST", "/files/move", { from: "elsewhere.txt", to: "docs/moved.txt" })).status).toBe(423);
    expect((await files("POST", "/files/move", { from: "docs/", to: "moved/" })).status).toBe(423);
    expect((await t.request("DELETE", "/files/docs/")).status).toBe(423);
    // Reading, and changing what the lock does not cover, stay open.
    expect((await t.request("GET", "/files/docs/in.txt?redirect=false")).status).toBe(200);
    expect((await files("POST", "/files/copy", { from: "docs/", to: "docs-copy/" })).status).toBe(200);
    expect((await t.request("PUT", "/files/elsewhere.txt", { body: "y" })).status).toBe(200);
  });

  test("deleting a folder is refused while something inside it is locked", async () => {
    await dav("MKCOL", "outer/");
    await dav("PUT", "outer/held.txt", {}, "held");
    await lock("outer/held.txt");
    expect((await t.request("DELETE", "/files/outer/")).status).toBe(423);
    expect((await dav("DELETE", "outer/")).status).toBe(423);
    expect((await t.request("GET", "/files/outer/held.txt?redirect=false")).status).toBe(200);
  });
});

describe("a delete or move leaves no lock behind", () => {
  test("a delete with the token drops the locks on what it deleted", async () => {
    await dav("PUT", "gone.txt", {}, "v1");
    const token = await lock("gone.txt");
    expect((await dav("DELETE", "gone.txt", { if: `(<${token}>)` })).status).toBe(204);
    // Re-creating the file, through either door, is not refused by a lock on a URL that no longer existed.
    expect((await t.request("PUT", "/files/gone.txt", { body: "v2" })).status).toBe(200);
    expect((await dav("PUT", "gone.txt", {}, "v3")).status).toBe(204);
  });

  test("a move with the token drops the locks on the source: neither the old nor the new path is locked", async () => {
    await dav("MKCOL", "from/");
    await dav("PUT", "from/a.txt", {}, "a");
    const token = await lock("from/");
    expect((await dav("MOVE", "from/", { destination: "/dav/to/", if: `(<${token}>)` })).status).toBe(201);
    expect((await t.request("POST", "/files/mkdir", { json: { path: "from/" } })).status).toBe(200);
    expect((await t.request("PUT", "/files/from/a.txt", { body: "again" })).status).toBe(200);
    expect((await t.request("PUT", "/files/to/a.txt", { body: "changed" })).status).toBe(200);
  });
});
