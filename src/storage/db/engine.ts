import { join } from "node:path";
import type { Config } from "../../config";
import type { Coordination } from "./coordination";
import type { Metadata } from "./metadata";
import { openPostgresMetadata } from "./postgres";
import { describePostgres } from "./postgres/connection";
import type { MetadataSnapshot } from "./snapshot";
import { installSnapshot, openSnapshot, openSqliteMetadata } from "./sqlite";

/** The metadata engine an instance runs on, and where it is (for the start-up log; no password). */
export interface OpenedMetadata {
  metadata: Metadata;
  /** What instances share besides rows; absent for the embedded engine (one instance). */
  coordination?: Coordination;
  engine: Config["metadata"]["engine"];
  location: string;
}

/** Where the embedded engine keeps a data dir's metadata. */
export const embeddedMetadataPath = (dataDir: string) => join(dataDir, "lightd.db");

/**
 * Opens the metadata engine config.json names: the embedded SQLite file in the data
 * directory (the default: one binary, no setup), or the Postgres database every instance of
 * a deployment shares (`metadata.url`, else the PG* environment variables), its schema
 * brought up to date by whichever instance gets there first.
 */
export async function openMetadataEngine(
  config: Config,
  dataDir: string,
  env: Record<string, string | undefined>,
): Promise<OpenedMetadata> {
  if (config.metadata.engine === "postgres") {
    const settings = { url: config.metadata.url, max_connections: config.metadata.max_connections };
    const location = describePostgres(settings, env);
    try {
      const metadata = await openPostgresMetadata(settings, env);
      return { metadata, coordination: metadata.coordination, engine: "postgres", location };
    } catch (error) {
      throw new Error(`metadata: cannot use Postgres at ${location}: ${(error as Error).message}`);
    }
  }
  const path = embeddedMetadataPath(dataDir);
  return { metadata: openSqliteMetadata(path), engine: "sqlite", location: path };
}

/** What an engine does with a snapshot file it wrote (`Metadata.snapshot`), once it is out of an archive. */
export interface SnapshotFiles {
  /** Opens the file to check it (`integrity()` is "ok" when whole) and list the objects it references. */
  open(path: string): MetadataSnapshot & { integrity(): string };
  /**
   * Makes a checked snapshot the data dir's metadata: its schema brought up to this lightd,
   * the holds of the backup that took it dropped, that backup recorded as done.
   */
  install(
    path: string,
    dataDir: string,
    backup: { id: string; files: number; bytes: number; finishedAt: number },
  ): void;
}

const SNAPSHOT_FILES: Record<MetadataSnapshot["engine"], SnapshotFiles> = {
  sqlite: { open: openSnapshot, install: installSnapshot },
};

/** The snapshot files of the engine an archive names (restore and verify never pick an engine themselves). */
export function snapshotFiles(engine: MetadataSnapshot["engine"]): SnapshotFiles {
  return SNAPSHOT_FILES[engine];
}
