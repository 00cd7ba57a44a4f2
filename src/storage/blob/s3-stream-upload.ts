import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { unquoteEtag } from "../../lib/etag";
import { BlobTooLarge } from "./errors";

export interface StreamUploadOptions {
  partSize: number;
  /** Parts being sent at once; memory is partSize × (queueSize + 1), allocated once per upload. */
  queueSize: number;
  contentType?: string;
  maxBytes?: number;
}

/**
 * Streams a body of unknown length into one object: a single PutObject when it fits in
 * one part, else a multipart upload whose parts are sent `queueSize` at a time. Part
 * buffers come from a fixed pool and are reused, so memory stays bounded however large
 * the body and however fast it arrives. A failed or oversized body aborts the multipart
 * upload, leaving nothing behind. Returns the byte count and the ETag (possibly empty:
 * Ceph RGW 16 answers CompleteMultipartUpload without one).
 */
export async function streamUpload(
  client: S3Client,
  bucket: string,
  key: string,
  body: ReadableStream<Uint8Array>,
  options: StreamUploadOptions,
): Promise<{ size: number; etag: string }> {
  const { partSize, queueSize, contentType, maxBytes } = options;
  const at = { Bucket: bucket, Key: key };
  const free: Buffer[] = [Buffer.allocUnsafe(partSize)];
  const reader = body.getReader();
  let pending: Uint8Array | null = null;
  let size = 0;

  /** Fills `buffer` from the body; returns how many bytes it holds (less than partSize at the end). */
  const fill = async (buffer: Buffer): Promise<number> => {
    let used = 0;
    while (used < partSize) {
      let chunk = pending;
      pending = null;
      if (!chunk) {
        const next = await reader.read();
        if (next.done) break;
        chunk = next.value;
        size += chunk.byteLength;
        if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLarge(maxBytes);
      }
      const n = Math.min(partSize - used, chunk.byteLength);
      buffer.set(chunk.subarray(0, n), used);
      used += n;
      if (n < chunk.byteLength) pending = chunk.subarray(n);
    }
    return used;
  };

  let uploadId: string | undefined;
  const inFlight = new Set<Promise<void>>();
  try {
    const first = free.pop() as Buffer;
    const firstLength = await fill(first);
    if (firstLength < partSize) {
      const out = await client.send(
        new PutObjectCommand({
          ...at,
          Body: first.subarray(0, firstLength),
          ContentLength: firstLength,
          ContentType: contentType,
        }),
      );
      return { size, etag: unquoteEtag(out.ETag) };
    }
    uploadId = (await client.send(new CreateMultipartUploadCommand({ ...at, ContentType: contentType }))).UploadId;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const send = (buffer: Buffer, length: number, partNumber: number) => {
      const task: Promise<void> = client
        .send(
          new UploadPartCommand({
            ...at,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: buffer.subarray(0, length),
            ContentLength: length,
          }),
        )
        .then((out) => {
          parts.push({ PartNumber: partNumber, ETag: out.ETag ?? "" });
          free.push(buffer);
        })
        .finally(() => inFlight.delete(task));
      // Observed by Promise.race / allSettled; this handler only keeps it from counting as unhandled.
      task.catch(() => {});
      inFlight.add(task);
    };
    let partNumber = 1;
    let buffer = first;
    let length = firstLength;
    for (;;) {
      send(buffer, length, partNumber++);
      if (length < partSize) break;
      while (inFlight.size >= queueSize) await Promise.race(inFlight);
      buffer = free.pop() ?? Buffer.allocUnsafe(partSize);
      length = await fill(buffer);
      if (length === 0) {
        free.push(buffer);
        break;
      }
    }
    await Promise.all(inFlight);
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    const done = await client.send(
      new CompleteMultipartUploadCommand({ ...at, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
    );
    return { size, etag: unquoteEtag(done.ETag) };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    // Let parts already on the wire finish (or fail) before the upload is aborted under them.
    await Promise.allSettled(inFlight);
    if (uploadId) {
      await client.send(new AbortMultipartUploadCommand({ ...at, UploadId: uploadId })).catch(() => {});
    }
    throw error;
  } finally {
    reader.releaseLock();
  }
}
