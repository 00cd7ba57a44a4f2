import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_QUOTA_BYTES, DEFAULT_QUOTA_FILES } from "../../src/config";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { type Backend, forEachBackend } from "../fixtures/backends";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { testUnless } from "../fixtures/skip";

/**
 * Per-account quotas: new accounts get `accounts.default_quota_bytes` / `_files`, the admin
 * changes them, `/files/stats` shows them, and a write that would pass one answers 507
 * `insufficient_storage` — before any byte is read when the size is known, as soon as the
 * stream passes it when not, and for good in the commit's transaction (concurrent uploads
 * cannot overshoot together; presigned S3 uploads are checked at complete).
 */
const OCTETS = { "content-type": "application/octet-stream" };
const QUOTA = { accounts: { default_quota_bytes: 1000, default_quota_files: 4 } };

interface Stats {
  files: number;
  bytes: number;
  version_bytes: number;
  quota: { bytes: number | null; files: number | null; used_bytes: number; used_files: number };
}

async function statsOf(t: TestApp, token: string): Promise<Stats> {
  return (await (await t.request("GET", "/files/stats", { token })).json()) as Stats;
}

async function expect507(res: Response): Promise<void> {
  expect(res.status).toBe(507);
  const body = (await res.json()) as { error: string; message: string };
  expect(body.error).toBe("insufficient_storage");
  expect(body.message).toContain("quota");
}

const keysIn = (t: TestApp): Promise<string[]> => storedKeys(t.ctx.blobs);

const tempFiles = (t: TestApp) =>
  t.ctx.blobs.kind === "local" ? readdirSync(join(t.dir, "data", "blobs", "tmp")) : [];

/**
 * A space's counters as its rows say they should be: its files and their bytes, and the bytes
 * of objects only versions still name (each object once).
 */
function recount(t: TestApp, accountId: number): { files: number; bytes: number; version_bytes: number } {
  const row = t.db
    .query(
      `SELECT
         (SELECT count(*) FROM files WHERE account_id = ?1 AND space = 'live' AND type = 'file') AS files,
         (SELECT coalesce(sum(size), 0) FROM files WHERE account_id = ?1 AND space = 'live' AND type = 'file') AS bytes,
         (SELECT coalesce(sum(size), 0) FROM (
            SELECT DISTINCT v.object_key, v.size FROM versions v
            WHERE v.account_id = ?1 AND v.space = 'live' AND v.object_key IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM files f WHERE f.object_key = v.object_key)) held) AS version_bytes`,
    )
    .get(accountId) as Record<string, number | string>;
  return { files: Number(row.files), bytes: Number(row.bytes), version_bytes: Number(row.version_bytes) };
}

forEachBackend(quotaTests);

let actorCount = 0;

