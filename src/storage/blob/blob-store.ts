/**
 * The byte store contract. lightd addresses bytes by an internal object key
 * (never a user path); metadata lives in SQLite. Implementations: local disk
 * (`local.ts`) and any S3-compatible bucket (`s3.ts`). Every implementation must
 * pass `tests/conformance/blob-store.suite.ts`.
 *
 * Errors are storage's own (./errors.ts), mapped to HTTP once by the renderer: a missing
 * object or upload throws `BlobNotFound`; a body over `maxBytes` throws `BlobTooLarge`; a
 * body that ends early or fails throws and leaves nothing behind.
 *
 * Optional capabilities (sendfile from a local path, a start-up check) are not on this
 * interface: the factory returns them beside the store (./factory.ts).
 */
import type { Awaitable } from "../../lib/awaitable";
import type { ByteRange } from "../../lib/byte-range";
import type { BoundParams, SignedMethod } from "../../lib/url-signer";

export type { ByteRange } from "../../lib/byte-range";

export interface BlobStat {
  size: number;
  /** Opaque entity tag, without quotes. */
  etag: string;
  contentType?: string;
}

export interface PutOptions {
  contentType?: string;
  /** Refuse (and leave nothing behind) once more than this many bytes arrive. */
  maxBytes?: number;
  /**
   * Write-once: throw BlobConflict when an object exists at `key` or another
   * exclusive write to it is in progress, so of concurrent writers exactly one stores its
   * bytes and a finished object is never replaced. The local store decides this atomically;
   * S3 checks before writing (its signed PUTs bypass lightd and are sealed at complete instead).
   */
  exclusive?: boolean;
  /**
   * The caller records size, etag and content type in its own metadata and serves reads from
   * there, so the store need not keep them beside the bytes (the local store then writes no
   * sidecar: one file, one fsync and one rename less per object). `head` still answers for
   * such an object, by reading the bytes.
   */
  metadataKeepsStat?: boolean;
  /**
   * `key` is new and nothing reads it until the caller's metadata names it. The local store
   * may then name the bytes before they are durable and make many such writes durable with
   * one shared sync (a power cut before it leaves an object nothing names, which the garbage
   * collector removes). It may also resolve before that sync: `PutResult.durable` then says
   * when the bytes are durable, and the caller commits metadata naming `key` only after it
   * resolves (WriteOptions.after). Ignored with `exclusive`.
   */
  freshKey?: boolean;
}

/** What a put stored. */
export interface PutResult extends BlobStat {
  /**
   * Set when the put resolved before its bytes were durable (PutOptions.freshKey): resolves
   * once they are; rejects, with the object removed again, when they could not be made so.
   */
  durable?: Promise<void>;
}

export interface SignOptions {
  method: "GET" | "PUT";
  /** Seconds until the URL stops working. */
  expiresIn: number;
  /** Public base URL of lightd (scheme://host[:port]), used by stores that sign URLs pointing at lightd. */
  baseUrl: string;
  /** GET: Content-Type the download should carry. PUT: Content-Type the uploader must send (S3 binds it). */
  contentType?: string;
  /** GET: file name for `Content-Disposition`. */
  filename?: string;
  /**
   * GET: size and etag of the object as the metadata knows them. Stores whose URLs point at
   * lightd bind them into the URL, so the download answers without asking the store.
   */
  stat?: { size: number; etag: string };
}

/** What a URL on lightd itself grants: one method on one object until it expires, with bound values. */
export interface LightdUrlGrant {
  method: SignedMethod;
  expiresIn: number;
  /** Public base URL of lightd (scheme://host[:port]). */
  baseUrl: string;
  bound: BoundParams;
}

/**
 * Builds a signed URL on lightd's own blob route for `key`. Stores whose URLs point at
 * lightd (local disk; S3 with `serve_downloads`) get it from the composition root: the
 * route and its signature belong to the HTTP layer, which also verifies them.
 */
export type LightdUrlBuilder = (key: string, grant: LightdUrlGrant) => string;

