import type { Config } from "../../config";
import type { Logger } from "../../lib/logger";
import type { BlobStore } from "../../storage/blob/blob-store";
import type { Metadata } from "../../storage/db/metadata";
import { BackupService } from "./service";

export interface BackupDeps {
  metadata: Metadata;
  blobs: BlobStore;
  config: () => Config;
  configPath: string;
  dataDir: string;
  logger: Logger;
  version: string;
  now: () => number;
}

/** Builds the backup service for the server (services) and for `lightd backup` (the CLI). */
export function createBackupService(deps: BackupDeps): BackupService {
  return new BackupService({ ...deps, scratchDir: deps.dataDir }, deps.config, deps.logger);
}
