import type { Database } from "bun:sqlite";
import type { Config } from "../../config";
import type { Logger } from "../../lib/logger";
import type { BlobStore } from "../../storage/blob/blob-store";
import { BackupRepository } from "../../storage/db/backups";
import { ReclaimHoldRepository } from "../../storage/db/reclaim-holds";
import { snapshotMetadata } from "../../storage/db/snapshot";
import { BackupService } from "./service";

export interface BackupDeps {
  db: Database;
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
  return new BackupService(
    {
      snapshot: (target) => snapshotMetadata(deps.db, target),
      holds: new ReclaimHoldRepository(deps.db),
      blobs: deps.blobs,
      configPath: deps.configPath,
      scratchDir: deps.dataDir,
      version: deps.version,
      now: deps.now,
    },
    new BackupRepository(deps.db),
    deps.config,
    deps.logger,
  );
}
