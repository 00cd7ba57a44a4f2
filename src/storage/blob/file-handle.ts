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

/** Writes all of `data` at the file's position, finishing any short write. */
export async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; ) {
    offset += (await fh.write(data, offset, data.byteLength - offset)).bytesWritten;
  }
}