function quotaTests(backend: Backend) {
  const t = makeTestApp({ backend, config: QUOTA });
  afterAll(() => t.close());
  /** A fresh account with the default quota (1000 bytes, 4 files). */
  const newUser = () => registerAndLogin(t, naclSigner(`user-${backend.kind}-${actorCount++}`));

  test("a new account gets the default quota, shown in /files/stats", async () => {
    const token = await newUser();
    expect(await statsOf(t, token)).toEqual({
      files: 0,
      bytes: 0,
      version_bytes: 0,
      quota: { bytes: 1000, files: 4, used_bytes: 0, used_files: 0 },
    });
  });

  test("one-step PUT of a small body over the quota with Content-Length → 507, nothing left", async () => {
    const token = await newUser();
    const keysBefore = (await keysIn(t)).length;
    await expect507(await t.request("PUT", "/files/big.bin", { token, body: new Uint8Array(1001) }));
    expect((await keysIn(t)).length).toBe(keysBefore);
    expect(tempFiles(t)).toEqual([]);
    expect((await statsOf(t, token)).quota.used_bytes).toBe(0);
  });

  test("one-step PUT declaring more than 64 KiB over the quota → 507 before a byte is read", async () => {
    const token = await newUser();
    const keysBefore = (await keysIn(t)).length;
    // A body that never ends: only an answer given before reading it can arrive.
    const body = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const res = await t.request("PUT", "/files/huge.bin", {
      token,
      body,
      headers: { "content-length": String(100 * 1024) },
    });
    await expect507(res);
    expect((await keysIn(t)).length).toBe(keysBefore);
  });

  test("one-step PUT streamed without a length is stopped once it passes the quota → 507, nothing left", async () => {
    const token = await newUser();
    const keysBefore = (await keysIn(t)).length;
    const body = new Blob([new Uint8Array(600), new Uint8Array(600)]).stream();
    await expect507(await t.request("PUT", "/files/streamed.bin", { token, body }));
    expect((await keysIn(t)).length).toBe(keysBefore);
    expect(tempFiles(t)).toEqual([]);
  });

  test("bytes add up; an overwrite counts its difference; the files quota holds too", async () => {
    const token = await newUser();
    expect((await t.request("PUT", "/files/a.bin", { token, body: new Uint8Array(600) })).status).toBe(200);
    await expect507(await t.request("PUT", "/files/b.bin", { token, body: new Uint8Array(600) }));
    expect((await t.request("PUT", "/files/a.bin", { token, body: new Uint8Array(900) })).status).toBe(200);
    expect((await t.request("PUT", "/files/a.bin", { token, body: new Uint8Array(100) })).status).toBe(200);
    for (const name of ["b", "c", "d"]) {
      expect((await t.request("PUT", `/files/${name}.txt`, { token, body: "x" })).status).toBe(200);
    }
    await expect507(await t.request("PUT", "/files/e.txt", { token, body: "x" }));
    expect((await statsOf(t, token)).quota).toEqual({ bytes: 1000, files: 4, used_bytes: 103, used_files: 4 });
    // Deleting frees room again.
    expect((await t.request("DELETE", "/files/b.txt", { token })).status).toBe(200);
    expect((await t.request("PUT", "/files/e.txt", { token, body: "x" })).status).toBe(200);
  });

  test("a copy that would pass the quota → 507, nothing copied", async () => {
    const token = await newUser();
    expect((await t.request("PUT", "/files/half.bin", { token, body: new Uint8Array(600) })).status).toBe(200);
    await expect507(await t.request("POST", "/files/copy", { token, json: { from: "half.bin", to: "again.bin" } }));
    expect((await statsOf(t, token)).files).toBe(1);
  });

  test("the test space counts against the same quota", async () => {
    const token = await newUser();
    const key = await t.request("POST", "/auth/keys", { token, json: { name: "t", environment: "test" } });
    const testKey = ((await key.json()) as { token: string }).token;
    expect((await t.request("PUT", "/files/t.bin", { token: testKey, body: new Uint8Array(700) })).status).toBe(200);
    await expect507(await t.request("PUT", "/files/live.bin", { token, body: new Uint8Array(700) }));
  });

  test("20 concurrent uploads of 300 bytes under a 1000-byte quota: exactly 3 land", async () => {
    const token = await newUser();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.request("PUT", `/files/race-${i}.bin`, { token, body: new Blob([new Uint8Array(300)]).stream() }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 507)).toHaveLength(17);
    const stats = await statsOf(t, token);
    expect(stats.quota.used_bytes).toBe(900);
    expect(stats.files).toBe(3);
  });

  test("two-step upload: refused at create when full; bytes over the quota are refused by complete at the latest", async () => {
    const token = await newUser();
    const create = (path: string) => t.request("POST", "/files/uploads", { token, json: { path } });
    const first = (await (await create("first.bin")).json()) as { url: string };
    const put = await t.follow(first.url, { method: "PUT", body: new Uint8Array(1500), headers: OCTETS });
    const done = () => t.request("POST", "/files/uploads/complete", { token, json: { path: "first.bin" } });
    if (backend.kind === "local") {
      await expect507(put); // lightd's own signed URL stops the bytes at once
      expect((await done()).status).toBe(400); // nothing arrived
    } else {
      expect(put.status).toBe(200); // an S3 presigned PUT bypasses lightd: complete decides
      await expect507(await done());
    }
    expect((await statsOf(t, token)).quota.used_bytes).toBe(0);

    expect((await t.request("PUT", "/files/fill.bin", { token, body: new Uint8Array(1000) })).status).toBe(200);
    await expect507(await create("more.bin"));
    await expect507(
      await t.request("POST", "/files/uploads/multipart", { token, json: { path: "more.bin", part_count: 1 } }),
    );
  });

  test("folder restores over a copy keep the counters equal to a recount of the rows", async () => {
    const actor = `erin-${backend.kind}`;
    const token = await registerAndLogin(t, naclSigner(actor));
    await t.request("PUT", `/admin/accounts/${actor}/quota`, { json: { bytes: 5000, files: null } });
    const accountId = (t.db.query("SELECT id FROM accounts WHERE name = ?1").get(actor) as { id: number }).id;
    const step = async (res: Promise<Response>) => {
      expect((await res).status).toBe(200);
      const { files, bytes, version_bytes } = await statsOf(t, token);
      expect({ files, bytes, version_bytes }).toEqual(recount(t, accountId));
    };
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    await step(t.request("PUT", "/files/r", { token, body: random(1000) })); // tx 1
    await step(t.request("POST", "/files/copy", { token, json: { from: "r", to: "r-copy" } })); // shares r's object
    await step(t.request("PUT", "/files/r", { token, body: random(1000) })); // tx 3
    for (let i = 0; i < 5; i++) {
      // To tx 1: r-copy goes, r takes back the object r-copy named; to tx 3: the other way round.
      await step(t.request("POST", "/files/restore", { token, json: { prefix: "", tx: 1 } }));
      await step(t.request("POST", "/files/restore", { token, json: { prefix: "", tx: 3 } }));
    }
    const big = random(12000);
    await expect507(await t.request("PUT", "/files/big", { token, body: big, headers: { "content-length": "12000" } }));
    await expect507(await t.request("PUT", "/files/big", { token, body: new Blob([big]).stream() }));
  });

  test("a write is judged on its files' bytes whatever the version counter says, with or without a length", async () => {
    const actor = `frank-${backend.kind}`;
    const token = await registerAndLogin(t, naclSigner(actor));
    await t.request("PUT", `/admin/accounts/${actor}/quota`, { json: { bytes: 5000, files: null } });
    expect((await t.request("PUT", "/files/kept", { token, body: new Uint8Array(2000) })).status).toBe(200);
    // A counter gone below zero, as earlier restores over copies could leave it.
    const { id } = t.db.query("SELECT id FROM accounts WHERE name = ?1").get(actor) as { id: number };
    t.db.run(`UPDATE spaces SET version_bytes = -10000 WHERE account_id = ${id} AND space = 'live'`);
    const big = new Uint8Array(12000);
    const length = { "content-length": String(big.length) };
    await expect507(await t.request("PUT", "/files/big", { token, body: big, headers: length }));
    await expect507(await t.request("PUT", "/files/big", { token, body: new Blob([big]).stream() }));
    expect((await t.request("PUT", "/files/fits", { token, body: new Uint8Array(3000) })).status).toBe(200);
  });

  /** lightd's own signed URLs take the bytes of pending uploads; S3's go to the bucket, and complete decides. */
  const ownUrls = testUnless(backend.kind === "local" ? null : "S3 presigned uploads bypass lightd");
  const multipart = async (token: string, path: string) =>
    (await (await t.request("POST", "/files/uploads/multipart", { token, json: { path, part_count: 4 } })).json()) as {
      upload_id: string;
      part_urls: string[];
    };
  const twoStep = async (token: string, path: string) =>
    ((await (await t.request("POST", "/files/uploads", { token, json: { path } })).json()) as { url: string }).url;
  /** A PUT to a signed URL with a Content-Length; `streamed` sends the same bytes without one. */
  const send = (url: string, bytes: number, streamed = false) =>
    t.follow(url, {
      method: "PUT",
      body: streamed ? new Blob([new Uint8Array(bytes)]).stream() : new Uint8Array(bytes),
      headers: streamed ? OCTETS : { ...OCTETS, "content-length": String(bytes) },
    });

  ownUrls("pending uploads count together: parts and two-step bodies past the quota → 507", async () => {
    const token = await newUser();
    const a = await multipart(token, "a.bin");
    const b = await multipart(token, "b.bin");
    expect((await send(a.part_urls[0] as string, 400)).status).toBe(200);
    expect((await send(b.part_urls[0] as string, 400)).status).toBe(200);
    await expect507(await send(a.part_urls[1] as string, 400)); // 1200 pending under a 1000-byte quota
    await expect507(await send(b.part_urls[1] as string, 300, true)); // stopped at the 200 bytes left
    const single = await twoStep(token, "c.bin");
    await expect507(await send(single, 300));
    expect((await send(single, 200)).status).toBe(200);
    // Aborting an upload gives its bytes back.
    const abort = { path: "a.bin", upload_id: a.upload_id };
    expect((await t.request("POST", "/files/uploads/multipart/abort", { token, json: abort })).status).toBe(200);
    expect((await send(b.part_urls[1] as string, 400)).status).toBe(200);
    await expect507(await send(b.part_urls[2] as string, 1));
  });

  ownUrls("a one-step PUT or a new upload counts the bytes pending uploads hold", async () => {
    const token = await newUser();
    const a = await multipart(token, "a.bin");
    expect((await send(a.part_urls[0] as string, 800)).status).toBe(200);
    await expect507(await t.request("PUT", "/files/one", { token, body: new Uint8Array(300) }));
    const small = { token, body: new Uint8Array(300), headers: { "content-length": "300" } }; // stored, then refused at commit
    await expect507(await t.request("PUT", "/files/one", small));
    await expect507(await t.request("PUT", "/files/one", { token, body: new Blob([new Uint8Array(300)]).stream() }));
    expect((await t.request("PUT", "/files/one", { token, body: new Uint8Array(200) })).status).toBe(200);
    await expect507(await t.request("POST", "/files/uploads", { token, json: { path: "two.bin" } }));
    expect(tempFiles(t)).toEqual([]);
  });

  ownUrls("concurrent parts of several uploads never pass the quota together", async () => {
    const token = await newUser();
    const urls = (await Promise.all(["x", "y", "z"].map((name) => multipart(token, `${name}.bin`)))).flatMap(
      (upload) => upload.part_urls,
    );
    const results = await Promise.all(urls.map((url, i) => send(url, 300, i % 3 === 0)));
    const statuses = results.map((res) => res.status);
    expect(statuses.every((status) => status === 200 || status === 507)).toBe(true);
    const accepted = statuses.filter((status) => status === 200).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted * 300).toBeLessThanOrEqual(1000);
  });

  ownUrls("a completed upload's bytes count once, as its file's; replacing a file may use its room", async () => {
    const token = await newUser();
    const up = await multipart(token, "whole.bin");
    const parts = [];
    for (const [i, url] of up.part_urls.slice(0, 2).entries()) {
      const res = await send(url, 400);
      expect(res.status).toBe(200);
      parts.push({ part_number: i + 1, etag: res.headers.get("etag") as string });
    }
    const done = await t.request("POST", "/files/uploads/multipart/complete", {
      token,
      json: { path: "whole.bin", upload_id: up.upload_id, parts },
    });
    expect(done.status).toBe(200);
    expect((await statsOf(t, token)).quota.used_bytes).toBe(800);
    const more = await twoStep(token, "more.bin");
    await expect507(await send(more, 201));
    expect((await send(more, 200)).status).toBe(200);
    // A new version of whole.bin would replace its 800 bytes: they are room for it.
    const again = await twoStep(token, "whole.bin");
    expect((await send(again, 800)).status).toBe(200);
  });

  test("multipart: parts over the quota are refused by complete (bytes removed)", async () => {
    const token = await newUser();
    const created = (await (
      await t.request("POST", "/files/uploads/multipart", { token, json: { path: "mp.bin", part_count: 1 } })
    ).json()) as { upload_id: string; part_urls: string[] };
    const part = await t.follow(created.part_urls[0] as string, { method: "PUT", body: new Uint8Array(1200) });
    if (part.status !== 200) {
      await expect507(part); // lightd's own part URL stops it at once
      return;
    }
    const etag = part.headers.get("etag") as string;
    const done = await t.request("POST", "/files/uploads/multipart/complete", {
      token,
      json: { path: "mp.bin", upload_id: created.upload_id, parts: [{ part_number: 1, etag }] },
    });
    await expect507(done);
    expect((await statsOf(t, token)).quota.used_bytes).toBe(0);
  });
}

