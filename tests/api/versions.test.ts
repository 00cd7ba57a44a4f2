import { afterEach, beforeEach, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * File history on both backends: every overwrite, move and delete keeps the previous
 * version; each is downloadable by tx with its exact bytes; a file and a whole folder come
 * back as they were at an earlier tx, each restore one tx with one `restore` event.
 */

forEachBackend(versionTests);

interface VersionJson {
  tx: number;
  size: number;
  etag: string | null;
  current: boolean;
  ended_tx: number | null;
  ended_by: string | null;
}

function versionTests(backend: Backend) {
  let t: TestApp;
  beforeEach(() => {
    t = makeTestApp({ backend });
  });
  afterEach(() => t.close());

  const put = async (path: string, body: string) => {
    const res = await t.request("PUT", `/files/${path}`, { body });
    expect(res.status).toBe(200);
    return ((await res.json()) as { tx: number }).tx;
  };
  const json = async <T>(method: string, path: string, body?: unknown) => {
    const res = await t.request(method, path, body === undefined ? {} : { json: body });
    const text = await res.text();
    expect({ status: res.status, path, text }).toMatchObject({ status: 200 });
    return JSON.parse(text) as T;
  };
  /** The bytes of `path` at `tx` (or now), following the signed URL as a client would. */
  const bytesAt = async (path: string, tx?: number) => {
    const res = await t.request("GET", `/files/${path}${tx === undefined ? "" : `?tx=${tx}`}`);
    expect({ path, tx, status: res.status }).toEqual({ path, tx, status: 302 });
    const body = await t.follow(res.headers.get("location") as string);
    expect(body.status).toBe(200);
    return body.text();
  };
  const statusAt = async (path: string, tx: number | string) =>
    (await t.request("GET", `/files/${path}?tx=${tx}`)).status;

  test("v1, v2, v3, move, delete: every version by tx with its exact bytes", async () => {
    const tx1 = await put("a.txt", "version one");
    const tx2 = await put("a.txt", "version two!");
    const tx3 = await put("a.txt", "version three");
    const { tx: tx4 } = await json<{ tx: number }>("POST", "/files/move", { from: "a.txt", to: "b.txt" });
    const { tx: tx5 } = await json<{ tx: number }>("DELETE", "/files/b.txt");

    const a = await json<{ versions: VersionJson[] }>("GET", "/files/versions?path=a.txt");
    expect(a.versions.map((v) => [v.tx, v.size, v.current, v.ended_tx, v.ended_by])).toEqual([
      [tx3, 13, false, tx4, "move"],
      [tx2, 12, false, tx3, "upload"],
      [tx1, 11, false, tx2, "upload"],
    ]);
    expect(a.versions[0]?.etag).toBe(backend.etagOf("version three"));
    const b = await json<{ versions: VersionJson[] }>("GET", "/files/versions?path=b.txt");
    expect(b.versions.map((v) => [v.tx, v.ended_tx, v.ended_by])).toEqual([[tx4, tx5, "delete"]]);

    expect(await bytesAt("a.txt", tx1)).toBe("version one");
    expect(await bytesAt("a.txt", tx2)).toBe("version two!");
    expect(await bytesAt("a.txt", tx3)).toBe("version three");
    expect(await bytesAt("b.txt", tx4)).toBe("version three");
    expect(await statusAt("a.txt", tx4)).toBe(404);
    expect(await statusAt("b.txt", tx3)).toBe(404);
    expect(await statusAt("b.txt", tx5)).toBe(404);

    // JSON and HEAD answer for the version, like for the current file.
    const meta = await t.request("GET", `/files/a.txt?tx=${tx2}`, { headers: { accept: "application/json" } });
    expect(meta.status).toBe(200);
    const body = (await meta.json()) as { size: number; tx: number; etag: string; url: string };
    expect(body).toMatchObject({ size: 12, tx: tx2, etag: backend.etagOf("version two!") });
    expect(await (await t.follow(body.url)).text()).toBe("version two!");
    const head = await t.request("HEAD", `/files/a.txt?tx=${tx1}`);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("11");
    expect(head.headers.get("x-lightd-tx")).toBe(String(tx1));

    // The trash names the deleted path and the tx to restore it with.
    const trash = await json<{ entries: { path: string; tx: number; deleted_tx: number }[] }>("GET", "/files/trash");
    expect(trash.entries).toMatchObject([{ path: "b.txt", tx: tx4, deleted_tx: tx5 }]);

    // Restore the deleted file, then the first version at its first path.
    const r1 = await json<{ tx: number; restored: number }>("POST", "/files/restore", { path: "b.txt", tx: tx4 });
    expect(r1).toMatchObject({ tx: tx5 + 1, restored: 1, from_tx: tx4 });
    expect(await bytesAt("b.txt")).toBe("version three");
    const r2 = await json<{ tx: number }>("POST", "/files/restore", { path: "a.txt", tx: tx1 });
    expect(await bytesAt("a.txt")).toBe("version one");
    expect((await json<{ entries: unknown[] }>("GET", "/files/trash")).entries).toEqual([]);
    // Restoring what is already current changes nothing.
    expect(await json("POST", "/files/restore", { path: "a.txt", tx: r2.tx })).toMatchObject({ tx: null });

    const versions = await json<{ versions: VersionJson[] }>("GET", "/files/versions?path=a.txt");
    expect(versions.versions[0]).toMatchObject({ tx: r2.tx, current: true, ended_tx: null, size: 11 });

    const log = await json<{ events: { tx: number; action: string; path: string; msg: string }[] }>(
      "GET",
      `/files/log?since_tx=${tx5}`,
    );
    expect(log.events).toEqual([
      expect.objectContaining({ tx: r1.tx, action: "restore", path: "b.txt", msg: `restored to tx ${tx4}` }),
      expect.objectContaining({ tx: r2.tx, action: "restore", path: "a.txt", msg: `restored to tx ${tx1}` }),
    ]);
  });

  test("a folder comes back as it was: created files removed, deleted and moved ones back, one tx", async () => {
    await put("d/x.txt", "x one");
    await put("d/y.txt", "y one");
    await put("d/sub/z.txt", "z one");
    const outside = await put("other.txt", "outside");
    const at = outside;
    await json("DELETE", "/files/d/x.txt");
    await put("d/new.txt", "created later");
    await json("POST", "/files/move", { from: "d/y.txt", to: "d/moved.txt" });
    await put("d/sub/z.txt", "z two");
    await json("DELETE", "/files/d/sub/");
    await put("other.txt", "outside two");

    const r = await json<{ tx: number; restored: number; removed: number }>("POST", "/files/restore", {
      prefix: "d/",
      tx: at,
    });
    expect(r).toMatchObject({ restored: 3, removed: 2 });
    expect(await bytesAt("d/x.txt")).toBe("x one");
    expect(await bytesAt("d/y.txt")).toBe("y one");
    expect(await bytesAt("d/sub/z.txt")).toBe("z one");
    expect((await t.request("GET", "/files/d/new.txt")).status).toBe(404);
    expect((await t.request("GET", "/files/d/moved.txt")).status).toBe(404);
    // Outside the prefix nothing changed.
    expect(await bytesAt("other.txt")).toBe("outside two");
    const listing = await json<{ entries: { path: string }[] }>("GET", "/files?prefix=d/");
    expect(listing.entries.map((e) => e.path)).toEqual(["d/sub/", "d/x.txt", "d/y.txt"]);
    // One tx, one event.
    const log = await json<{ events: { tx: number; action: string; path: string }[] }>(
      "GET",
      `/files/log?since_tx=${r.tx - 1}`,
    );
    expect(log.events).toEqual([expect.objectContaining({ tx: r.tx, action: "restore", path: "d/" })]);
    // What the restore removed is history too: the folder as it was just before comes back.
    await json("POST", "/files/restore", { prefix: "d/", tx: r.tx - 1 });
    expect(await bytesAt("d/new.txt")).toBe("created later");
    expect((await t.request("GET", "/files/d/x.txt")).status).toBe(404);
  });

  test("a prefix names a folder: `photos` restores photos/ and leaves photos-old/ alone", async () => {
    const at = await put("photos/a.jpg", "a");
    await put("photos-old/keep.jpg", "kept");
    await put("photos/new.jpg", "created later");
    await put("photos-old/b.jpg", "created later, beside the folder");
    await json("DELETE", "/files/photos-old/keep.jpg");

    const r = await json<{ path: string; restored: number; removed: number }>("POST", "/files/restore", {
      prefix: "photos",
      tx: at,
    });
    expect(r).toMatchObject({ path: "photos/", restored: 0, removed: 1 });
    expect((await t.request("GET", "/files/photos/new.jpg")).status).toBe(404);
    expect(await bytesAt("photos/a.jpg")).toBe("a");
    // The sibling folder whose name merely starts the same is untouched: nothing removed, nothing back.
    expect(await bytesAt("photos-old/b.jpg")).toBe("created later, beside the folder");
    expect((await t.request("GET", "/files/photos-old/keep.jpg")).status).toBe(404);
  });

  test('the whole space with prefix ""; stats count current and version bytes', async () => {
    const first = await put("one.txt", "1111");
    await put("one.txt", "22");
    await put("two.txt", "333");
    let stats = await json<{ bytes: number; version_bytes: number; quota: { used_bytes: number } }>(
      "GET",
      "/files/stats",
    );
    expect(stats).toMatchObject({ bytes: 5, version_bytes: 4 });
    await json("POST", "/files/restore", { prefix: "", tx: first });
    expect(await bytesAt("one.txt")).toBe("1111");
    expect((await t.request("GET", "/files/two.txt")).status).toBe(404);
    stats = await json("GET", "/files/stats");
    // Current: "1111"; only versions hold "22" and "333".
    expect(stats).toMatchObject({ bytes: 4, version_bytes: 5 });
  });
}
