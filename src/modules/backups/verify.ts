import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isObjectKey } from "../../storage/blob/blob-store";
import { type SnapshotFiles, snapshotFiles } from "../../storage/db/engine";
import type { MetadataSnapshot, ObjectRef } from "../../storage/db/snapshot";
import { type ArchiveSummary, readArchive } from "./archive-reader";
import { ArchiveError, damaged } from "./errors";
import { toStream } from "./hashing";

/**
 * Reads a whole archive and checks it as restore would — every hash against the manifest,
 * the database's integrity, every referenced object present — without writing anything
 * but a temporary copy of the database.
 */
export async function verifyArchive(source: AsyncIterable<Uint8Array>, passphrase?: string): Promise<ArchiveSummary> {
  const scratch = mkdtempSync(join(tmpdir(), "lightd-verify-"));
  let engine: MetadataSnapshot["engine"] = "sqlite";
  try {
    return await readArchive(
      source,
      {
        async config(_bytes, header) {
          engine = header.engine;
        },
        async snapshot(body) {
          const path = join(scratch, "lightd.db");
          await Bun.write(path, new Response(toStream(body)));
          return snapshotRefs(engine, path);
        },
        async object(_ref, body) {
          for await (const _ of body) {
          }
        },
      },
      passphrase,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Checks a snapshot file of `engine` as read from an archive; returns the objects it references. The
 * database is input like any other: every object key in it must have the shape lightd
 * gives its keys, since restore writes each object under its key.
 */
export function snapshotRefs(engine: MetadataSnapshot["engine"], path: string): ObjectRef[] {
  let snapshot: ReturnType<SnapshotFiles["open"]> | undefined;
  let refs: ObjectRef[];
  try {
    snapshot = snapshotFiles(engine).open(path);
    const integrity = snapshot.integrity();
    if (integrity !== "ok") {
      throw damaged(`its database fails the integrity check (${integrity})`);
    }
    refs = snapshot.objects();
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw damaged(`its database cannot be read (${(error as Error).message})`);
  } finally {
    snapshot?.close();
  }
  for (const ref of refs) {
    if (typeof ref.key !== "string" || !isObjectKey(ref.key) || !Number.isSafeInteger(ref.size) || ref.size < 0) {
      throw damaged(
        `its database names an object lightd never stores (${JSON.stringify(String(ref.key).slice(0, 100))})`,
      );
    }
  }
  return refs;
}
