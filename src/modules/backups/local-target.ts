import { closeSync, existsSync, fsyncSync, openSync, statSync } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ByteSink } from "./sink";

/** Small writes (tar headers) are gathered into writes of this size. */
const BUFFER = 1024 * 1024;

/**
 * Where an archive named `name` goes for `--to PATH` or a `backups.to` directory: into
 * PATH when it is a directory (or ends with "/"), else at PATH itself.
 */
export function localArchivePath(to: string, name: string): string {
  const isDir = to.endsWith("/") || (existsSync(to) && statSync(to).isDirectory());
  return isDir ? join(to, name) : to;
}

/**
 * Writes an archive to `path` through `path.partial`, fsynced and renamed into place at
 * close, so a crashed or failed backup never leaves a file that looks complete.
 */
export async function localFileSink(path: string): Promise<ByteSink> {
  if (existsSync(path)) throw new Error(`${path} already exists; a backup never overwrites a file`);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new Error(`${folder}: no such folder; create it first (an archive goes into an existing folder)`);
  }
  const partial = `${path}.partial`;
  const handle: FileHandle = await open(partial, "wx", 0o600);
  let buffer = Buffer.allocUnsafe(BUFFER);
  let used = 0;
  const writeAll = async (bytes: Uint8Array, length: number) => {
    let done = 0;
    while (done < length) done += (await handle.write(bytes, done, length - done)).bytesWritten;
  };
  const flush = async () => {
    await writeAll(buffer, used);
    used = 0;
  };
  return {
    async write(chunk) {
      if (used + chunk.byteLength > BUFFER) await flush();
      if (chunk.byteLength >= BUFFER) return writeAll(chunk, chunk.byteLength);
      buffer.set(chunk, used);
      used += chunk.byteLength;
    },
    async close() {
      await flush();
      await handle.sync();
      await handle.close();
      await rename(partial, path);
      try {
        const dir = openSync(dirname(path), "r");
        fsyncSync(dir);
        closeSync(dir);
      } catch {
        // Some filesystems refuse fsync on a directory; the rename is still atomic.
      }
      buffer = Buffer.alloc(0);
    },
    async abort() {
      await handle.close().catch(() => {});
      await unlink(partial).catch(() => {});
    },
  };
}
