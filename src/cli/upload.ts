import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { type ApiClient, ApiError, encodePath, errorOf, fetchOrExplain } from "./api-client";
import { fileDigest, fileMatchesEtag, MULTIPART_THRESHOLD, multipartEtag, partSizeFor } from "./digest";
import { CliError } from "./exit";
import { withRetries } from "./pool";
import type { FileProgress, Progress } from "./progress";
import type { PartState, UploadStateStore } from "./upload-state";

export interface UploadResult {
  path: string;
  size: number;
  etag: string;
  /** Bytes sent in this run (less than size when a multipart upload resumed). */
  sent: number;
  resumed: boolean;
}

export interface UploadOptions {
  progress: Progress;
  states: UploadStateStore;
  /** Parts sent at once for a multipart upload. */
  parallel: number;
  /** Check the stored ETag against the local bytes (one HEAD); a tree checks its listing instead. */
  verify: boolean;
}

interface CommitResponse {
  path: string;
  size: number;
}

/** Small enough to read whole: one buffer, one request with a Content-Length. */
const IN_MEMORY_LIMIT = 8 * 1024 * 1024;

/**
 * Uploads one local file to `remote`: a single streamed PUT up to 64 MiB, above that a
 * multipart upload with parts sent in parallel and remembered in a state file, so running
 * the same `put` again after an interruption sends only the parts still missing.
 */
export async function uploadFile(
  api: ApiClient,
  local: string,
  remote: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const info = await stat(local);
  const bar = options.progress.file(remote, info.size);
  try {
    const result =
      info.size > MULTIPART_THRESHOLD
        ? await uploadMultipart(api, local, remote, info.size, info.mtimeMs, options, bar)
        : await uploadSingle(api, local, remote, info.size, bar);
    if (options.verify && result.etag === "") result.etag = await verifyStored(api, local, remote, info.size);
    return result;
  } finally {
    bar.done();
  }
}

async function uploadSingle(
  api: ApiClient,
  local: string,
  remote: string,
  size: number,
  bar: FileProgress,
): Promise<UploadResult> {
  const file = Bun.file(local);
  const body: RequestInit["body"] = size <= IN_MEMORY_LIMIT ? await file.bytes() : countingStream(file.stream(), bar);
  const response = await api.request("PUT", `/files/${encodePath(remote)}`, {
    body,
  });
  const commit = (await response.json()) as CommitResponse;
  if (size <= IN_MEMORY_LIMIT) bar.add(size);
  if (commit.size !== size) throw new CliError(`${remote}: the server stored ${commit.size} bytes of ${size}`);
  return { path: commit.path, size, etag: "", sent: size, resumed: false };
}

