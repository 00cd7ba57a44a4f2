/** A stored object a metadata snapshot names, with what the store needs to write it back. */
export interface ObjectRef {
  key: string;
  size: number;
  contentType: string | null;
}

/**
 * A consistent copy of the metadata, taken while the server keeps writing. Backups depend
 * only on this shape, so another metadata engine adds its own snapshot (a dump file and the
 * same object list) without touching the archive code.
 */
export interface MetadataSnapshot {
  /** Which engine wrote `path`; restore refuses an engine it does not run. */
  engine: "sqlite";
  /** The snapshot file, stored in the archive as-is. */
  path: string;
  /** Every stored object the snapshot references, each once. */
  objects(): ObjectRef[];
  close(): void;
}

/** The archive member name of the metadata snapshot. */
export const SNAPSHOT_NAME = "lightd.db";
