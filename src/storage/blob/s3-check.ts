import {
  DeleteObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { engineError } from "../errors";
import { codeOf, statusOf } from "./s3-support";

/**
 * Start-up validation: the bucket exists and lightd can write and delete in it (with a
 * tiny probe object at `probe`, in the bucket checked). Throws an Error whose message names what failed, for
 * the operator: endpoint unreachable, credentials rejected, bucket missing, not writable.
 */
export async function checkBucket(
  client: S3Client,
  endpoint: string | undefined,
  probe: { Bucket: string; Key: string },
): Promise<void> {
  const bucket = probe.Bucket;
  const where = `S3 bucket '${bucket}' at ${endpoint}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (failure) {
    const error = engineError(failure);
    const status = statusOf(error);
    if (status === undefined) {
      throw new Error(`S3 endpoint unreachable: ${endpoint} (${(error as Error).message})`);
    }
    if (status === 404) throw new Error(`${where}: bucket does not exist`);
    if (status === 403 || status === 401) throw new Error(`${where}: ${await describeDenied(client, bucket)}`);
    throw new Error(`${where}: HeadBucket failed with HTTP ${status} ${codeOf(error)}`);
  }
  try {
    await client.send(new PutObjectCommand({ ...probe, Body: "probe" }));
    await client.send(new DeleteObjectCommand({ ...probe }));
  } catch (failure) {
    const error = engineError(failure);
    throw new Error(`${where}: bucket is not writable (${codeOf(error) || (error as Error).message})`);
  }
}

/** HEAD answers carry no error code; a GET tells bad credentials from a bucket policy refusal. */
async function describeDenied(client: S3Client, bucket: string): Promise<string> {
  try {
    await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    return "access denied";
  } catch (failure) {
    const error = engineError(failure);
    const code = codeOf(error);
    if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"].includes(code)) {
      return `credentials rejected (${code})`;
    }
    return `access denied (${code || `HTTP ${statusOf(error)}`})`;
  }
}
