/** Small helpers shared by the S3 store's files: error classification, ETag quoting, byte counting. */
import { open } from "node:fs/promises";
import { BlobTooLarge } from "./errors";

export const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface S3ErrorLike {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export const statusOf = (error: unknown) => (error as S3ErrorLike)?.$metadata?.httpStatusCode;
export const codeOf = (error: unknown) => (error as S3ErrorLike)?.Code ?? (error as S3ErrorLike)?.name ?? "";
export const isMissing = (error: unknown) =>
  statusOf(error) === 404 || ["NoSuchKey", "NotFound", "NoSuchUpload"].includes(codeOf(error));

/** Writes `body` to a new file at `path`, awaiting each write; returns the byte count. */
export async function spoolToFile(path: string, body: ReadableStream<Uint8Array>, maxBytes?: number): Promise<number> {
  const fh = await open(path, "wx", 0o600);
  const reader = body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return size;
      size += value.byteLength;
      if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLarge(maxBytes);
      for (let offset = 0; offset < value.byteLength; ) {
        offset += (await fh.write(value, offset)).bytesWritten;
      }
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
    await fh.close();
  }
}
