import { requirePath } from "../../domain/access";
import { AppError, badRequest, notFound } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { WriteConditions } from "../../lib/conditions";
import { newId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { BlobStore, CompletedPart } from "../../storage/blob/blob-store";
import { BlobNotFound } from "../../storage/blob/errors";
import { newObjectKey } from "../../storage/blob/object-keys";
import type { Metadata } from "../../storage/db/metadata";
import type { UploadRow } from "../../storage/db/uploads";
import { type CommitResult, contentTypeFor, type FileService, scopeOf } from "../files/service";

/** Signed upload URLs work for an hour, as documented. */
export const UPLOAD_URL_TTL_S = 3600;
/** Incomplete uploads older than a day are discarded with their bytes. */
export const STALE_UPLOAD_MS = 24 * 3600 * 1000;
export const MAX_PARTS = 10_000;

/**
 * Two-step and multipart uploads: the client sends bytes to a signed URL (lightd's
 * own for the local store, the bucket's for S3), then `complete` checks the bytes
 * arrived and commits them through FileService. Until then nothing is visible.
 */
export class UploadService {
  constructor(
    private readonly metadata: Metadata,
    private readonly files: FileService,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly maxUploadBytes: () => number | undefined = () => undefined,
  ) {}

  /**
   * A two-step upload's signed PUT URL. `conditions` (If-Match / If-None-Match) are checked now
   * as well as at complete, so a client learns the name is taken before it sends the bytes.
   */
  async create(
    principal: Principal,
    path: string,
    contentType: string | undefined,
    baseUrl: string,
    conditions: WriteConditions = {},
  ) {
    await this.files.precheck(principal, path, conditions);
    await this.files.requireRoom(scopeOf(principal), path);
    const type = contentTypeFor(path, contentType);
    const row = await this.#record(principal, path, "single", newId(), newObjectKey(), type);
    const url = await this.blobs.signedUrl(row.object_key, {
      method: "PUT",
      expiresIn: UPLOAD_URL_TTL_S,
      baseUrl,
      contentType: type,
    });
    return { url, content_type: type, expires_in: UPLOAD_URL_TTL_S, upload_id: row.id };
  }

  /** Commits the newest upload to `path` whose bytes have arrived, if the conditions hold (412 otherwise). */
  async complete(
    principal: Principal,
    path: string,
    message?: string,
    conditions: WriteConditions = {},
  ): Promise<CommitResult> {
    // A failing condition leaves the upload pending, so the client can retry without re-sending bytes.
    await this.files.precheck(principal, path, conditions);
    const pending = await this.metadata.read.uploads.pending(scopeOf(principal), path, "single");
    if (pending.length === 0) throw new AppError("not_found", "No pending upload for this path");
    for (const upload of pending) {
      const stat = await this.blobs.head(upload.object_key).catch((error) => {
        if (error instanceof BlobNotFound) return null;
        throw error;
      });
      if (!stat) continue;
      // Marking the row first makes completion happen once, even when two completes race.
      // The row stays until the signed URL expires, so a replayed PUT's bytes get swept.
      if (!(await this.metadata.write((tx) => tx.uploads.markCompleted(upload.id, this.now())))) continue;
      const sealed = await this.blobs.sealUpload(upload.object_key, stat).catch(async (error) => {
        await this.metadata.write((tx) => tx.uploads.reopen(upload.id));
        throw error;
      });
      const release = this.files.holdObject(sealed.key);
      try {
        await this.#refuseOversize(sealed.key, sealed.stat.size);
        return await this.files.commitObject(
          principal,
          path,
          { objectKey: sealed.key, size: sealed.stat.size, etag: sealed.stat.etag, contentType: upload.content_type },
          message,
          conditions,
        );
      } finally {
        release();
      }
    }
    throw badRequest("The upload has not received any bytes yet; PUT the file to the upload URL first");
  }

  /** A multipart upload's part URLs; `conditions` are checked now as well as at complete (see `create`). */
  async createMultipart(
    principal: Principal,
    path: string,
    contentType: string | undefined,
    partCount: number,
    baseUrl: string,
    conditions: WriteConditions = {},
  ) {
    await this.files.precheck(principal, path, conditions);
    if (!Number.isInteger(partCount) || partCount < 1 || partCount > MAX_PARTS) {
      throw badRequest(`part_count must be an integer from 1 to ${MAX_PARTS}`);
    }
    await this.files.requireRoom(scopeOf(principal), path);
    const type = contentTypeFor(path, contentType);
    const objectKey = newObjectKey();
    const uploadId = await this.blobs.createMultipart(objectKey, { contentType: type });
    const row = await this.#record(principal, path, "multipart", uploadId, objectKey, type);
    const part_urls: string[] = [];
    for (let part = 1; part <= partCount; part++) {
      part_urls.push(
        await this.blobs.signedPartUrl(objectKey, uploadId, part, { expiresIn: UPLOAD_URL_TTL_S, baseUrl }),
      );
    }
    return { upload_id: row.id, key: objectKey, content_type: type, part_urls, expires_in: UPLOAD_URL_TTL_S };
  }

  /**
   * For a PUT to lightd's own signed upload or part URL: reserves quota room for the body
   * (`declared` bytes, or unknown) of the pending upload behind `objectKey`, or answers 507 —
   * the bytes every pending upload of the account holds count together. Null when no pending
   * upload names the key (completed, aborted, or its account deleted); undefined when no limit
   * applies; else the bytes the body may bring, the 507 to answer past them, and `settle`, to
   * call once the body ended with the bytes stored (undefined: none).
   */
  async reserveForObject(
    objectKey: string,
    declared: number | undefined,
    max: number,
  ): Promise<
    | { bytes: number; exceeded: () => Promise<AppError>; settle: (stored: number | undefined) => Promise<void> }
    | undefined
    | null
  > {
    const upload = await this.metadata.read.uploads.pendingByObjectKey(objectKey);
    if (!upload) return null;
    const scope = { account: upload.account_id, space: upload.space };
    const bytes = await this.files.reserveUploadBytes(scope, upload.path, upload.id, { bytes: declared, max });
    if (bytes === undefined) return undefined;
    return {
      bytes,
      exceeded: () => this.files.quotaExceeded(scope.account),
      settle: (stored) => this.files.settleUploadBytes(upload.id, bytes, stored),
    };
  }

  async completeMultipart(
    principal: Principal,
    path: string,
    uploadId: string,
    parts: CompletedPart[],
    message?: string,
    conditions: WriteConditions = {},
  ) {
    const upload = await this.#own(principal, path, uploadId);
    if (parts.length === 0) throw badRequest("parts must list at least one part");
    // Checked before the parts are assembled, so a failed condition leaves the upload open to retry.
    await this.files.precheck(principal, path, conditions);
    // Between the upload row's removal and the commit, only this hold keeps the garbage collector away.
    const release = this.files.holdObject(upload.object_key);
    try {
      const stat = await this.blobs.completeMultipart(upload.object_key, upload.id, parts);
      if (!(await this.#forget(upload.id))) throw notFound("Upload");
      await this.#refuseOversize(upload.object_key, stat.size);
      return await this.files.commitObject(
        principal,
        path,
        { objectKey: upload.object_key, size: stat.size, etag: stat.etag, contentType: upload.content_type },
        message,
        conditions,
      );
    } finally {
      release();
    }
  }

  async abortMultipart(principal: Principal, path: string, uploadId: string): Promise<{ aborted: boolean }> {
    const upload = await this.#own(principal, path, uploadId);
    await this.blobs.abortMultipart(upload.object_key, upload.id);
    await this.#forget(upload.id);
    return { aborted: true };
  }

  /**
   * Discards uploads never completed within a day, with whatever bytes they received, and
   * forgets completed uploads once their URL has expired — deleting anything a replayed
   * PUT left at the old key, unless a file still uses that key.
   */
  async cleanupStale(): Promise<number> {
    let removed = 0;
    for (const upload of await this.metadata.read.uploads.completedAndExpired(this.now())) {
      try {
        if (!(await this.files.usesObject(upload.object_key))) await this.blobs.delete(upload.object_key);
        await this.#forget(upload.id);
        removed++;
      } catch (error) {
        this.logger.warn("could not retire a completed upload", { upload_id: upload.id, error: String(error) });
      }
    }
    return removed + (await this.#discardAbandoned());
  }

  async #discardAbandoned(): Promise<number> {
    const stale = await this.metadata.read.uploads.startedBefore(this.now() - STALE_UPLOAD_MS);
    for (const upload of stale) {
      try {
        if (upload.kind === "multipart") await this.blobs.abortMultipart(upload.object_key, upload.id);
        else await this.blobs.delete(upload.object_key);
        await this.#forget(upload.id);
      } catch (error) {
        this.logger.warn("could not discard a stale upload", { upload_id: upload.id, error: String(error) });
      }
    }
    return stale.length;
  }

  /**
   * Security rule: `server.max_upload_bytes` holds for uploads that bypass lightd too. An S3
   * presigned PUT cannot cap its body, so bytes over the limit are deleted at complete (413).
   */
  async #refuseOversize(objectKey: string, size: number): Promise<void> {
    const max = this.maxUploadBytes();
    if (max === undefined || size <= max) return;
    await this.blobs.delete(objectKey);
    throw new AppError("payload_too_large", `The upload is ${size} bytes; the limit is ${max}`);
  }

  /** Removes an upload row; true only for the one caller that did. */
  #forget(id: string): Promise<boolean> {
    return this.metadata.write((tx) => tx.uploads.delete(id));
  }

  async #own(principal: Principal, path: string, uploadId: string): Promise<UploadRow> {
    requirePath(principal, path);
    const upload = await this.metadata.read.uploads.get(uploadId);
    const scope = scopeOf(principal);
    if (upload?.kind !== "multipart" || upload.account_id !== scope.account || upload.space !== scope.space) {
      throw notFound("Upload");
    }
    if (upload.path !== path) throw badRequest("upload_id belongs to another path");
    return upload;
  }

  async #record(
    principal: Principal,
    path: string,
    kind: UploadRow["kind"],
    id: string,
    objectKey: string,
    contentType: string,
  ): Promise<UploadRow> {
    const scope = scopeOf(principal);
    const created = this.now();
    const row: UploadRow = {
      id,
      account_id: scope.account,
      space: scope.space,
      path,
      object_key: objectKey,
      kind,
      content_type: contentType,
      created_at: created,
      expires_at: created + UPLOAD_URL_TTL_S * 1000,
    };
    await this.metadata.write((tx) => tx.uploads.insert(row));
    return row;
  }
}
