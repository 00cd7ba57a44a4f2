import { join } from "node:path";
import type { Config } from "../../config";
import type { BlobStore, LightdUrlBuilder } from "./blob-store";
import type { LocalFiles, StartupCheck } from "./capabilities";
import { LocalBlobStore } from "./local";
import { S3BlobStore } from "./s3";

/** The byte store picked by config, with the optional capabilities this backend has. */
export interface BlobBackend {
  store: BlobStore;
  /** Present for the local store: downloads are served from the file itself. */
  localFiles?: LocalFiles;
  /** Present for S3: the bucket is checked before the server listens. */
  startupCheck?: StartupCheck;
}

/** The stored objects a download reads: the store, and its local files when it has them (sendfile). */
export type ObjectSource = Pick<BlobBackend, "store" | "localFiles">;

/**
 * The one place that picks the byte store from `storage.backend`. `lightdUrls` builds the
 * signed URLs that point at lightd itself (the composition root knows that route).
 */
export function createBlobBackend(config: Config, dataDir: string, lightdUrls: LightdUrlBuilder): BlobBackend {
  switch (config.storage.backend) {
    case "local": {
      const store = new LocalBlobStore(join(dataDir, "blobs"), lightdUrls);
      return { store, localFiles: store };
    }
    case "s3": {
      const settings = config.storage.s3;
      // parseConfig refuses backend "s3" without a storage.s3 section; this keeps the type honest.
      if (!settings) throw new Error('storage.s3: required when storage.backend is "s3"');
      // Parts of unknown length spool next to the database, not in a possibly small /tmp.
      const store = new S3BlobStore(settings, { tmpDir: dataDir, lightdUrls });
      return { store, startupCheck: { check: () => store.checkBucket() } };
    }
  }
}