describe("the admin sets quotas", () => {
  const t = makeTestApp({ config: QUOTA });
  afterAll(() => t.close());

  test("PUT /admin/accounts/{name}/quota changes the limits at once; null lifts them", async () => {
    const token = await registerAndLogin(t, naclSigner("grower"));
    await expect507(await t.request("PUT", "/files/big.bin", { token, body: new Uint8Array(2000) }));
    const set = await t.request("PUT", "/admin/accounts/grower/quota", { json: { bytes: 5000, files: null } });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({
      actor: "grower",
      quota: { bytes: 5000, files: null, used_bytes: 0, used_files: 0 },
    });
    expect((await t.request("PUT", "/files/big.bin", { token, body: new Uint8Array(2000) })).status).toBe(200);
    const listed = (await (await t.request("GET", "/admin/accounts")).json()) as {
      accounts: { actor: string; quota_bytes: number | null; quota_files: number | null }[];
    };
    expect(listed.accounts.find((a) => a.actor === "grower")).toMatchObject({ quota_bytes: 5000, quota_files: null });
    // Lowering below what is stored keeps the files and refuses growth.
    await t.request("PUT", "/admin/accounts/grower/quota", { json: { bytes: 100, files: 10 } });
    expect((await statsOf(t, token)).files).toBe(1);
    await expect507(await t.request("PUT", "/files/more.txt", { token, body: "x" }));
    await t.request("PUT", "/admin/accounts/grower/quota", { json: { bytes: null, files: null } });
    expect((await t.request("PUT", "/files/more.txt", { token, body: "x" })).status).toBe(200);
  });

  test("only the admin; unknown accounts are 404; bad limits are 400", async () => {
    const token = await registerAndLogin(t, naclSigner("sneaky"));
    const own = await t.request("PUT", "/admin/accounts/sneaky/quota", { token, json: { bytes: null, files: null } });
    expect(own.status).toBe(403);
    expect((await t.request("PUT", "/admin/accounts/ghost/quota", { json: { bytes: 1, files: 1 } })).status).toBe(404);
    for (const body of [{ bytes: -1, files: 1 }, { bytes: "lots", files: 1 }, { bytes: 1.5, files: 1 }, {}]) {
      expect((await t.request("PUT", "/admin/accounts/sneaky/quota", { json: body })).status).toBe(400);
    }
  });

  test("a quota body over server.max_body_bytes → 413: a JSON setting, not an upload", async () => {
    const body = JSON.stringify({ bytes: 1, files: 1, pad: "x".repeat(2 * 1024 * 1024) });
    const json = { "content-type": "application/json" };
    const declared = await t.request("PUT", "/admin/accounts/grower/quota", {
      body,
      headers: { ...json, "content-length": String(body.length) },
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: "payload_too_large" });
    // Without a length the bytes are counted as they are read.
    const streamed = await t.request("PUT", "/admin/accounts/grower/quota", {
      body: new Blob([body]).stream(),
      headers: json,
    });
    expect(streamed.status).toBe(413);
  });

  test("the admin account has no quota", async () => {
    expect((await statsOf(t, t.master)).quota).toMatchObject({ bytes: null, files: null });
  });

  test("defaults: 10 GiB and 100,000 files per new account, uploads up to 5 GiB", async () => {
    const plain = makeTestApp();
    try {
      expect(plain.ctx.config.current.accounts).toEqual({
        registration: "open",
        default_quota_bytes: DEFAULT_QUOTA_BYTES,
        default_quota_files: DEFAULT_QUOTA_FILES,
      });
      expect(DEFAULT_QUOTA_BYTES).toBe(10 * 1024 ** 3);
      expect(plain.ctx.config.current.server.max_upload_bytes).toBe(DEFAULT_MAX_UPLOAD_BYTES);
      expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(5 * 1024 ** 3);
    } finally {
      await plain.close();
    }
  });
});
