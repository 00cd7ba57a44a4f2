import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { ListMultipartUploadsCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { ConfigError, parseConfig } from "../../src/config";
import { BlobTooLarge } from "../../src/storage/blob/errors";
import { S3BlobStore } from "../../src/storage/blob/s3";
import { storedKeys } from "../fixtures/blob-keys";
import { makeTestApp } from "../fixtures/harness";
import { createTestBucket, ensureRgw, type RgwEnv, s3Settings, type TestBucket } from "../fixtures/rgw";
import {
  expectBlobError,
  expectNotFound,
  newKey,
  readAll,
  runBlobStoreSuite,
  sha256,
  streamOf,
} from "./blob-store.suite";

// The shared BlobStore contract, then what only S3 does, against a real Ceph RGW
// (tests/fixtures/rgw.ts: CI's RGW from the environment, or a throwaway cluster).
const rgw = await ensureRgw();
const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

if (rgw.env) {
  const env = rgw.env;
  runBlobStoreSuite({
    name: "s3 (Ceph RGW)",
    copies: true,
    make: async () => {
      const bucket = await createTestBucket(env);
      // A key prefix, as when several lightd instances share a bucket.
      const store = new S3BlobStore(s3Settings(env, bucket.name, { key_prefix: "instance-a/" }), { partSize: 5 * MiB });
      return {
        store,
        fetchSigned: (url, init) => fetch(url, init),
        cleanup: async () => {
          store.close();
          await bucket.destroy();
        },
      };
    },
  });
  // serve_downloads: signed GET URLs point at lightd's /blobs route, so the store runs inside a
  // real app and its signed URLs are followed as a client would (lightd's through the app).
  runBlobStoreSuite({
    name: "s3 serve_downloads (Ceph RGW)",
    copies: true,
    make: async () => {
      const bucket = await createTestBucket(env);
      const t = makeTestApp({
        config: {
          storage: {
            backend: "s3",
            s3: s3Settings(env, bucket.name, { key_prefix: "instance-b/", serve_downloads: true }),
          },
        },
      });
      return {
        store: t.ctx.blobs,
        baseUrl: "http://localhost",
        fetchSigned: (url, init) => t.follow(url, init),
        cleanup: async () => {
          await t.close();
          await bucket.destroy();
        },
      };
    },
  });
  s3Specifics(env);
} else {
  test.skip(`BlobStore conformance and S3 specifics: s3 and s3 serve_downloads (skipped: ${rgw.skip})`, () => {});
}

function s3Specifics(env: RgwEnv): void {
  describe("S3BlobStore specifics (Ceph RGW)", () => {
    let bucket: TestBucket;
    let store: S3BlobStore;
    beforeAll(async () => {
      bucket = await createTestBucket(env);
      store = new S3BlobStore(s3Settings(env, bucket.name, { key_prefix: "lightd/" }), { partSize: 5 * MiB });
    });
    afterAll(async () => {
      store?.close();
      await bucket?.destroy();
    });

    test("presigned GET works with plain fetch and carries the requested type and file name", async () => {
      const key = newKey();
      await store.putStream(key, streamOf(text("presigned bytes")), { contentType: "application/octet-stream" });
      const url = await store.signedUrl(key, {
        method: "GET",
        expiresIn: 60,
        baseUrl: "http://unused",
        contentType: "text/plain; charset=utf-8",
        filename: "résumé 2024.txt",
      });
      expect(new URL(url).pathname).toBe(`/${bucket.name}/lightd/${key}`);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(res.headers.get("content-disposition")).toContain("filename*=UTF-8''r%C3%A9sum%C3%A9%202024.txt");
      expect(await res.text()).toBe("presigned bytes");
      const ranged = await fetch(url, { headers: { range: "bytes=10-14" } });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe("bytes");
    });

    test("a tampered presigned URL is refused by RGW (403)", async () => {
      const key = newKey();
      const other = newKey();
      await store.putStream(key, streamOf(text("secret")));
      await store.putStream(other, streamOf(text("other")));
      const url = new URL(await store.signedUrl(key, { method: "GET", expiresIn: 60, baseUrl: "http://unused" }));
      const signature = url.searchParams.get("X-Amz-Signature") as string;
      const flipped = new URL(url);
      flipped.searchParams.set("X-Amz-Signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
      const otherObject = new URL(url);
      otherObject.pathname = otherObject.pathname.replace(key, other);
      const longer = new URL(url);
      longer.searchParams.set("X-Amz-Expires", "604800");
      for (const bad of [flipped, otherObject, longer]) {
        const res = await fetch(bad);
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain("secret");
      }
      expect((await fetch(url)).status).toBe(200);
    });

    test("an expired presigned URL is refused by RGW (403)", async () => {
      const key = newKey();
      await store.putStream(key, streamOf(text("expired")));
      // Signed an hour ago for 60 s: expired now, with no waiting.
      const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
      const { GetObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
      const signer = new S3Client({
        endpoint: env.endpoint,
        region: env.region,
        forcePathStyle: true,
        credentials: { accessKeyId: env.accessKey, secretAccessKey: env.secretKey },
      });
      const url = await getSignedUrl(signer, new GetObjectCommand({ Bucket: bucket.name, Key: `lightd/${key}` }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 3_600_000),
      });
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("AccessDenied");
      signer.destroy();
    });

    test("a presigned PUT binds its Content-Type and its method", async () => {
      const key = newKey();
      const url = await store.signedUrl(key, {
        method: "PUT",
        expiresIn: 60,
        baseUrl: "http://unused",
        contentType: "image/png",
      });
      const wrongType = await fetch(url, { method: "PUT", body: "x", headers: { "content-type": "text/html" } });
      expect(wrongType.status).toBe(403);
      await expectNotFound(store.head(key));
      const ok = await fetch(url, { method: "PUT", body: "png!", headers: { "content-type": "image/png" } });
      expect(ok.status).toBe(200);
      expect(await store.head(key)).toMatchObject({ size: 4, contentType: "image/png" });
      expect((await fetch(url, { method: "DELETE" })).status).toBe(403);
    });

    test("multipart: 3 × 5 MiB parts PUT in parallel straight to presigned part URLs, then completed", async () => {
      const key = newKey();
      const parts = [0, 1, 2].map(() => new Uint8Array(randomBytes(5 * MiB)));
      const uploadId = await store.createMultipart(key, { contentType: "application/x-parts" });
      const urls = await Promise.all(
        parts.map((_, i) => store.signedPartUrl(key, uploadId, i + 1, { expiresIn: 300, baseUrl: "http://unused" })),
      );
      const responses = await Promise.all(urls.map((url, i) => fetch(url, { method: "PUT", body: parts[i] })));
      for (const res of responses) expect(res.status).toBe(200);
      const etags = responses.map((res) => res.headers.get("etag") as string);
      expect(new Set(etags).size).toBe(3);
      const done = await store.completeMultipart(
        key,
        uploadId,
        etags.map((etag, i) => ({ partNumber: i + 1, etag })),
      );
      const whole = Buffer.concat(parts);
      expect(done).toMatchObject({ size: 15 * MiB, contentType: "application/x-parts" });
      expect(done.etag).toEndWith("-3");
      expect(sha256(await readAll(await store.getStream(key)))).toBe(sha256(whole));
    }, 60_000);

    test("putStream of a body larger than one part streams as multipart; over maxBytes it leaves no upload behind", async () => {
      const key = newKey();
      const bytes = new Uint8Array(randomBytes(12 * MiB + 7));
      const stat = await store.putStream(key, streamOf(bytes, 256 * 1024));
      expect(stat.size).toBe(bytes.byteLength);
      expect(stat.etag).toEndWith("-3");
      expect(await store.head(key)).toMatchObject({ size: bytes.byteLength, etag: stat.etag });
      expect(sha256(await readAll(await store.getStream(key)))).toBe(sha256(bytes));

      const big = newKey();
      await expectBlobError(store.putStream(big, streamOf(bytes, 256 * 1024), { maxBytes: 11 * MiB }), BlobTooLarge);
      await expectNotFound(store.head(big));
      const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }));
      expect((uploads.Uploads ?? []).filter((u) => u.Key?.endsWith(big))).toEqual([]);
    }, 60_000);

    test("key_prefix isolates stores sharing a bucket: keys, listings and stale-upload cleanup", async () => {
      const other = new S3BlobStore(s3Settings(env, bucket.name, { key_prefix: "other-instance/" }));
      const mine = newKey();
      const theirs = newKey();
      await store.putStream(mine, streamOf(text("mine")));
      await other.putStream(theirs, streamOf(text("theirs")));
      const theirUpload = await other.createMultipart(newKey());
      const listed = async (s: S3BlobStore) => {
        const keys: string[] = [];
        for (const k of await storedKeys(s)) keys.push(k);
        return keys;
      };
      expect(await listed(store)).toContain(mine);
      expect(await listed(store)).not.toContain(theirs);
      expect(await listed(other)).toEqual([theirs]);
      await expectNotFound(store.head(theirs));
      await store.cleanupStaleUploads(Date.now() + 60_000);
      const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }));
      expect((uploads.Uploads ?? []).map((u) => u.UploadId)).toContain(theirUpload);
      expect(await other.cleanupStaleUploads(Date.now() + 60_000)).toBe(1);
      await other.delete(theirs);
      other.close();
    });

    test("public_endpoint: URLs are signed for the public address, the store still talks to the private one", async () => {
      const port = new URL(env.endpoint).port;
      const pub = new S3BlobStore(
        s3Settings(env, bucket.name, { key_prefix: "lightd/", public_endpoint: `http://localhost:${port}` }),
      );
      const key = newKey();
      await pub.putStream(key, streamOf(text("public")));
      const url = await pub.signedUrl(key, { method: "GET", expiresIn: 60, baseUrl: "http://unused" });
      expect(new URL(url).host).toBe(`localhost:${port}`);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("public");
      const part = await pub.signedPartUrl(key, "some-upload", 1, { expiresIn: 60, baseUrl: "http://unused" });
      expect(new URL(part).host).toBe(`localhost:${port}`);
      pub.close();
    });

    describe("checkBucket (start-up validation)", () => {
      const check = async (overrides: Parameters<typeof s3Settings>[2], name = bucket.name) => {
        const s = new S3BlobStore(s3Settings(env, name, overrides));
        try {
          await s.checkBucket();
          return null;
        } catch (error) {
          return (error as Error).message;
        } finally {
          s.close();
        }
      };

      test("a reachable, writable bucket passes and leaves no probe object", async () => {
        expect(await check({ key_prefix: "probe-check/" })).toBeNull();
        const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }));
        expect(uploads.Uploads ?? []).toEqual([]);
        const s = new S3BlobStore(s3Settings(env, bucket.name, { key_prefix: "probe-check/" }));
        const keys: string[] = [];
        for (const k of await storedKeys(s)) keys.push(k);
        expect(keys).toEqual([]);
        s.close();
      });

      test("wrong endpoint → 'S3 endpoint unreachable'", async () => {
        const server = createServer();
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        const { port } = server.address() as { port: number };
        await new Promise((done) => server.close(done));
        const message = await check({ endpoint: `http://127.0.0.1:${port}` });
        expect(message).toStartWith(`S3 endpoint unreachable: http://127.0.0.1:${port}`);
      });

      test("wrong secret → 'credentials rejected'", async () => {
        const message = await check({ secret_access_key: "not-the-secret-0000000000000000000000000" });
        expect(message).toContain(`S3 bucket '${bucket.name}'`);
        expect(message).toContain("credentials rejected (SignatureDoesNotMatch)");
      });

      test("unknown access key → 'credentials rejected'", async () => {
        const message = await check({ access_key_id: "NOSUCHKEY00000000000" });
        expect(message).toContain("credentials rejected (InvalidAccessKeyId)");
      });

      test("missing bucket → 'bucket does not exist'", async () => {
        const message = await check({}, "lightd-no-such-bucket");
        expect(message).toBe(`S3 bucket 'lightd-no-such-bucket' at ${env.endpoint}: bucket does not exist`);
      });

      test("a bucket that refuses writes → 'bucket is not writable'", async () => {
        const readOnly = await createTestBucket(env, "lightd-ro");
        await readOnly.client.send(
          new PutBucketPolicyCommand({
            Bucket: readOnly.name,
            Policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Deny",
                  Principal: { AWS: ["*"] },
                  Action: ["s3:PutObject"],
                  Resource: [`arn:aws:s3:::${readOnly.name}/*`],
                },
              ],
            }),
          }),
        );
        const message = await check({}, readOnly.name);
        expect(message).toContain(`S3 bucket '${readOnly.name}'`);
        expect(message).toContain("bucket is not writable (AccessDenied)");
        await readOnly.destroy();
      });
    });
  });
}

