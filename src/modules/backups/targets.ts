import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BackupS3Config } from "../../config";
import { isArchiveName } from "./layout";
import { localArchivePath, localFileSink } from "./local-target";
import { archiveBucket, isS3Url, parseS3Url, s3ObjectSink } from "./s3-target";
import type { ByteSink } from "./sink";

/**
 * Where archives go and come from: a local path or `s3://bucket/prefix` (reached with the
 * connection `s3`). The one place that tells the two apart, so the service, the scheduler
 * and the CLI never do.
 */
export async function openArchiveTarget(
  s3: BackupS3Config | undefined,
  to: string,
  name: string,
): Promise<{ path: string; sink: ByteSink }> {
  if (isS3Url(to)) {
    const { bucket, prefix } = parseS3Url(to);
    return { path: `s3://${bucket}/${prefix}${name}`, sink: s3ObjectSink(archiveBucket(s3, to), name) };
  }
  const path = localArchivePath(to, name);
  return { path, sink: await localFileSink(path) };
}

/** The bytes of the archive at `path` (a file or an s3:// URL naming one object). */
export async function openArchiveSource(
  s3: BackupS3Config | undefined,
  path: string,
): Promise<AsyncIterable<Uint8Array>> {
  if (isS3Url(path)) {
    const { bucket, prefix } = parseS3Url(path);
    const key = prefix.replace(/\/$/, "");
    const slash = key.lastIndexOf("/");
    const store = archiveBucket(s3, `s3://${bucket}/${key.slice(0, slash + 1)}`);
    return store.getStream(key.slice(slash + 1));
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`${path}: no such archive file`);
  return Bun.file(path).stream();
}

/** Deletes the oldest lightd archives in the directory or prefix `to`, keeping the newest `keep`. Returns how many went. */
export async function pruneArchives(
  s3Connection: BackupS3Config | undefined,
  to: string,
  keep: number,
): Promise<number> {
  const names: string[] = [];
  const s3 = isS3Url(to) ? archiveBucket(s3Connection, to) : undefined;
  if (s3) {
    for await (const { key } of s3.listObjects()) if (isArchiveName(key)) names.push(key);
  } else if (existsSync(to)) {
    for (const name of readdirSync(to)) if (isArchiveName(name)) names.push(name);
  }
  // Names start with the UTC start time, so sorting by name sorts by age.
  const old = names.sort().slice(0, Math.max(0, names.length - keep));
  for (const name of old) {
    if (s3) await s3.delete(name);
    else rmSync(join(to, name), { force: true });
  }
  s3?.close();
  return old.length;
}
