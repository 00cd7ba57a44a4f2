import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config";
import { UrlSigner } from "../../src/lib/url-signer";
import { blobUrlBuilder } from "../../src/modules/blobs/urls";
import { createBlobBackend } from "../../src/storage/blob/factory";

// What each backend can do beyond the BlobStore contract is declared by the factory, never guessed.
describe("createBlobBackend: capabilities beside the store", () => {
  const dir = mkdtempSync(join(tmpdir(), "lightd-backend-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = {
    authorization: { token: "lightd_test_master_token_0123456789" },
    signing_secret: "test-signing-secret-0123456789abcdef0123456789",
  };
  const urls = blobUrlBuilder(new UrlSigner(base.signing_secret));

  test("local disk: files for sendfile, no start-up check; signed URLs point at lightd's blob route", async () => {
    const backend = createBlobBackend(parseConfig({ ...base }, "config.json"), dir, urls);
    expect(backend.localFiles).toBeDefined();
    expect(backend.startupCheck).toBeUndefined();
    const key = "abcdefgh12345678";
    expect(backend.localFiles?.pathOf(key)).toBe(join(dir, "blobs", "ab", key));
    const url = new URL(await backend.store.signedUrl(key, { method: "GET", expiresIn: 60, baseUrl: "http://nas/" }));
    expect(url.origin + url.pathname).toBe(`http://nas/blobs/${key}`);
  });

  test("S3: a start-up check, no local files", async () => {
    const config = parseConfig(
      { ...base, storage: { backend: "s3", s3: { endpoint: "http://127.0.0.1:9", bucket: "b" } } },
      "config.json",
    );
    const backend = createBlobBackend(config, dir, urls);
    expect(backend.startupCheck).toBeDefined();
    expect(backend.localFiles).toBeUndefined();
    await backend.store.close?.();
  });
});
