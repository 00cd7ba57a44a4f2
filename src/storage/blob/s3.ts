import { createReadStream } from "node:fs";
import { readdir, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3Config } from "../../config";
import type { Awaitable } from "../../lib/awaitable";
import { contentDisposition } from "../../lib/content-disposition";
import { quoteEtag, unquoteEtag } from "../../lib/etag";
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
  type SignOptions,
} from "./blob-store";
import { BlobConflict, BlobError, BlobNotFound, BlobRequestInvalid, RangeNotSatisfiable } from "./errors";
import { lightdObjectUrl } from "./lightd-url";
import { newObjectKey } from "./object-keys";
import { checkBucket } from "./s3-check";
import { copyChecked } from "./s3-copy";
import { streamUpload } from "./s3-stream-upload";
import { codeOf, isMissing, missingAsFalse, silentLogger, speakStorage, spoolToFile, statusOf } from "./s3-support";

/** Names of the part spools in `tmpDir`, so cleanup recognises its own files. */
const SPOOL_PREFIX = "lightd-s3-part-";

/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * How long a connection to S3 may stay silent by default. Three attempts of it, and of the
 * connect timeout, still end well within the server's idle timeout, so the client gets the 503.
 */
const S3_SOCKET_TIMEOUT_MS = 5000;

export interface S3StoreOptions {
  /** Part size of the streamed one-step upload (S3 minimum 5 MiB). */
  partSize?: number;
  /** Parts in flight per streamed upload; memory per upload ≈ partSize × (queueSize + 1). */
  queueSize?: number;
  /** Where `uploadPart` spools a part of unknown length (S3 needs Content-Length up front). */
  tmpDir?: string;
  /** Builds signed URLs on lightd itself; required when `serve_downloads` is on. */
  lightdUrls?: LightdUrlBuilder;
}