export interface ListedObject {
  key: string;
  /** Last modified, Unix ms (the store's clock). */
  modified: number;
}

/** The shape of every object key lightd makes (internal ids); nothing else is lightd's to delete. */
const OBJECT_KEY = /^[A-Za-z0-9_-]{8,128}$/;

export function isObjectKey(key: string): boolean {
  return OBJECT_KEY.test(key);
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface BlobStore {
  readonly kind: "local" | "s3";

  /**
   * Streams `body` into `key`, durable (fsynced / acknowledged) before it resolves unless
   * `durable` in the result says otherwise; replaces any object at `key`.
   */
  putStream(key: string, body: ReadableStream<Uint8Array>, options?: PutOptions): Promise<PutResult>;

  /**
   * Streams the object or an inclusive byte range of it. Throws BlobNotFound when missing,
   * RangeNotSatisfiable when the range does not lie inside the object.
   */
  getStream(key: string, range?: ByteRange): Promise<ReadableStream<Uint8Array>>;

  /** Size and etag of an object. Throws BlobNotFound when missing. */
  head(key: string): Promise<BlobStat>;

  /** Removes an object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;

  /**
   * A URL that lets its holder GET or PUT exactly this object with this method until it
   * expires. At once when signing needs no I/O (a URL on lightd itself), so a download's
   * 302 is answered without a promise; a promise where it may (an S3 presigner).
   */
  signedUrl(key: string, options: SignOptions): Awaitable<string>;

  /**
   * Takes over an object written through a signed PUT URL, so that URL can no longer change
   * the bytes about to be committed. Returns the key to commit and its stat. A store whose
   * signed PUT is write-once returns the same key; one whose URL can be replayed until it
   * expires (S3) copies the object to a fresh key and deletes the old one. Throws
   * BlobConflict when the object changed since `expected` was read.
   */
  sealUpload(key: string, expected: BlobStat): Promise<{ key: string; stat: BlobStat }>;

  /**
   * Optional: copies the object at `sourceKey` to `targetKey` inside the store, without the
   * bytes passing through lightd (S3 CopyObject), only if it still matches `expected`.
   * Returns the copy's stat. Throws BlobNotFound when the source is missing and
   * BlobConflict when it changed. A store without it (local disk) lets copied files
   * share one object instead: the file rows count its users.
   */
  copy?(sourceKey: string, targetKey: string, expected: BlobStat): Promise<BlobStat>;

  /** Starts a multipart upload to `key`; returns the upload id. */
  createMultipart(key: string, options?: { contentType?: string }): Promise<string>;

  /** A URL that accepts a PUT of one part (1-based `partNumber`); the response carries the part's ETag header. */
  signedPartUrl(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresIn: number; baseUrl: string },
  ): Promise<string>;

  /** Stores one part through lightd (used by the local store's signed part URLs). Throws BlobNotFound for an unknown upload. */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: ReadableStream<Uint8Array>,
    options?: PutOptions,
  ): Promise<BlobStat>;

  /**
   * Assembles the listed parts, in the listed order, into the object at `key`.
   * Throws BlobRequestInvalid when a part is missing, its ETag differs, or the
   * numbers are not strictly increasing; BlobNotFound for an unknown upload.
   */
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<BlobStat>;

  /** Discards an upload and its parts; aborting an unknown upload is not an error. */
  abortMultipart(key: string, uploadId: string): Promise<void>;

  /**
   * Removes what abandoned uploads left behind, started (or last written) before `olderThan`
   * (Unix ms): multipart uploads, except those `keep(uploadId)` claims, and temp files. Never
   * an upload this process is still writing. Returns how many were removed.
   */
  cleanupStaleUploads(olderThan: number, keep?: (uploadId: string) => boolean | Promise<boolean>): Promise<number>;

  /** Stored objects with their last-modified time, for the garbage collector; order unspecified. */
  listObjects(): AsyncIterable<ListedObject>;

  /** Releases connections (S3 sockets) and descriptors; the store is not used afterwards. */
  close?(): void | Promise<void>;
}
