import { afterAll, describe, expect, test } from "bun:test";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * COPY and MOVE with `Overwrite: T` onto an existing destination (RFC 4918 §9.8.4, §9.9.3):
 * the destination is deleted as part of the copy or move, in its one tx and one event, so a
 * refused copy or move leaves the destination as it was.
 */

interface LoggedEvent {
  tx: number;
  action: string;
  path: string;
  dest?: string | null;
}

let actors = 0;

/** A fresh account (100 bytes of quota) on `t`, with helpers for WebDAV and the REST reads. */
async function account(t: TestApp) {
  const token = await registerAndLogin(t, naclSigner(`replacer-${actors++}`));
  const dav = (method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit) =>
    t.request(method, `/dav/${path}`, { token, headers, body });
  const json = async <T>(path: string) => (await (await t.request("GET", path, { token })).json()) as T;
  const log = async () => (await json<{ events: LoggedEvent[] }>("/files/log?since_tx=0")).events;
  const text = async (path: string) => {
    const res = await dav("GET", path);
    return res.status === 200 ? res.text() : res.status;
  };
  return { dav, json, log, text };
}

describe("COPY/MOVE with Overwrite: T", () => {
  const t = makeTestApp({ config: { accounts: { default_quota_bytes: 100 } } });
  afterAll(() => t.close());

  test("MOVE onto a file is one tx with one move event; the replaced file stays a version", async () => {
    const { dav, json, log, text } = await account(t);
    expect((await dav("PUT", "a.txt", {}, "new")).status).toBe(201);
    expect((await dav("PUT", "b.txt", {}, "old")).status).toBe(201);
    const before = (await log()).length;

    const moved = await dav("MOVE", "a.txt", { Destination: "/dav/b.txt", Overwrite: "T" });
    expect(moved.status).toBe(204);
    const events = (await log()).slice(before);
    expect(events).toMatchObject([{ action: "move", path: "a.txt", dest: "b.txt" }]);
    expect(moved.headers.get("x-lightd-tx")).toBe(String(events[0]?.tx));
    expect(await text("b.txt")).toBe("new");
    expect(await text("a.txt")).toBe(404);

    const versions = await json<{ versions: { size: number; current: boolean; ended_tx?: number }[] }>(
      "/files/versions?path=b.txt",
    );
    expect(versions.versions.map((v) => [v.size, v.current])).toEqual([
      [3, true],
      [3, false],
    ]);
    expect(versions.versions[1]?.ended_tx).toBe(events[0]?.tx);
  });

  test("COPY of a folder onto a folder replaces everything in it, in one copy event", async () => {
    const { dav, json, log, text } = await account(t);
    await dav("MKCOL", "src/");
    await dav("PUT", "src/keep.txt", {}, "k");
    await dav("MKCOL", "dst/");
    await dav("PUT", "dst/gone.txt", {}, "g");
    const before = (await log()).length;

    expect((await dav("COPY", "src/", { Destination: "/dav/dst/", Overwrite: "T" })).status).toBe(204);
    expect((await log()).slice(before)).toMatchObject([{ action: "copy", path: "src/", dest: "dst/" }]);
    expect(await text("dst/keep.txt")).toBe("k");
    expect(await text("dst/gone.txt")).toBe(404);
    // What the copy replaced can be brought back, as after a delete.
    const trash = await json<{ entries: { path: string }[] }>("/files/trash");
    expect(trash.entries.map((e) => e.path)).toEqual(["dst/gone.txt"]);
    expect(await json<{ files: number; bytes: number }>("/files/stats")).toMatchObject({ files: 2, bytes: 2 });
  });

  test("a COPY over the quota leaves the destination as it was", async () => {
    const { dav, log, text } = await account(t);
    expect((await dav("PUT", "big.bin", {}, "x".repeat(60))).status).toBe(201);
    expect((await dav("PUT", "small.txt", {}, "small")).status).toBe(201);
    const before = await log();

    // 60 + 60 > 100: the copy is refused, and with it the replacing of small.txt.
    const copied = await dav("COPY", "big.bin", { Destination: "/dav/small.txt", Overwrite: "T" });
    expect(copied.status).toBe(507);
    expect(await text("small.txt")).toBe("small");
    expect(await log()).toEqual(before);
  });

  test("a MOVE whose source If-Match does not hold leaves the destination as it was", async () => {
    const { dav, log, text } = await account(t);
    await dav("PUT", "a.txt", {}, "a");
    await dav("PUT", "b.txt", {}, "b");
    const before = await log();

    const headers = { Destination: "/dav/b.txt", Overwrite: "T", "If-Match": '"0123456789abcdef0123456789abcdef"' };
    expect((await dav("MOVE", "a.txt", headers)).status).toBe(412);
    expect(await text("b.txt")).toBe("b");
    expect(await text("a.txt")).toBe("a");
    expect(await log()).toEqual(before);
  });

  test("a MOVE onto the folder that holds the source is refused and changes nothing", async () => {
    const { dav, log, text } = await account(t);
    await dav("MKCOL", "box/");
    await dav("PUT", "box/a.txt", {}, "a");
    const before = await log();

    // Replacing box/ with the file would delete the file being moved.
    expect((await dav("MOVE", "box/a.txt", { Destination: "/dav/box", Overwrite: "T" })).status).toBe(400);
    expect(await text("box/a.txt")).toBe("a");
    expect(await log()).toEqual(before);
  });
});