describe("config: storage.s3", () => {
  const base = {
    authorization: { token: "lightd_test_master_token_0123456789" },
    signing_secret: "test-signing-secret-0123456789abcdef0123456789",
  };

  test('backend "s3" without a storage.s3 section is refused, naming it', () => {
    expect(() => parseConfig({ ...base, storage: { backend: "s3" } }, "config.json")).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, storage: { backend: "s3" } }, "config.json")).toThrow("storage.s3");
  });

  test("defaults: region us-east-1, path style, no prefix, redirects to S3", () => {
    const config = parseConfig(
      { ...base, storage: { backend: "s3", s3: { endpoint: "http://127.0.0.1:7480", bucket: "b" } } },
      "config.json",
    );
    expect(config.storage.s3).toEqual({
      endpoint: "http://127.0.0.1:7480",
      bucket: "b",
      region: "us-east-1",
      force_path_style: true,
      key_prefix: "",
      serve_downloads: false,
    });
  });

  test("a bad field is named; a key id without its secret is refused", () => {
    const bad = (s3: Record<string, unknown>) => () =>
      parseConfig({ ...base, storage: { backend: "s3", s3: { endpoint: "http://x", bucket: "b", ...s3 } } }, "c");
    expect(bad({ endpoint: "ftp://x" })).toThrow("storage.s3.endpoint");
    expect(bad({ bucket: "" })).toThrow("storage.s3.bucket");
    expect(bad({ access_key_id: "AK" })).toThrow("storage.s3");
  });
});
