import { type AppError, conflict, forbidden } from "../../domain/errors";
import type { BoundParams, SignedMethod, UrlSigner } from "../../lib/url-signer";
import type { BlobStore } from "../../storage/blob/blob-store";
import { BlobTooLarge } from "../../storage/blob/errors";

export const INVALID_SIGNATURE = "Invalid or expired signature";

export interface UploadResult {
  etag: string;
  size: number;
}

/** What a valid signed download URL grants: the object, and the type and file name it is served with. */
export interface SignedDownload {
  contentType?: string;
  filename?: string;
  /** Size and etag the URL binds (from the metadata when it was signed), if it binds them. */
  stat?: { size: number; etag: string };
}

/** Quota room reserved for one signed PUT's body (see UploadService.reserveForObject). */
export interface BodyQuota {
  bytes: number;
  exceeded: () => Promise<AppError>;
  settle: (stored: number | undefined) => Promise<void>;
}

/** A signed PUT's body and what the client said about it. */
export interface SignedUpload {
  body: ReadableStream<Uint8Array>;
  contentType?: string;
  maxBytes: number;
  declaredBytes?: number;
}

/**
 * The signed URLs on lightd that `BlobStore.signedUrl` / `signedPartUrl` hand out: the
 * local store's, and S3 downloads with `serve_downloads`. The signature is the only
 * credential: it binds method, key, expiry and, for parts, the upload id and part number.
 */
export class BlobGateway {
  constructor(
    private readonly store: BlobStore,
    private readonly signer: UrlSigner,
    /**
     * Reserves quota room for a body of `declared` bytes (or unknown, at most `max`) written to
     * a key by a pending upload (UploadService.reserveForObject); undefined when no limit applies,
     * null when no pending upload names the key.
     */
    private readonly quotaFor: (
      key: string,
      declared: number | undefined,
      max: number,
    ) => Promise<BodyQuota | undefined | null> = async () => undefined,
  ) {}

  /** Security rule: every /blobs request needs a valid, unexpired signature for this method and key; else 403. */
  authorize(method: SignedMethod, key: string, query: string): BoundParams {
    const bound = this.signer.verify(method, key, query);
    if (!bound) throw forbidden(INVALID_SIGNATURE);
    return bound;
  }

  /** GET or HEAD of a signed download URL: what to serve, once the signature holds. */
  download(key: string, query: string): SignedDownload {
    const bound = this.authorize("GET", key, query);
    const size = Number(bound.size);
    const stat =
      bound.etag !== undefined && bound.size !== undefined && Number.isSafeInteger(size) && size >= 0
        ? { size, etag: bound.etag }
        : undefined;
    return { contentType: bound.content_type, filename: bound.filename, stat };
  }

  /**
   * PUT of a signed upload URL (whole object) or signed part URL (`upload_id` + `part` bound).
   * `bound` is what `authorize("PUT", key, …)` returned: the signature is checked before the body is looked at.
   */
  async upload(key: string, bound: BoundParams, upload: SignedUpload): Promise<UploadResult> {
    if (bound.content_type !== undefined && upload.contentType !== bound.content_type) {
      throw forbidden("Content-Type does not match the signed URL");
    }
    // Quota: the room for the body is reserved before a byte is read (507 when a known size,
    // with what the account's other pending uploads hold, does not fit); a body is stopped as
    // soon as it passes its reservation, which then shrinks to what was stored. Completing
    // decides for good.
    const quota = await this.quotaFor(key, upload.declaredBytes, upload.maxBytes);
    // Security rule: a signed upload URL writes only for an upload still pending, never after it
    // was completed, nor once its account is deleted (bytes nothing names, outside any quota). A
    // part URL needs its multipart upload, which the store knows (an aborted one is 404).
    if (quota === null && bound.upload_id === undefined) {
      throw conflict(
        "This upload is no longer pending (completed, or its account deleted); a signed upload URL writes once",
      );
    }
    const quotaBinds = quota != null && quota.bytes < upload.maxBytes;
    const limit = quotaBinds ? quota.bytes : upload.maxBytes;
    let stored: number | undefined;
    try {
      const result = await this.#write(key, bound, upload.body, limit, upload.contentType);
      stored = result.size;
      return result;
    } catch (error) {
      if (quotaBinds && error instanceof BlobTooLarge) throw await quota.exceeded();
      throw error;
    } finally {
      await quota?.settle(stored);
    }
  }

  async #write(
    key: string,
    bound: BoundParams,
    body: ReadableStream<Uint8Array>,
    maxBytes: number,
    sentType: string | undefined,
  ): Promise<UploadResult> {
    if (bound.upload_id !== undefined) {
      const part = Number(bound.part);
      const stat = await this.store.uploadPart(key, bound.upload_id, part, body, { maxBytes });
      return { etag: stat.etag, size: stat.size };
    }
    // Security rule: a signed upload URL writes its object once. Of concurrent PUTs exactly one
    // stores its bytes (the others get 409), and a later PUT can never swap committed bytes.
    const stat = await this.store.putStream(key, body, {
      contentType: bound.content_type ?? sentType,
      maxBytes,
      exclusive: true,
    });
    return { etag: stat.etag, size: stat.size };
  }
}
