import { afterEach, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { PostgresMetadata } from "../../src/storage/db/postgres/metadata";
import { StorageFull, StorageUnavailable } from "../../src/storage/errors";
import { S3 } from "../fixtures/backends";
import { TEST_ENGINE } from "../fixtures/engines";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { testUnless } from "../fixtures/skip";

/**
 * Storage says its failures in its own words (src/storage/errors.ts) and the one renderer
 * maps them: a full metadata database → 507, a byte store or metadata engine that cannot be
 * reached → 503. Each failure here is real: a SQLite file capped at its current size, an S3
 * endpoint and a Postgres server on a port nobody listens on. (A full disk is
 * tests/api/disk-full.test.ts.)
 */

/** A port on 127.0.0.1 that was free a moment ago: connections to it are refused. */
function closedPort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("storage failures reach the client in the catalogue's words", () => {
  testUnless(TEST_ENGINE === "postgres" ? "caps the embedded SQLite file; this leg runs on Postgres" : null)(
    "a full metadata database → 507 insufficient_storage, and nothing was changed",
    async () => {
      t = makeTestApp();
      expect((await t.request("PUT", "/files/kept.txt", { body: "kept" })).status).toBe(200);
      const pages = (t.db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
      t.db.run(`PRAGMA max_page_count = ${pages}`);
      let full: Response | undefined;
      for (let i = 0; i < 500 && !full; i++) {
        const res = await t.request("PUT", `/files/more/${i}-${"x".repeat(200)}.txt`, { body: "x" });
        if (res.status !== 200) full = res;
      }
      expect(full?.status).toBe(507);
      const body = (await full?.json()) as { error: string; message: string };
      expect(body).toEqual({
        error: "insufficient_storage",
        message: "The server's storage is full; nothing was changed. Try again after space is freed",
      });
      expect(t.logs.some((line) => line.includes("storage full") && line.includes("full"))).toBe(true);

      // Space again: writing works, and what was there before still reads back.
      t.db.run(`PRAGMA max_page_count = ${pages * 100}`);
      expect((await t.request("PUT", "/files/after.txt", { body: "after" })).status).toBe(200);
      const kept = await t.request("GET", "/files/kept.txt", { headers: { accept: "application/json" } });
      expect(((await kept.json()) as { size: number }).size).toBe(4);
    },
  );

  test("an unreachable S3 endpoint → 503 service_unavailable with a clear message, not a 500", async () => {
    t = makeTestApp({
      config: {
        storage: {
          backend: "s3",
          s3: {
            endpoint: `http://127.0.0.1:${closedPort()}`,
            bucket: "nowhere",
            region: "us-east-1",
            access_key_id: "lightd",
            secret_access_key: "lightd-secret",
            force_path_style: true,
          },
        },
      },
    });
    const res = await t.request("PUT", "/files/a.txt", { body: "hello" });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: "service_unavailable",
      message: "The server's storage cannot be reached; nothing was changed. Try again shortly",
    });
    expect(t.logs.some((line) => line.includes("storage unavailable"))).toBe(true);
  });

  test("an S3 endpoint that accepts connections and never answers → 503 in bounded time, not a hang", async () => {
    // A stalled gateway or an overloaded RGW: the TCP connection opens, no byte ever comes back.
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      t = makeTestApp({
        config: {
          storage: {
            backend: "s3",
            s3: {
              endpoint: `http://127.0.0.1:${silent.port}`,
              bucket: "silent",
              region: "us-east-1",
              access_key_id: "lightd",
              secret_access_key: "lightd-secret",
              force_path_style: true,
              socket_timeout_ms: 200,
            },
          },
        },
      });
      const started = Date.now();
      const res = await t.request("PUT", "/files/a.txt", { body: "hello" });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe("service_unavailable");
      // Three attempts of 200 ms each, and their backoff: nowhere near the test's timeout.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.stop(true);
    }
  });

  testUnless(S3 ? null : "needs a real S3 (RGW)")(
    "the silent-S3 timeout ends once S3 answers: a download its reader pauses on streams every byte",
    async () => {
      const s3 = S3 as NonNullable<typeof S3>;
      const storage = s3.storage() as { s3: Record<string, unknown> };
      t = makeTestApp({
        backend: s3,
        config: { storage: { ...storage, s3: { ...storage.s3, socket_timeout_ms: 300 } } },
      });
      const bytes = new Uint8Array(12 * 1024 * 1024).map((_, i) => i % 251);
      expect((await t.request("PUT", "/files/big.bin", { body: bytes })).status).toBe(200);
      const res = await t.request("GET", "/files/big.bin?redirect=false");
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      let paused = false;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        // A slow client: S3's socket stays quiet far longer than the timeout while nobody reads.
        if (!paused) await Bun.sleep(1500);
        paused = true;
      }
      expect(received).toBe(bytes.length);
    },
  );

  test("a Postgres metadata engine that cannot be reached fails reads and units of work as StorageUnavailable", async () => {
    const sql = new SQL({ hostname: "127.0.0.1", port: closedPort(), username: "lightd", database: "lightd" });
    const metadata = PostgresMetadata.connect(sql);
    try {
      const read = await metadata.read.accounts.findById(1).catch((error: unknown) => error);
      expect(read).toBeInstanceOf(StorageUnavailable);
      const write = await metadata.write((tx) => tx.accounts.findById(1)).catch((error: unknown) => error);
      expect(write).toBeInstanceOf(StorageUnavailable);
      expect(write).not.toBeInstanceOf(StorageFull);
      expect((write as StorageUnavailable).cause).toBeDefined();
    } finally {
      metadata.close();
    }
  });
});
