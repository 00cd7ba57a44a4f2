import { join } from "node:path";
import type { Config } from "../../config";
import type { UrlSigner } from "../../lib/url-signer";
import type { BlobStore } from "./blob-store";
import { LocalBlobStore } from "./local";
import { S3BlobStore } from "./s3";

/** The one place that picks the byte store from `storage.backend`. */
export function createBlobStore(config: Config, dataDir: string, signer: UrlSigner): BlobStore {
  switch (config.storage.backend) {
    case "local":
      return new LocalBlobStore(join(dataDir, "blobs"), signer);
    case "s3": {
      const settings = config.storage.s3;
      // parseConfig refuses backend "s3" without a storage.s3 section; this keeps the type honest.
      if (!settings) throw new Error('storage.s3: required when storage.backend is "s3"');
      // Parts of unknown length spool next to the database, not in a possibly small /tmp.
      return new S3BlobStore(settings, { tmpDir: dataDir, signer });
    }
  }
}
