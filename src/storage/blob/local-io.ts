import { createReadStream, type Stats } from "node:fs";
import { type FileHandle, link, readFile, rename, stat, unlink } from "node:fs/promises";
import { randomBase62 } from "../../lib/ids";
import { chunksOwned, releaseChunk } from "../../lib/owned-chunks";
import type { BlobStat } from "./blob-store";
import { BlobTooLarge } from "./errors";
import { withFile, writeAll } from "./file-handle";
import type { BodyHead } from "./small-write";
import { SLOT_BYTES, UploadRing } from "./upload-ring";

/** Read size when appending parts and hashing stored files. */
const WRITE_CHUNK = 1024 * 1024;

export interface Written {
  size: number;
  etag: string;
}

/** What a sidecar records about the bytes beside it. `ino` ties it to one version of the file. */
interface Sidecar {
  etag: string;
  size: number;
  ino: number;
  contentType?: string;
}

/** Writes the chunks in order with writev(2), finishing any short write. */
async function writeChunks(fh: FileHandle, chunks: Uint8Array[]): Promise<void> {
  if (chunks.length === 0) return;
  let { bytesWritten } = await fh.writev(chunks);
  for (const chunk of chunks) {
    if (bytesWritten >= chunk.byteLength) bytesWritten -= chunk.byteLength;
    else {
      await writeAll(fh, chunk.subarray(bytesWritten));
      bytesWritten = 0;
    }
  }
}

/**
 * Streams `body` into an open file and hashes it. A small body (under one slot) is
 * gathered by reference, hashed here and written with one writev(2). From the first full
 * slot on, the bytes go through an UploadRing (./upload-ring.ts): each chunk is hashed as it
 * arrives while the thread pool writes the slots before it, and memory stays fixed however
 * fast the client sends. Throws BlobTooLarge as soon as more than `maxBytes` arrive.
 * `head`: the body's first chunks, already read (./small-write.ts), and the reader to go on from.
 * `path` names the open file, so the ring may write past the page cache (./upload-ring.ts).
 */
export async function writeStream(
  fh: FileHandle,
  body: ReadableStream<Uint8Array>,
  maxBytes: number | undefined,
  head?: BodyHead,
  path?: string,
): Promise<Written> {
  let small: Uint8Array[] = head ? [...head.chunks] : [];
  let smallBytes = head?.size ?? 0;
  let ring: UploadRing | undefined;
  let size = smallBytes;
  // A chunk copied into the ring is spent: freed at once when it is ours (lib/owned-chunks.ts).
  const release = chunksOwned(body) ? releaseChunk : () => {};
  const reader = head?.reader ?? body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLarge(maxBytes);
      if (ring) {
        await ring.push(value);
        release(value);
        continue;
      }
      small.push(value);
      smallBytes += value.byteLength;
      if (smallBytes >= SLOT_BYTES) {
        ring = new UploadRing(fh, path);
        for (const chunk of small) {
          await ring.push(chunk);
          release(chunk);
        }
        small = [];
      }
    }
    if (ring) return { size, etag: await ring.finish() };
    const hash = new Bun.CryptoHasher("sha256");
    for (const chunk of small) hash.update(chunk);
    await writeChunks(fh, small);
    return { size, etag: hash.digest("hex") };
  } catch (error) {
    // The file is closed after this returns: the ring's writes must be done with it first.
    await ring?.abandon();
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** Appends the file at `path` to `out`, feeding `hash`; reads a chunk at a time. */
export function appendFile(out: FileHandle, path: string, hash: Bun.CryptoHasher): Promise<number> {
  return withFile(path, "r", async (input) => {
    const buffer = Buffer.allocUnsafe(WRITE_CHUNK);
    let total = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, WRITE_CHUNK, null);
      if (bytesRead === 0) return total;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await writeAll(out, chunk);
      total += bytesRead;
    }
  });
}

/** SHA-256 of a file, streamed (used only to repair a missing or stale sidecar). */
export async function hashFile(path: string): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: WRITE_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** fsync a directory so a rename inside it survives a crash; some filesystems refuse, which is harmless. */
export async function fsyncDir(dir: string): Promise<void> {
  // Where it is not supported, the rename itself is still atomic.
  await withFile(dir, "r", (fh) => fh.sync()).catch(() => {});
}

export function writeFileDurable(path: string, content: string): Promise<void> {
  return withFile(path, "wx", async (fh) => {
    await fh.writeFile(content);
    await fh.sync();
  });
}

/** stat(2) of `path`, null when nothing is there (an existence check that never reads a sidecar). */
export function statOrNull(path: string): Promise<Stats | null> {
  return stat(path).catch((error) => {
    if (isMissing(error)) return null;
    throw error;
  });
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

export async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch((error) => {
    if (!isMissing(error)) throw error;
  });
}

/**
 * Moves a finished temp file (already fsynced) to `finalPath`, with its sidecar when
 * `sidecar` is given. The data is renamed first; a crash before the sidecar lands leaves a
 * sidecar whose `ino` no longer matches, which `readStat` detects and repairs.
 * `exclusive` links instead of renaming: link(2) fails with EEXIST when anything is
 * already at `finalPath`, so of two racing writers exactly one lands and nothing is replaced.
 */
export async function commitFile(
  tmpData: string,
  sidecar: { path: string; written: Written; contentType: string | undefined } | null,
  finalPath: string,
  exclusive = false,
): Promise<void> {
  if (sidecar) {
    const { ino } = await stat(tmpData);
    const record: Sidecar = {
      etag: sidecar.written.etag,
      size: sidecar.written.size,
      ino,
      contentType: sidecar.contentType,
    };
    await writeFileDurable(sidecar.path, JSON.stringify(record));
  }
  if (exclusive) {
    await link(tmpData, finalPath);
    await unlink(tmpData);
  } else await rename(tmpData, finalPath);
  if (sidecar) await rename(sidecar.path, sidecarPath(finalPath));
}

/** The JSON record at `path`; null when it is missing or unreadable (torn by a crash, or never written). */
export function readJson<T>(path: string): Promise<T | null> {
  return readFile(path, "utf8")
    .then((text) => JSON.parse(text) as T)
    .catch(() => null);
}

export function sidecarPath(dataPath: string): string {
  return `${dataPath}.meta`;
}

/**
 * Size, etag and content type of a stored file in O(1) from its sidecar; null when the
 * file is missing. A missing or stale sidecar (crash between the two renames) is rebuilt.
 */
export async function readStat(dataPath: string): Promise<BlobStat | null> {
  const info = await statOrNull(dataPath);
  if (!info) return null;
  const sidecar = await readJson<Sidecar>(sidecarPath(dataPath));
  if (sidecar && sidecar.ino === info.ino && sidecar.size === info.size) {
    return { size: sidecar.size, etag: sidecar.etag, contentType: sidecar.contentType };
  }
  // No usable sidecar: the object is being deleted (data unlinked first, then the sidecar),
  // or an old write lost it. Hash the bytes; an object that vanishes meanwhile is missing.
  let etag: string;
  try {
    etag = await hashFile(dataPath);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const repaired: Sidecar = { etag, size: info.size, ino: info.ino };
  const tmp = `${sidecarPath(dataPath)}.${randomBase62(8)}.tmp`;
  await Bun.write(tmp, JSON.stringify(repaired));
  await rename(tmp, sidecarPath(dataPath));
  // Deleted while we hashed: take the repaired sidecar away again rather than strand it.
  if (!(await stat(dataPath).catch(() => null))) {
    await unlink(sidecarPath(dataPath)).catch(() => {});
    return null;
  }
  return { size: info.size, etag };
}