/**
 * Bytes in any S3-compatible bucket. Object keys are `key_prefix` + lightd's internal
 * object id, never a user path. Clients get presigned URLs, so bytes bypass lightd; the
 * presigning client targets `public_endpoint` when set. Checksums are only computed
 * when an operation requires them: Ceph RGW and others answer 411 to aws-chunked bodies.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = "s3" as const;
  readonly #client: S3Client;
  readonly #signer: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  /** Part size and parts in flight of a streamed one-step upload. */
  readonly #parts: { partSize: number; queueSize: number };
  readonly #tmpDir: string;
  readonly #lightdUrls: LightdUrlBuilder | undefined;
  /** Full keys of streamed PUTs in progress (their multipart upload must survive cleanup). */
  readonly #streaming = new Set<string>();
  /** Part spool file names in use. */
  readonly #spooling = new Set<string>();

  constructor(
    readonly settings: S3Config,
    options: S3StoreOptions = {},
  ) {
    const base: S3ClientConfig = {
      region: settings.region,
      forcePathStyle: settings.force_path_style,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // The SDK would console.warn on failed streaming requests; failures reach the caller as errors.
      logger: silentLogger,
      credentials:
        settings.access_key_id && settings.secret_access_key
          ? { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key }
          : undefined,
    };
    this.#client = speakStorage(
      new S3Client({
        ...base,
        endpoint: settings.endpoint,
        requestHandler: {
          connectionTimeout: 5000,
          socketTimeout: settings.socket_timeout_ms ?? S3_SOCKET_TIMEOUT_MS,
        },
      }),
    );
    this.#signer = settings.public_endpoint
      ? new S3Client({ ...base, endpoint: settings.public_endpoint })
      : this.#client;
    this.#bucket = settings.bucket;
    this.#prefix = settings.key_prefix;
    this.#parts = {
      partSize: Math.max(options.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024),
      queueSize: options.queueSize ?? 4,
    };
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#lightdUrls = options.lightdUrls;
    if (settings.serve_downloads && !options.lightdUrls) throw new Error("S3 serve_downloads needs a URL builder");
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /** Where the object `key` lives: the Bucket and Key of every command about it. */
  #at(key: string): { Bucket: string; Key: string } {
    return { Bucket: this.#bucket, Key: this.#key(key) };
  }

  async putStream(key: string, body: ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<BlobStat> {
    if (options.exclusive && (await this.head(key).catch(() => null))) {
      await body.cancel().catch(() => {});
      throw new BlobConflict("Object already uploaded");
    }
    const fullKey = this.#key(key);
    this.#streaming.add(fullKey);
    const upload = { ...this.#parts, contentType: options.contentType, maxBytes: options.maxBytes };
    const { size, etag } = await streamUpload(this.#client, this.#bucket, fullKey, body, upload).finally(() =>
      this.#streaming.delete(fullKey),
    );
    // Ceph RGW 16 answers CompleteMultipartUpload with an empty ETag: ask for it.
    return { size, etag: etag || (await this.head(key)).etag, contentType: options.contentType };
  }

  /** A range reaching past the end is RangeNotSatisfiable, as in the local store (S3 would shorten it). */
  async getStream(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    if (range && !(Number.isSafeInteger(range.start) && range.start >= 0 && range.end >= range.start)) {
      throw new RangeNotSatisfiable();
    }
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ ...this.#at(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      if (!out.Body) throw new BlobNotFound();
      const stream = out.Body.transformToWebStream() as ReadableStream<Uint8Array>;
      const total = Number(out.ContentRange?.split("/")[1]);
      if (range && Number.isFinite(total) && range.end >= total) {
        await stream.cancel().catch(() => {});
        throw new RangeNotSatisfiable(total);
      }
      return stream;
    } catch (error) {
      if (error instanceof BlobError) throw error;
      if (isMissing(error)) throw new BlobNotFound();
      if (statusOf(error) === 416) throw new RangeNotSatisfiable();
      throw error;
    }
  }

  copy(sourceKey: string, targetKey: string, expected: BlobStat): Promise<BlobStat> {
    return copyChecked(this.#client, this.#bucket, this.#key(sourceKey), this.#key(targetKey), expected);
  }

  /**
   * A presigned PUT keeps working until it expires, so the uploaded object is moved to a
   * fresh key that no URL names (see s3-copy.ts) and the upload key is deleted.
   */
  async sealUpload(key: string, expected: BlobStat): Promise<{ key: string; stat: BlobStat }> {
    const sealed = newObjectKey();
    const stat = await this.copy(key, sealed, expected);
    await this.delete(key);
    return { key: sealed, stat };
  }

  async head(key: string): Promise<BlobStat> {
    const out = await this.#client.send(new HeadObjectCommand(this.#at(key))).catch((error) => {
      throw isMissing(error) ? new BlobNotFound() : error;
    });
    return { size: out.ContentLength ?? 0, etag: unquoteEtag(out.ETag), contentType: out.ContentType };
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand(this.#at(key))).catch(missingAsFalse);
  }

  /**
   * A real S3 presigned URL; a PUT URL binds `contentType`, a GET URL sets the response headers.
   * With `serve_downloads`, a GET URL points at lightd itself instead, which streams from S3.
   */
  signedUrl(key: string, options: SignOptions): Awaitable<string> {
    if (options.method === "GET" && this.settings.serve_downloads && this.#lightdUrls) {
      return lightdObjectUrl(this.#lightdUrls, key, options);
    }
    const command =
      options.method === "GET"
        ? new GetObjectCommand({
            ...this.#at(key),
            ResponseContentType: options.contentType,
            ResponseContentDisposition: options.filename ? contentDisposition(options.filename) : undefined,
          })
        : new PutObjectCommand({ ...this.#at(key), ContentType: options.contentType });
    return getSignedUrl(this.#signer, command, {
      expiresIn: Math.min(options.expiresIn, MAX_PRESIGN_SECONDS),
      // The presigner signs only `host` by default; signing Content-Type makes S3 refuse any other type.
      signableHeaders: options.method === "PUT" && options.contentType ? new Set(["content-type"]) : undefined,
    });
  }

  async createMultipart(key: string, options: { contentType?: string } = {}): Promise<string> {
    const out = await this.#client.send(
      new CreateMultipartUploadCommand({ ...this.#at(key), ContentType: options.contentType }),
    );
    if (!out.UploadId) throw new Error("S3 CreateMultipartUpload returned no UploadId");
    return out.UploadId;
  }

  async signedPartUrl(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresIn: number; baseUrl: string },
  ): Promise<string> {
    const command = new UploadPartCommand({ ...this.#at(key), UploadId: uploadId, PartNumber: partNumber });
    return getSignedUrl(this.#signer, command, { expiresIn: Math.min(options.expiresIn, MAX_PRESIGN_SECONDS) });
  }

  /** S3 needs a part's length before its bytes, so a body of unknown length is spooled to a temp file first. */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: ReadableStream<Uint8Array>,
    options: PutOptions = {},
  ): Promise<BlobStat> {
    const name = `${SPOOL_PREFIX}${randomBase62(16)}`;
    const spool = join(this.#tmpDir, name);
    this.#spooling.add(name);
    try {
      const size = await spoolToFile(spool, body, options.maxBytes);
      const out = await this.#client.send(
        new UploadPartCommand({
          ...this.#at(key),
          UploadId: uploadId,
          PartNumber: partNumber,
          ContentLength: size,
          Body: createReadStream(spool),
        }),
      );
      return { size, etag: unquoteEtag(out.ETag) };
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFound("Upload");
      throw fromFilesystem(error);
    } finally {
      await unlink(spool).catch(() => {});
      this.#spooling.delete(name);
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<BlobStat> {
    if (parts.length === 0) throw new BlobRequestInvalid("No parts listed");
    if (parts.some((part, i) => i > 0 && part.partNumber <= (parts[i - 1] as CompletedPart).partNumber)) {
      throw new BlobRequestInvalid("Part numbers must be strictly increasing");
    }
    try {
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          ...this.#at(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: quoteEtag(p.etag) })) },
        }),
      );
    } catch (error) {
      const code = codeOf(error);
      if (code === "NoSuchUpload" || statusOf(error) === 404) throw new BlobNotFound("Upload");
      if (["InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML"].includes(code)) {
        throw new BlobRequestInvalid(`Multipart upload cannot be completed: ${code}`);
      }
      // Ceph RGW 16 answers 500 "completion already in progress" for an unknown or aborted upload.
      if (!(await this.#uploadExists(key, uploadId))) throw new BlobNotFound("Upload");
      throw error;
    }
    return this.head(key);
  }

  #uploadExists(key: string, uploadId: string): Promise<boolean> {
    const command = new ListPartsCommand({ ...this.#at(key), UploadId: uploadId, MaxParts: 1 });
    return this.#client.send(command).then(() => true, missingAsFalse);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.#client
      .send(new AbortMultipartUploadCommand({ ...this.#at(key), UploadId: uploadId }))
      .catch(missingAsFalse);
  }

  /** Aborts multipart uploads under this store's `key_prefix` initiated before `olderThan` (Unix ms). */
  async cleanupStaleUploads(
    olderThan: number,
    keep: (uploadId: string) => boolean | Promise<boolean> = () => false,
  ): Promise<number> {
    let removed = await this.#cleanupSpools(olderThan);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.#client.send(
        new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: this.#prefix, KeyMarker, UploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated) continue;
        if (upload.Initiated.getTime() >= olderThan) continue;
        // Another instance's key (a shorter key_prefix), a streamed PUT still running here, or a known upload.
        if (!isObjectKey(upload.Key.slice(this.#prefix.length)) || this.#streaming.has(upload.Key)) continue;
        if (await keep(upload.UploadId)) continue;
        const abort = new AbortMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: upload.Key,
          UploadId: upload.UploadId,
        });
        if (await this.#client.send(abort).then(() => true, missingAsFalse)) removed++;
      }
      ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = page);
      if (!page.IsTruncated) break;
    } while (KeyMarker);
    return removed;
  }

  /** Part spools of uploads that died with the process (this process's live ones are skipped). */
  async #cleanupSpools(olderThan: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.#tmpDir).catch(() => [] as string[])) {
      if (!name.startsWith(SPOOL_PREFIX) || this.#spooling.has(name)) continue;
      const path = join(this.#tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < olderThan) {
        await unlink(path).catch(() => {});
        removed++;
      }
    }
    return removed;
  }

  /** Keys as lightd knows them: `key_prefix` stripped. */
  async *listObjects(): AsyncIterable<ListedObject> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.#prefix)) continue;
        yield { key: object.Key.slice(this.#prefix.length), modified: object.LastModified?.getTime() ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** The StartupCheck capability; throws an Error whose message names what failed (see s3-check.ts). */
  checkBucket(): Promise<void> {
    return checkBucket(this.#client, this.settings.endpoint, this.#at(`.lightd-probe-${randomBase62(12)}`));
  }

  /** Releases the clients' sockets. */
  close(): void {
    this.#client.destroy();
    if (this.#signer !== this.#client) this.#signer.destroy();
  }
}
