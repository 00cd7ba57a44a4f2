import { join } from "node:path";
import type { Config } from "../../config";
import type { UrlSigner } from "../../lib/url-signer";
import type { BlobStore } from "./blob-store";
import { LocalBlobStore } from "./local";

/** The one place that picks the byte store from `storage.backend`. */
export function createBlobStore(config: Config, dataDir: string, signer: UrlSigner): BlobStore {
  switch (config.storage.backend) {
    case "local":
      return new LocalBlobStore(join(dataDir, "blobs"), signer);
    case "s3":
      throw new Error("S3 backend: see src/storage/blob/s3.ts");
  }
}
