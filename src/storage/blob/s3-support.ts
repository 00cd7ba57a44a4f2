/** Small helpers shared by the S3 store's files: error classification, ETag quoting, byte counting. */
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageFull, StorageUnavailable } from "../errors";
import { BlobTooLarge } from "./errors";
import { withFile, writeAll } from "./file-handle";

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
/** A rejection handler: a missing object or upload settles as `false`, any other failure stays one. */
export const missingAsFalse = (error: unknown): false => {
  if (isMissing(error)) return false;
  throw error;
};

/** Network failures of the SDK's HTTP handler: no answer came back. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * An S3 failure in storage's words (src/storage/errors.ts), once the SDK's retries are spent:
 * no answer (refused, reset, timed out) or 503 is StorageUnavailable; 507 (a full MinIO or
 * RGW pool) is StorageFull. Anything else stays the SDK's error, for the store to read.
 */
export function fromS3(error: unknown): unknown {
  const status = statusOf(error);
  if (status === 507) return new StorageFull(error);
  if (status === 503) return new StorageUnavailable(error);
  const code = (error as { code?: unknown })?.code;
  if (status === undefined && (UNREACHABLE.has(String(code)) || codeOf(error) === "TimeoutError")) {
    return new StorageUnavailable(error);
  }
  return error;
}

/** Makes every command of `client` fail in storage's words (see `fromS3`). */
export function speakStorage(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw fromS3(error);
      }
    },
    { step: "initialize", name: "lightdStorageErrors" },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      // An answer has come: the silent-socket timeout was for S3 that never answers. A body
      // still streaming waits on whoever reads it (a slow client, a backup's target), not on S3.
      (result.response as { body?: { socket?: { setTimeout?(ms: number): unknown } } }).body?.socket?.setTimeout?.(0);
      return result;
    },
    { step: "deserialize", name: "lightdAnsweredNoTimeout" },
  );
  return client;
}

/** Writes `body` to a new file at `path`, awaiting each write; returns the byte count. */
export function spoolToFile(path: string, body: ReadableStream<Uint8Array>, maxBytes?: number): Promise<number> {
  return withFile(path, "wx", async (fh) => {
    const reader = body.getReader();
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return size;
        size += value.byteLength;
        if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLarge(maxBytes);
        await writeAll(fh, value);
      }
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
  });
}
