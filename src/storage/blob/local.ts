import { mkdirSync } from "node:fs";
import { type FileHandle, mkdir, readdir, rm, stat, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { unquoteEtag } from "../../lib/etag";
import { randomBase62 } from "../../lib/ids";
import { fromFilesystem } from "../errors";
import {
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  isObjectKey,
  type LightdUrlBuilder,
  type ListedObject,
  type PutOptions,
  type PutResult,
  type SignOptions,
} from "./blob-store";
import { DataSync } from "./data-sync";
import { BlobNotFound, BlobRequestInvalid, objectChanged, objectExists, RangeNotSatisfiable } from "./errors";
import { withFile } from "./file-handle";
import { lightdObjectUrl } from "./lightd-url";
import { type LocalBody, localBody } from "./local-body";
import {
  appendFile,
  commitFile,
  fsyncDir,
  isMissing,
  readJson,
  readStat,
  statOrNull,
  unlinkQuietly,
  type Written,
  writeFileDurable,
  writeStream,
} from "./local-io";
import { OpenFiles } from "./open-files";
import { type BodyHead, readHead, writeSmallFile } from "./small-write";

const MAX_PART_NUMBER = 10_000;
const UPLOAD_META = "upload.json";

interface UploadMeta {
  key: string;
  createdAt: number;
  contentType?: string;
}

/**
 * Security rule: object keys and upload ids are internal base62-ish ids, and only well-formed
 * ones reach the filesystem, so no key can name a path outside the store.
 */
function assertObjectKey(key: string): void {
  if (typeof key !== "string" || !isObjectKey(key)) throw new BlobRequestInvalid("Invalid object key");
}

function assertUploadId(uploadId: string): void {
  if (typeof uploadId !== "string" || !isObjectKey(uploadId)) throw new BlobNotFound("Upload");
}

function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new BlobRequestInvalid(`Part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
  }
}

/**
 * Bytes on local disk under `root` (normally `<dataDir>/blobs`):
 * `<root>/<first 2 chars of key>/<key>`, with a `<key>.meta` sidecar (size, sha256 etag,
 * content type) unless the caller's metadata keeps those, temp files in `<root>/tmp/`, multipart parts in
 * `<root>/multipart/<uploadId>/<partNumber>`. Writes go to a temp file, are fsynced
 * and renamed into place, so a reader sees the old object or the new one, never a part.
 * Only a small body under a fresh key, which nothing reads yet, is written in place (#putSmallFresh).
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = "local" as const;
  readonly #tmpDir: string;
  readonly #multipartDir: string;
  /** Temp file names (without extension) of writes in progress, which cleanup must not remove. */
  readonly #writing = new Set<string>();
  /** Keys with an exclusive write in progress: a second writer is refused before it sends a byte. */
  readonly #claimed = new Set<string>();
  /**
   * Shard directories (`<root>/<2 chars>`) this store has made sure exist: a fresh key's write
   * then skips the mkdir, a thread-pool round trip per small upload. One removed behind the
   * store's back is made again when a write into it fails (#putFresh, #putSmallFresh).
   */
  readonly #shards = new Set<string>();
  /** Shard directories being made, for the writes that need one while its mkdir runs. */
  readonly #makingShards = new Map<string, Promise<void>>();
  /** Shared syncs for the bytes of fresh keys (PutOptions.freshKey). */
  readonly dataSync: DataSync;
  /** Each shared sync's promise as writes get it (#durable), with the objects to remove if it fails. */
  readonly #rounds = new WeakMap<Promise<void>, { durable: Promise<void>; paths: string[] }>();
  /** `root` normalised, with its trailing separator: the start of every object's path. */
  readonly #shardBase: string;
  /** Descriptors of small objects downloads read again; forgotten when their key is written or deleted. */
  readonly #open = new OpenFiles();

  constructor(
    readonly root: string,
    private readonly urls: LightdUrlBuilder,
  ) {
    this.#shardBase = join(root, "x").slice(0, -1);
    this.#tmpDir = join(root, "tmp");
    this.#multipartDir = join(root, "multipart");
    mkdirSync(this.#tmpDir, { recursive: true });
    mkdirSync(this.#multipartDir, { recursive: true });
    this.dataSync = new DataSync(root);
  }

  /** Waits for the syncs owed and lets go of the filesystem's descriptor (it can be unmounted then). */
  close(): Promise<void> {
    this.#open.close();
    return this.dataSync.close();
  }

  /** Where the bytes of `key` live (the LocalFiles capability: downloads hand the file to sendfile). */
  pathOf(key: string): string {
    assertObjectKey(key);
    // A checked key has no separators or dots: plain concatenation is what join would give.
    return `${this.#shardBase}${key.slice(0, 2)}/${key}`;
  }

  bodyOf(key: string, expected: number): LocalBody | null {
    return localBody(this.pathOf(key), expected, this.#open);
  }

  async putStream(key: string, body: ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const finalPath = this.pathOf(key);
    const fill = (fh: FileHandle, path: string) => writeStream(fh, body, options.maxBytes, undefined, path);
    const sidecar = options.metadataKeepsStat ? null : { contentType: options.contentType };
    if (!options.exclusive) {
      const written = options.freshKey
        ? await this.#putFresh(finalPath, sidecar, body, options.maxBytes)
        : await this.#commitFromTemp(finalPath, sidecar, fill);
      return { ...written, contentType: options.contentType };
    }
    // The claim turns a concurrent second writer away at once; the exclusive link in
    // commitFile is what makes "written once" hold even if a claim were missed.
    if (this.#claimed.has(key) || (await statOrNull(finalPath))) {
      await body.cancel().catch(() => {});
      throw objectExists();
    }
    this.#claimed.add(key);
    try {
      const written = await this.#commitFromTemp(finalPath, sidecar, fill, true);
      return { ...written, contentType: options.contentType };
    } finally {
      this.#claimed.delete(key);
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    const path = this.pathOf(key);
    // Only the size is needed here: stat(2), not the sidecar (objects may have none).
    const size = (await statOrNull(path))?.size;
    if (size === undefined) throw new BlobNotFound();
    const file = Bun.file(path);
    if (!range) return file.stream();
    if (
      !Number.isSafeInteger(range.start) ||
      !Number.isSafeInteger(range.end) ||
      range.start < 0 ||
      range.end < range.start ||
      range.end >= size
    ) {
      throw new RangeNotSatisfiable(size);
    }
    return file.slice(range.start, range.end + 1).stream();
  }

  /** The local signed PUT is write-once (a replay gets 409), so the object keeps its key. */
  async sealUpload(key: string, expected: BlobStat): Promise<{ key: string; stat: BlobStat }> {
    const stat = await this.head(key);
    if (stat.etag !== expected.etag || stat.size !== expected.size) throw objectChanged();
    return { key, stat };
  }

  async head(key: string): Promise<BlobStat> {
    const info = await readStat(this.pathOf(key));
    if (!info) throw new BlobNotFound();
    return info;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await unlinkQuietly(path);
    // After the unlink: a download between the two would keep the deleted file open again.
    this.#open.forget(path);
    await unlinkQuietly(`${path}.meta`);
  }

  signedUrl(key: string, options: SignOptions): string {
    assertObjectKey(key);
    return lightdObjectUrl(this.urls, key, options);
  }

  async createMultipart(key: string, options: { contentType?: string } = {}): Promise<string> {
    assertObjectKey(key);
    const uploadId = randomBase62(24);
    const dir = join(this.#multipartDir, uploadId);
    const meta: UploadMeta = { key, createdAt: Date.now(), contentType: options.contentType };
    try {
      await mkdir(dir);
      await writeFileDurable(join(dir, UPLOAD_META), JSON.stringify(meta));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw fromFilesystem(error);
    }
    return uploadId;
  }

  async signedPartUrl(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresIn: number; baseUrl: string },
  ): Promise<string> {
    assertObjectKey(key);
    assertUploadId(uploadId);
    assertPartNumber(partNumber);
    return this.urls(key, { ...options, method: "PUT", bound: { upload_id: uploadId, part: String(partNumber) } });
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: ReadableStream<Uint8Array>,
    options: PutOptions = {},
  ): Promise<BlobStat> {
    assertPartNumber(partNumber);
    const { dir } = await this.#upload(key, uploadId);
    try {
      return await this.#commitFromTemp(join(dir, String(partNumber)), { contentType: undefined }, (fh, path) =>
        writeStream(fh, body, options.maxBytes, undefined, path),
      );
    } catch (error) {
      // The upload was aborted or completed while this part streamed in.
      if (isMissing(error)) throw new BlobNotFound("Upload");
      throw error;
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<BlobStat> {
    const { dir, meta } = await this.#upload(key, uploadId);
    if (!Array.isArray(parts) || parts.length === 0) throw new BlobRequestInvalid("At least one part is required");
    let previous = 0;
    for (const part of parts) {
      if (!Number.isInteger(part?.partNumber) || part.partNumber <= previous) {
        throw new BlobRequestInvalid("Part numbers must be integers in strictly increasing order");
      }
      previous = part.partNumber;
      const info = await readStat(join(dir, String(part.partNumber)));
      if (!info) throw new BlobRequestInvalid(`Part ${part.partNumber} was not uploaded`);
      if (typeof part.etag !== "string" || unquoteEtag(part.etag) !== info.etag) {
        throw new BlobRequestInvalid(`Part ${part.partNumber} ETag does not match`);
      }
    }
    const written = await this.#commitFromTemp(this.pathOf(key), { contentType: meta.contentType }, async (fh) => {
      const hash = new Bun.CryptoHasher("sha256");
      let size = 0;
      for (const part of parts) size += await appendFile(fh, join(dir, String(part.partNumber)), hash);
      return { size, etag: hash.digest("hex") };
    });
    await rm(dir, { recursive: true, force: true });
    return { ...written, contentType: meta.contentType };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertObjectKey(key);
    if (!isObjectKey(uploadId)) return;
    const meta = await this.#readUploadMeta(uploadId);
    if (meta && meta.key !== key) return;
    await rm(join(this.#multipartDir, uploadId), { recursive: true, force: true });
  }

  async cleanupStaleUploads(
    olderThan: number,
    keep: (uploadId: string) => boolean | Promise<boolean> = () => false,
  ): Promise<number> {
    let removed = 0;
    for (const uploadId of await readdir(this.#multipartDir).catch(() => [] as string[])) {
      if (await keep(uploadId)) continue;
      const dir = join(this.#multipartDir, uploadId);
      const meta = await this.#readUploadMeta(uploadId);
      const started = meta?.createdAt ?? (await stat(dir).catch(() => null))?.mtimeMs ?? 0;
      if (started < olderThan) {
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
    // Temp files left by a crash mid-upload; a write in progress here is never touched.
    for (const name of await readdir(this.#tmpDir).catch(() => [] as string[])) {
      if (this.#writing.has(name.slice(0, name.indexOf(".")))) continue;
      const path = join(this.#tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < olderThan) {
        await unlinkQuietly(path);
        removed++;
      }
    }
    return removed;
  }

  async *listObjects(): AsyncIterable<ListedObject> {
    for (const shard of await readdir(this.root, { withFileTypes: true })) {
      if (!shard.isDirectory() || shard.name.length !== 2) continue;
      for (const name of await readdir(join(this.root, shard.name)).catch(() => [] as string[])) {
        if (!isObjectKey(name)) continue;
        const info = await stat(join(this.root, shard.name, name)).catch(() => null);
        if (info) yield { key: name, modified: info.mtimeMs };
      }
    }
  }

  /**
   * Writes through a fresh temp file, fsyncs it and renames it (with its sidecar unless
   * `sidecar` is null) to `finalPath`; on any failure the temp files are removed and nothing changes.
   */
  async #commitFromTemp(
    finalPath: string,
    sidecar: { contentType: string | undefined } | null,
    fill: (fh: FileHandle, path: string) => Promise<Written>,
    exclusive = false,
  ): Promise<Written> {
    const name = randomBase62(16);
    const base = join(this.#tmpDir, name);
    const tmpData = `${base}.tmp`;
    const tmpSidecar = `${base}.meta.tmp`;
    this.#writing.add(name);
    try {
      const written = await withFile(tmpData, "wx", async (fh) => {
        const filled = await fill(fh, tmpData);
        await fh.datasync();
        return filled;
      });
      const dir = join(finalPath, "..");
      await mkdir(dir, { recursive: true });
      const record = sidecar && { path: tmpSidecar, written, contentType: sidecar.contentType };
      await commitFile(tmpData, record, finalPath, exclusive);
      this.#open.forget(finalPath);
      await fsyncDir(dir);
      return written;
    } catch (error) {
      await unlink(tmpData).catch(() => {});
      if (sidecar) await unlink(tmpSidecar).catch(() => {});
      if ((error as NodeJS.ErrnoException)?.code === "EEXIST") throw objectExists();
      throw fromFilesystem(error);
    } finally {
      this.#writing.delete(name);
    }
  }

  /**
   * A fresh key's write: a small body without a sidecar is written in place (#putSmallFresh);
   * any other goes to a temp file renamed into place unsynced. Both resolve once the object
   * is in place, with `durable` for when its bytes and name are (#durable).
   */
  async #putFresh(
    finalPath: string,
    sidecar: { contentType: string | undefined } | null,
    body: ReadableStream<Uint8Array>,
    maxBytes: number | undefined,
  ): Promise<Written & { durable: Promise<void> }> {
    const dir = join(finalPath, "..");
    // A small body is written in one call once it is all here (./small-write.ts).
    const head = await readHead(body, maxBytes);
    if (head.done && sidecar === null) return this.#putSmallFresh(finalPath, dir, head);
    const name = randomBase62(16);
    const base = join(this.#tmpDir, name);
    const tmpData = `${base}.tmp`;
    const tmpSidecar = `${base}.meta.tmp`;
    this.#writing.add(name);
    let written: Written;
    try {
      written = head.done
        ? await writeSmallFile(tmpData, head)
        : await withFile(tmpData, "wx", (fh) => writeStream(fh, body, maxBytes, head, tmpData));
      const record = sidecar && { path: tmpSidecar, written, contentType: sidecar.contentType };
      // Without a sidecar the commit is one rename, which can simply be tried again.
      await this.#inShard(dir, record === null, () => commitFile(tmpData, record, finalPath));
      this.#open.forget(finalPath);
    } catch (error) {
      await unlink(tmpData).catch(() => {});
      if (sidecar) await unlink(tmpSidecar).catch(() => {});
      throw fromFilesystem(error);
    } finally {
      this.#writing.delete(name);
    }
    return { ...written, durable: this.#durable(finalPath, dir) };
  }

  /**
   * A small fresh body with no sidecar, written straight under its final name. The key is new
   * and nothing reads it before the caller commits metadata naming it (PutOptions.freshKey),
   * so a temp file and its rename buy nothing: the rename is a second directory changed in the
   * journal and one more thread-pool round trip. 16 writers of 4 KiB files on ext4 spent
   * 113-129 µs of CPU per file through a temp file and a rename, 58-80 µs written in place.
   * Keys made together share a directory (./object-keys.ts), so a batch of these writes
   * touches few directories. A crash mid-write leaves bytes nothing names, which the garbage
   * collector removes.
   */
  async #putSmallFresh(finalPath: string, dir: string, head: BodyHead): Promise<Written & { durable: Promise<void> }> {
    let written: Written;
    try {
      written = await this.#inShard(dir, true, () => writeSmallFile(finalPath, head));
      this.#open.forget(finalPath);
    } catch (error) {
      // Exclusive creation failed: whatever is at the name is not this write's to remove.
      if ((error as NodeJS.ErrnoException)?.code === "EEXIST") throw objectExists();
      await unlinkQuietly(finalPath);
      throw fromFilesystem(error);
    }
    return { ...written, durable: this.#durable(finalPath, dir) };
  }

  /**
   * Resolves once the object at `finalPath`, named in `dir`, and its name are durable, in a
   * batch shared with the writes beside it (./data-sync.ts). If that sync fails, the object
   * is removed again and the promise rejects: nothing may name it. Every write of one batch
   * gets the same promise, so a caller can tell the batches apart (WriteOptions.after).
   */
  #durable(finalPath: string, dir: string): Promise<void> {
    const sync = this.dataSync.durable(finalPath, dir);
    let round = this.#rounds.get(sync);
    if (!round) {
      const paths: string[] = [];
      const durable = sync.catch(async (error) => {
        await Promise.all(paths.map((path) => this.delete(basename(path)).catch(() => {})));
        throw fromFilesystem(error);
      });
      // A caller that gave up before waiting (its commit was refused) leaves no rejection unhandled.
      durable.catch(() => {});
      round = { durable, paths };
      this.#rounds.set(sync, round);
    }
    round.paths.push(finalPath);
    return round.durable;
  }

  /**
   * Runs `place`, which names a file in the shard directory `dir`, after a mkdir of it. A
   * `retryable` place (one that can simply run again) skips the mkdir when this store has made
   * the directory before; if it was removed behind the store's back since (`place` fails with
   * ENOENT), it is made again and `place` runs once more.
   */
  async #inShard<T>(dir: string, retryable: boolean, place: () => Promise<T>): Promise<T> {
    const known = retryable && this.#shards.has(dir);
    if (!known) await this.#makeShard(dir);
    try {
      return await place();
    } catch (error) {
      if (!known || !isMissing(error)) throw error;
      this.#shards.delete(dir);
      await this.#makeShard(dir);
      return place();
    }
  }

  /**
   * Makes a shard directory once for all the writes that need it at the same time: uploads
   * that arrive together share their shard (src/storage/blob/object-keys.ts), so when a new
   * shard starts, every upload in flight needs it at once. It is noted as made as soon as it
   * is, so later writes skip the mkdir.
   */
  #makeShard(dir: string): Promise<void> {
    let making = this.#makingShards.get(dir);
    if (making === undefined) {
      making = mkdir(dir, { recursive: true })
        .then(() => void this.#shards.add(dir))
        .finally(() => this.#makingShards.delete(dir));
      this.#makingShards.set(dir, making);
    }
    return making;
  }

  #readUploadMeta(uploadId: string): Promise<UploadMeta | null> {
    return readJson<UploadMeta>(join(this.#multipartDir, uploadId, UPLOAD_META));
  }

  /** The parts directory of an upload that exists and belongs to `key`; BlobNotFound otherwise. */
  async #upload(key: string, uploadId: string): Promise<{ dir: string; meta: UploadMeta }> {
    assertObjectKey(key);
    assertUploadId(uploadId);
    const meta = await this.#readUploadMeta(uploadId);
    if (!meta || meta.key !== key) throw new BlobNotFound("Upload");
    return { dir: join(this.#multipartDir, uploadId), meta };
  }
}
