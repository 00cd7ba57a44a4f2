import { type FileHandle, open } from "node:fs/promises";

/** Opens `path` (a file it creates is private: 0600), hands it to `use`, and closes it whatever happens. */
export async function withFile<T>(path: string, flags: string, use: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await open(path, flags, 0o600);
  try {
    return await use(fh);
  } finally {
    await fh.close();
  }
}

/** Writes all of `data` at `position` (the file's own position when absent), finishing any short write. */
export async function writeAll(fh: FileHandle, data: Uint8Array, position?: number): Promise<void> {
  for (let offset = 0; offset < data.byteLength; ) {
    const at = position === undefined ? null : position + offset;
    offset += (await fh.write(data, offset, data.byteLength - offset, at)).bytesWritten;
  }
}
