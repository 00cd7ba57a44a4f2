import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BlobStore } from "../../storage/blob/blob-store";
import { BlobNotFound } from "../../storage/blob/errors";
import type { Metadata } from "../../storage/db/metadata";
import { type MetadataSnapshot, type ObjectRef, SNAPSHOT_NAME } from "../../storage/db/snapshot";
import { ArchiveError } from "./errors";
import { Hashed, hashBytes } from "./hashing";
import {
  type BackupHeader,
  CONFIG_NAME,
  FORMAT,
  HEADER_NAME,
  MANIFEST_NAME,
  type Manifest,
  type ManifestObject,
  OBJECT_PREFIX,
} from "./layout";
import type { ByteSink } from "./sink";
import { TarWriter } from "./tar-writer";

/** Everything a backup reads: the metadata engine, the byte store, config.json. */
export interface BackupSource {
  /**
   * The metadata engine: it takes the consistent snapshot (`Metadata.snapshot`), records the
   * run, and keeps the hold that pauses the deletion of stored bytes while objects are copied.
   */
  metadata: Metadata;
  blobs: BlobStore;
  configPath: string;
  /** Where the snapshot file is written for the time of the backup (the data dir: same disk, private). */
  scratchDir: string;
  version: string;
  now: () => number;
}

/** A hold lapses this long after its last renewal, so a crashed backup frees the reclaim queue. */
export const HOLD_LEASE_MS = 10 * 60_000;

/** The hold a run takes: alive while the run works (BackupService.sweepAbandoned reads it). */
export const backupHoldId = (id: string) => `backup-${id}`;
/** Objects opened ahead of the one being written, so a remote store's latency overlaps the copy. */
const PREFETCH = 4;

/**
 * Writes one consistent archive of the server to `sink` while it keeps serving: the hold
 * goes in first, then the snapshot, so every object the snapshot names is still in the
 * store when it is copied. Returns the object count; the sink is closed on success and
 * aborted on failure. Once `signal` is aborted, it throws the signal's reason at the next
 * object or chunk.
 */
export async function writeArchive(
  source: BackupSource,
  sink: ByteSink,
  id: string,
  signal?: AbortSignal,
): Promise<{ files: number }> {
  const holdId = backupHoldId(id);
  const renew = () => source.metadata.write((tx) => tx.holds.hold(holdId, source.now() + HOLD_LEASE_MS));
  await renew();
  const renewal = setInterval(() => {
    renew().catch(() => {}); // a missed renewal is retried at the next tick; the lease outlasts three
  }, HOLD_LEASE_MS / 4);
  renewal.unref();
  const snapshotPath = join(source.scratchDir, `.backup-${id}.db`);
  let snapshot: MetadataSnapshot | undefined;
  try {
    signal?.throwIfAborted();
    snapshot = await source.metadata.snapshot(snapshotPath);
    const header: BackupHeader = {
      format: FORMAT,
      id,
      lightd: source.version,
      created_at: source.now(),
      engine: snapshot.engine,
      backend: source.blobs.kind,
    };
    const tar = new TarWriter(sink, Math.floor(header.created_at / 1000));
    await tar.addBytes(HEADER_NAME, new TextEncoder().encode(JSON.stringify(header, null, 2)));
    const config = readFileSync(source.configPath);
    await tar.addBytes(CONFIG_NAME, config);
    const metadata = new Hashed();
    const file = Bun.file(snapshotPath);
    await tar.add(SNAPSHOT_NAME, file.size, metadata.through(file.stream(), signal));
    const objects = await copyObjects(tar, source.blobs, snapshot.objects(), signal);
    const manifest: Manifest = {
      ...header,
      config: hashBytes(config),
      metadata: { name: SNAPSHOT_NAME, ...metadata.result() },
      objects,
    };
    await tar.addBytes(MANIFEST_NAME, new TextEncoder().encode(JSON.stringify(manifest)));
    await tar.finish();
    await sink.close();
    return { files: objects.length };
  } catch (error) {
    await sink.abort().catch(() => {});
    throw error;
  } finally {
    clearInterval(renewal);
    await source.metadata.write((tx) => tx.holds.release(holdId));
    snapshot?.close();
    rmSync(snapshotPath, { force: true });
  }
}

async function copyObjects(
  tar: TarWriter,
  blobs: BlobStore,
  refs: ObjectRef[],
  signal: AbortSignal | undefined,
): Promise<ManifestObject[]> {
  const open = (ref: ObjectRef) =>
    blobs.getStream(ref.key).catch((error) => {
      if (error instanceof BlobNotFound) {
        throw new ArchiveError(
          "changed_during_backup",
          `stored object ${ref.key} is missing from the store although the metadata names it`,
        );
      }
      throw error;
    });
  const ahead: Array<Promise<ReadableStream<Uint8Array>>> = [];
  const out: ManifestObject[] = [];
  for (let i = 0; i < refs.length; i++) {
    while (ahead.length < PREFETCH && i + ahead.length < refs.length) {
      const next = open(refs[i + ahead.length] as ObjectRef);
      next.catch(() => {}); // awaited below in order; this only keeps an early failure from going unhandled
      ahead.push(next);
    }
    const ref = refs[i] as ObjectRef;
    const stream = await (ahead.shift() as Promise<ReadableStream<Uint8Array>>);
    const hashed = new Hashed();
    try {
      await tar.add(`${OBJECT_PREFIX}${ref.key}`, ref.size, hashed.through(stream, signal));
    } catch (error) {
      // Close what was opened ahead; the archive is abandoned.
      for (const pending of ahead)
        pending.then(
          (s) => s.cancel(),
          () => {},
        );
      throw error;
    }
    out.push({ key: ref.key, content_type: ref.contentType, ...hashed.result() });
  }
  return out;
}
