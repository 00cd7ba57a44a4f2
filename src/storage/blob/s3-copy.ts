import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { quoteEtag, unquoteEtag } from "../../lib/etag";
import type { BlobStat } from "./blob-store";
import { BlobNotFound, objectChanged } from "./errors";
import { codeOf, isMissing, statusOf } from "./s3-support";

/** Largest object S3 copies in one CopyObject call; bigger ones are copied in parts of COPY_PART_BYTES. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
const COPY_PART_BYTES = 512 * 1024 ** 2;

/**
 * Copies `sourceKey` to `targetKey` inside the bucket (server-side) only if it still holds
 * the object described by `expected`; returns the copy's stat. Throws BlobConflict
 * when the source changed, BlobNotFound when it is gone. Not every S3 implementation
 * honours CopySourceIfMatch (Ceph RGW 16 ignores it), so the copy is checked too: a
 * single-request copy keeps the source ETag, a part copy keeps the size.
 */
export async function copyChecked(
  client: S3Client,
  bucket: string,
  sourceKey: string,
  targetKey: string,
  expected: BlobStat,
): Promise<BlobStat> {
  const source = `${bucket}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`;
  // Each command gets its own copy (`...target`): the SDK may add defaults to a command's input.
  const target = { Bucket: bucket, Key: targetKey };
  const ifMatch = quoteEtag(expected.etag);
  try {
    if (expected.size <= MAX_COPY_BYTES) {
      await client.send(
        new CopyObjectCommand({ ...target, CopySource: source, CopySourceIfMatch: ifMatch, MetadataDirective: "COPY" }),
      );
    } else {
      await copyInParts(client, target, source, ifMatch, expected.size);
    }
  } catch (error) {
    if (statusOf(error) === 412 || codeOf(error) === "PreconditionFailed") throw objectChanged();
    if (isMissing(error)) throw new BlobNotFound();
    throw error;
  }
  const head = await client.send(new HeadObjectCommand({ ...target }));
  const stat: BlobStat = { size: head.ContentLength ?? 0, etag: unquoteEtag(head.ETag), contentType: head.ContentType };
  if (stat.size !== expected.size || (expected.size <= MAX_COPY_BYTES && stat.etag !== unquoteEtag(expected.etag))) {
    await client.send(new DeleteObjectCommand({ ...target })).catch(() => {});
    throw objectChanged();
  }
  return stat;
}

async function copyInParts(
  client: S3Client,
  target: { Bucket: string; Key: string },
  source: string,
  ifMatch: string,
  size: number,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ ...target }));
  try {
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let start = 0, part = 1; start < size; start += COPY_PART_BYTES, part++) {
      const end = Math.min(start + COPY_PART_BYTES, size) - 1;
      const out = await client.send(
        new UploadPartCopyCommand({
          ...target,
          UploadId,
          PartNumber: part,
          CopySource: source,
          CopySourceIfMatch: ifMatch,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber: part, ETag: out.CopyPartResult?.ETag ?? "" });
    }
    await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => {});
    throw error;
  }
}
