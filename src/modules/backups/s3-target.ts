import type { BackupS3Config, Config } from "../../config";
import { S3BlobStore } from "../../storage/blob/s3";
import type { ByteSink } from "./sink";

/** `s3://bucket/prefix` → bucket and key prefix (ending in "/" when not empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`invalid S3 target '${url}': expected s3://bucket/prefix`);
  const prefix = match[2] as string;
  return { bucket: match[1] as string, prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/` };
}

export function isS3Url(to: string): boolean {
  return to.startsWith("s3://");
}

/**
 * A byte store over the backup bucket: archives are objects there, written, read, listed
 * and deleted through the same S3 code as stored files.
 */
export function archiveBucket(connection: BackupS3Config | undefined, url: string): S3BlobStore {
  const { bucket, prefix } = parseS3Url(url);
  if (!connection) throw new Error(`${url}: set backups.s3 (endpoint and credentials) in config.json`);
  return new S3BlobStore({
    endpoint: connection.endpoint,
    region: connection.region,
    access_key_id: connection.access_key_id,
    secret_access_key: connection.secret_access_key,
    force_path_style: connection.force_path_style,
    bucket,
    key_prefix: prefix,
    serve_downloads: false,
  });
}

/** Streams an archive into one object; it appears only when the multipart upload completes. */
export function s3ObjectSink(store: S3BlobStore, key: string): ByteSink {
  const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 4 }, { highWaterMark: 4 });
  const writer = pipe.writable.getWriter();
  const upload = store.putStream(key, pipe.readable, { contentType: "application/x-tar" });
  upload.catch(() => {}); // awaited by close(); a failure also surfaces through the next write
  const failed = upload.then(
    () => new Promise<never>(() => {}),
    (error) => Promise.reject(error),
  );
  failed.catch(() => {});
  return {
    write: (chunk) => Promise.race([writer.write(chunk), failed]),
    async close() {
      await writer.close();
      await upload;
      store.close();
    },
    async abort() {
      await writer.abort(new Error("backup abandoned")).catch(() => {});
      await upload.catch(() => {});
      await store.delete(key).catch(() => {});
      store.close();
    },
  };
}

/** The endpoint and credentials for s3:// targets: `backups.s3`, else those of `storage.s3`. */
export function backupS3Connection(config: Pick<Config, "backups" | "storage">): BackupS3Config | undefined {
  return config.backups.s3 ?? config.storage.s3;
}