function countingStream(source: ReadableStream<Uint8Array>, bar: FileProgress): ReadableStream<Uint8Array> {
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bar.add(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** HEAD the stored file and compare its ETag with the local bytes; returns the ETag. */
export async function verifyStored(api: ApiClient, local: string, remote: string, size: number): Promise<string> {
  const head = await api.request("HEAD", `/files/${encodePath(remote)}`);
  const etag = (head.headers.get("etag") ?? "").replace(/^W\//, "").replaceAll('"', "");
  if (!(await fileMatchesEtag(local, size, etag))) {
    throw new CliError(`${remote}: the stored ETag ${etag} does not match the local file`);
  }
  return etag;
}

interface CreatedMultipart {
  upload_id: string;
  part_urls: string[];
}

async function uploadMultipart(
  api: ApiClient,
  local: string,
  remote: string,
  size: number,
  mtimeMs: number,
  options: UploadOptions,
  bar: FileProgress,
): Promise<UploadResult> {
  const identity = { url: api.baseUrl, remote, local, size, mtime: mtimeMs };
  let state = options.states.load(identity);
  const resumed = state !== undefined;
  if (!state) {
    const partSize = partSizeFor(size);
    const partCount = Math.max(1, Math.ceil(size / partSize));
    const created = await api.json<CreatedMultipart>("POST", "/files/uploads/multipart", {
      json: { path: remote, part_count: partCount },
    });
    state = options.states.create(identity, partSize, created.upload_id, created.part_urls);
  }
  const current = state;
  const partCount = current.part_urls.length;
  for (const done of Object.values(current.parts)) bar.add(done.size);

  let sent = 0;
  let sha256Whole: Promise<string> | undefined;
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !current.parts[n]);
  const queue = missing[Symbol.iterator]();
  const worker = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const number = next.value;
      const start = (number - 1) * current.part_size;
      const end = Math.min(size, start + current.part_size);
      const part = await sendPart(current.part_urls[number - 1] as string, local, start, end, remote, number);
      // lightd's own store answers SHA-256 part ETags: the whole file is checked by SHA-256 too.
      if (part.etag.length === 64) sha256Whole ??= fileDigest(local, "sha256");
      options.states.recordPart(current, number, part);
      sent += part.size;
      bar.add(part.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, Math.max(1, missing.length)) }, worker));

  const parts = Array.from({ length: partCount }, (_, i) => ({ part_number: i + 1, etag: current.parts[i + 1]!.etag }));
  let commit: CommitResponse;
  try {
    commit = await api.json<CommitResponse>("POST", "/files/uploads/multipart/complete", {
      json: { path: remote, upload_id: current.upload_id, parts },
    });
  } catch (error) {
    // The upload was completed, aborted or swept since the state was written: start over once.
    if (error instanceof ApiError && error.status === 404 && resumed) {
      options.states.discard(current);
      return uploadMultipart(api, local, remote, size, mtimeMs, options, bar);
    }
    throw error;
  }
  options.states.discard(current);
  if (commit.size !== size) throw new CliError(`${remote}: the server stored ${commit.size} bytes of ${size}`);

  const head = await api.request("HEAD", `/files/${encodePath(remote)}`);
  const etag = (head.headers.get("etag") ?? "").replaceAll('"', "");
  const md5s = parts.map((p) => Buffer.from(current.parts[p.part_number]!.md5, "hex"));
  const expected = etag.length === 64 ? await (sha256Whole ?? fileDigest(local, "sha256")) : multipartEtag(md5s);
  if (etag !== expected) throw new CliError(`${remote}: the stored ETag ${etag} does not match the local file`);
  return { path: commit.path, size, etag, sent, resumed };
}

/**
 * PUTs one part to its signed URL (retrying transient failures). An S3 part's ETag is its MD5,
 * checked here and kept for the object's `md5-N` ETag; lightd's own store answers SHA-256 part
 * ETags, and there the whole file's SHA-256 is checked at the end instead (one hash pass, not two).
 */
async function sendPart(
  url: string,
  local: string,
  start: number,
  end: number,
  remote: string,
  number: number,
): Promise<PartState> {
  const bytes = new Uint8Array(await Bun.file(local).slice(start, end).arrayBuffer());
  const response = await withRetries(
    async () => {
      const r = await fetchOrExplain(url, { method: "PUT", body: bytes });
      if (r.status >= 500) throw await errorOf(r);
      return r;
    },
    (error) => !(error instanceof ApiError) || error.status >= 500,
  );
  if (!response.ok) {
    const error = await errorOf(response);
    throw new CliError(`${remote}: part ${number}: ${error.message}`, error.exitCode);
  }
  await response.arrayBuffer();
  const etag = (response.headers.get("etag") ?? "").replaceAll('"', "");
  if (etag.length === 64) return { etag, md5: "", size: bytes.byteLength };
  const md5 = createHash("md5").update(bytes).digest("hex");
  if (etag !== md5) throw new CliError(`${remote}: part ${number} arrived damaged (ETag ${etag})`);
  return { etag, md5, size: bytes.byteLength };
}
