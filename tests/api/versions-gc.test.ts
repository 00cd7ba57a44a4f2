import { afterEach, expect, test } from "bun:test";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Retention and garbage collection on both backends: a version's bytes stay in the store
 * while it is within retention and go once it is past it (by age or by count); bytes a
 * signed URL or share link was handed out for stay until that URL has expired, and a
 * download already streaming when they go ends with every byte.
 */

forEachBackend(gcTests);

const DAY = 86_400_000;

function gcTests(backend: Backend) {
  let t: TestApp;
  let clock = Date.now();
  const app = (config: Record<string, unknown> = {}) => {
    clock = Date.now();
    t = makeTestApp({ backend, config, now: () => clock });
    return t;
  };
  afterEach(() => t.close());

  const stored = async () => {
    const keys = new Set<string>();
    for (const key of await storedKeys(t.ctx.blobs)) keys.add(key);
    return keys;
  };
  const put = async (path: string, body: string | Uint8Array<ArrayBuffer>) => {
    const before = await stored();
    const res = await t.request("PUT", `/files/${path}`, { body });
    expect(res.status).toBe(200);
    const added = [...(await stored())].filter((k) => !before.has(k));
    expect(added).toHaveLength(1);
    return { tx: ((await res.json()) as { tx: number }).tx, key: added[0] as string };
  };
  /** One garbage-collector pass: retention, then the queue (due items only). */
  const gc = async () => {
    const pruned = await t.ctx.versions.pruneExpired();
    await t.ctx.reclaimer.drain();
    return pruned.versions;
  };
  const versionCount = async (path: string) => {
    const res = await t.request("GET", `/files/versions?path=${path}`);
    return ((await res.json()) as { versions: unknown[] }).versions.length;
  };

  test("past keep_days the bytes are gone; before it they are not", async () => {
    app();
    const v1 = await put("a.txt", "first");
    const v2 = await put("a.txt", "second");
    expect(await gc()).toBe(0);
    clock += 29 * DAY;
    expect(await gc()).toBe(0);
    expect((await stored()).has(v1.key)).toBe(true);
    clock += 2 * DAY;
    expect(await gc()).toBe(1);
    // Queued, but kept while a signed URL handed out just before may still be used.
    expect((await stored()).has(v1.key)).toBe(true);
    clock += 301_000;
    await gc();
    const keys = await stored();
    expect(keys.has(v1.key)).toBe(false);
    expect(keys.has(v2.key)).toBe(true);
    expect((await t.request("GET", `/files/a.txt?tx=${v1.tx}`)).status).toBe(404);
    expect(await versionCount("a.txt")).toBe(1);
    const stats = (await (await t.request("GET", "/files/stats")).json()) as { version_bytes: number };
    expect(stats.version_bytes).toBe(0);
  });

  test("beyond keep_count the oldest versions go", async () => {
    app({ versions: { keep_count: 2 } });
    const puts = [];
    for (let i = 0; i < 5; i++) puts.push(await put("c.txt", `content ${i}`));
    expect(await versionCount("c.txt")).toBe(5);
    expect(await gc()).toBe(2);
    clock += 301_000;
    await gc();
    const keys = await stored();
    expect(puts.map((p) => keys.has(p.key))).toEqual([false, false, true, true, true]);
    expect(await versionCount("c.txt")).toBe(3);
  });

  test("a signed URL and a share link handed out before the prune keep working", async () => {
    app({ versions: { keep_count: 1 } });
    const old = await put("s.txt", "version bytes");
    await put("s.txt", "newer bytes");
    const linked = await put("link.txt", "linked bytes");
    const share = await t.request("POST", "/files/share", { json: { path: "link.txt" } });
    expect(share.status).toBe(201);
    const shareUrl = ((await share.json()) as { url: string }).url;
    // Handed out now: an older version by tx, and the share link's download.
    const signed = (await t.request("GET", `/files/s.txt?tx=${old.tx}`)).headers.get("location") as string;
    const viaShare = (await t.follow(shareUrl, { redirect: "manual" })).headers.get("location") as string;
    expect(viaShare).toBeTruthy();
    // Two more versions each: with keep_count 1 the handed-out ones are past retention.
    for (const body of ["two", "three"]) {
      await put("s.txt", body);
      await put("link.txt", body);
    }
    expect(await gc()).toBe(3);
    expect(await (await t.follow(signed)).text()).toBe("version bytes");
    expect(await (await t.follow(viaShare)).text()).toBe("linked bytes");
    clock += 301_000;
    await gc();
    const keys = await stored();
    expect(keys.has(old.key)).toBe(false);
    expect(keys.has(linked.key)).toBe(false);
  });

  test("a download already streaming when its version's bytes are reclaimed ends with every byte", async () => {
    app({ versions: { keep_count: 1 } });
    // Large enough that the first read cannot have fetched it all.
    const size = 4 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(body.subarray(at, at + 65536));
    const old = await put("dl.bin", body);
    const signed = (await t.request("GET", `/files/dl.bin?tx=${old.tx}`)).headers.get("location") as string;
    const download = await t.follow(signed);
    expect(download.status).toBe(200);
    const reader = (download.body as ReadableStream<Uint8Array>).getReader();
    const parts: Uint8Array[] = [];
    const first = await reader.read();
    parts.push(first.value as Uint8Array);
    expect(parts[0]?.byteLength).toBeLessThan(size);
    // Meanwhile the version goes past retention and its bytes are deleted from the store.
    await put("dl.bin", "two");
    await put("dl.bin", "three");
    expect(await gc()).toBe(1);
    clock += 301_000;
    await gc();
    expect((await stored()).has(old.key)).toBe(false);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    const got = Buffer.concat(parts);
    expect(got.byteLength).toBe(size);
    expect(got.equals(Buffer.from(body))).toBe(true);
  }, 30_000); // 4 MiB through S3 three times on a busy machine

  test("copies share bytes: they go once no file and no version names them", async () => {
    app();
    const one = await put("cow/one.txt", "same bytes");
    expect((await t.request("POST", "/files/copy", { json: { from: "cow/one.txt", to: "cow/two.txt" } })).status).toBe(
      200,
    );
    expect((await t.request("DELETE", "/files/cow/")).status).toBe(200);
    // Deleted, but restorable: the bytes stay.
    const keysNow = await stored();
    if (backend.kind === "local") expect(keysNow.has(one.key)).toBe(true);
    clock += 31 * DAY;
    expect(await gc()).toBeGreaterThanOrEqual(2);
    clock += 301_000;
    await gc();
    expect(await stored()).toEqual(new Set());
  });

  test("turning versioning off (keep_count 0) removes every version at the next pass", async () => {
    app();
    const v1 = await put("off.txt", "one");
    await put("off.txt", "two");
    t.ctx.config.current.versions.keep_count = 0;
    expect(await gc()).toBe(1);
    clock += 301_000;
    await gc();
    expect((await stored()).has(v1.key)).toBe(false);
    // From now on an overwrite keeps nothing.
    await put("off.txt", "three");
    expect(await versionCount("off.txt")).toBe(1);
  });

  test("under a quota, versions yield: the oldest go to make room for a write", async () => {
    app({ accounts: { default_quota_bytes: 1000 } });
    // The admin has no quota: give one to a fresh account.
    const { naclSigner, registerAndLogin } = await import("../fixtures/auth-helpers");
    const token = await registerAndLogin(t, naclSigner(`quota-${backend.kind}`));
    const write = (path: string, size: number) =>
      t.request("PUT", `/files/${path}`, { token, body: new Uint8Array(size) });
    expect((await write("q.bin", 600)).status).toBe(200);
    expect((await write("q.bin", 300)).status).toBe(200);
    const stats = async () =>
      (await (await t.request("GET", "/files/stats", { token })).json()) as {
        bytes: number;
        version_bytes: number;
        quota: { used_bytes: number };
      };
    expect(await stats()).toMatchObject({ bytes: 300, version_bytes: 600, quota: { used_bytes: 900 } });
    expect((await write("r.bin", 400)).status).toBe(200);
    expect(await stats()).toMatchObject({ bytes: 700, version_bytes: 0, quota: { used_bytes: 700 } });
    expect((await write("s.bin", 400)).status).toBe(507);
  });
}
