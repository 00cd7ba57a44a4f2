import { requirePath } from "../../domain/access";
import { type AppError, folderAtPath } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { WriteConditions } from "../../lib/conditions";
import type { BlobStore } from "../../storage/blob/blob-store";
import { BlobTooLarge } from "../../storage/blob/errors";
import { newObjectKey } from "../../storage/blob/object-keys";
import type { Scope } from "../../storage/db/files";
import type { Metadata } from "../../storage/db/metadata";
import type { Quotas } from "./quota";
import type { Reclaimer } from "./reclaim";
import { contentTypeFor, scopeOf } from "./request";
import { refuseReservedRoot } from "./reserved";
import type { TreeWrites } from "./tree";
import type { CommitResult, FileWrites } from "./writes";

/**
 * A one-step upload up to this many declared bytes skips the early checks (the file at the
 * path, a folder there, the quota): two reads on the read connection, which every commit in
 * between has made start cold, cost more than storing that much and dropping it on a refusal.
 */
const EARLY_CHECK_FROM_BYTES = 64 * 1024;

const hasConditions = (conditions: WriteConditions) =>
  conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined;

/** The one-step upload and the early checks every upload makes before it accepts a byte. */
export class FilePuts {
  constructor(
    private readonly metadata: Metadata,
    private readonly tree: TreeWrites,
    private readonly writes: FileWrites,
    private readonly quotas: Quotas,
    private readonly blobs: BlobStore,
    private readonly reclaimer: Reclaimer,
  ) {}

  /**
   * Answers 412 now when the conditions already fail, before a client streams bytes that
   * would be thrown away. Only a hint: the commit decides again inside its unit of work.
   */
  async precheck(principal: Principal, path: string, conditions: WriteConditions): Promise<void> {
    requirePath(principal, path);
    refuseReservedRoot(path);
    if (!hasConditions(conditions)) return;
    const row = await this.metadata.read.files.get(scopeOf(principal), path);
    this.tree.requireConditions(row, conditions.ifMatch, conditions.ifNoneMatch);
  }

  /**
   * The early quota check, before any byte is accepted: 507 unless `bytes` more (unknown:
   * undefined) and, for a new file, one more file fit. An overwrite of `path` counts the
   * difference. The final word is the commit's unit of work (TreeWrites.count).
   */
  async requireRoom(scope: Scope, path: string, bytes?: number): Promise<void> {
    const existing = await this.metadata.read.files.get(scope, path);
    await this.quotas.requireRoom(scope.account, { bytes, newFile: !existing, freed: existing?.size ?? 0 });
  }

  /** The 507 for an account over its quota, naming its limits and usage. */
  quotaExceeded(accountId: number): Promise<AppError> {
    return this.quotas.exceeded(accountId);
  }

  /**
   * Before pending upload `uploadId` (to `path`) accepts a body of `bytes` (undefined: unknown)
   * at a signed URL: reserves the account's quota room for it (Quotas.reserveUpload) and returns
   * the bytes reserved, or 507; undefined for no limit. Settle it with `settleUploadBytes`.
   */
  async reserveUploadBytes(
    scope: Scope,
    path: string,
    uploadId: string,
    want: { bytes?: number; max: number },
  ): Promise<number | undefined> {
    const reserved = await this.metadata.write(async (tx) => {
      const freed = (await tx.files.get(scope, path))?.size ?? 0;
      return this.quotas.reserveUpload(tx, scope.account, uploadId, { ...want, freed });
    });
    return reserved ?? undefined;
  }

  /** The body of a reservation ended: `stored` bytes arrived (undefined: none). */
  settleUploadBytes(uploadId: string, reserved: number, stored: number | undefined): Promise<void> {
    return this.quotas.settleUpload(uploadId, reserved, stored);
  }

  /** One-step upload: streams the body into a new object, then commits it. */
  async putStream(
    principal: Principal,
    path: string,
    body: ReadableStream<Uint8Array>,
    options: {
      contentType?: string | null;
      maxBytes?: number;
      /**
       * The body's Content-Length when the client sent one: over the quota is 507 before a byte
       * is read, for a body larger than EARLY_CHECK_FROM_BYTES.
       */
      declaredBytes?: number;
      message?: string;
      conditions?: WriteConditions;
    },
  ): Promise<CommitResult> {
    const conditions = options.conditions ?? {};
    requirePath(principal, path);
    refuseReservedRoot(path);
    const scope = scopeOf(principal);
    const objectKey = newObjectKey();
    const contentType = contentTypeFor(path, options.contentType);
    const declared = options.declaredBytes;
    if (declared !== undefined && declared <= EARLY_CHECK_FROM_BYTES && !hasConditions(conditions)) {
      // A small body of known length: what the early checks would save (its bytes on the disk
      // before a refusal) costs less than their reads. The commit checks all of it anyway.
      return this.#store(principal, scope, path, objectKey, contentType, body, options, undefined);
    }
    // The early checks of precheck, requireRoom and bytesRoom, with the file (and a folder at
    // its path) and the quota read once.
    const rows = await this.metadata.read.files.getMany(scope, [path, `${path}/`]);
    const existing = rows.find((row) => row.path === path) ?? null;
    if (hasConditions(conditions)) this.tree.requireConditions(existing, conditions.ifMatch, conditions.ifNoneMatch);
    if (rows.some((row) => row.path !== path)) throw folderAtPath();
    const freed = existing?.size ?? 0;
    const room = await this.quotas.room(scope.account);
    await this.quotas.requireRoom(scope.account, { bytes: declared, newFile: !existing, freed }, room);
    const bytesRoom = room.bytes === undefined ? undefined : room.bytes + freed;
    return this.#store(principal, scope, path, objectKey, contentType, body, options, bytesRoom);
  }

  /** Streams the body into the new object (`room`: the bytes the quota still allows), then commits it. */
  async #store(
    principal: Principal,
    scope: Scope,
    path: string,
    objectKey: string,
    contentType: string,
    body: ReadableStream<Uint8Array>,
    options: { maxBytes?: number; message?: string; conditions?: WriteConditions },
    room: number | undefined,
  ): Promise<CommitResult> {
    // Bytes written but not yet committed are nobody's: keep the garbage collector off them.
    const release = this.reclaimer.hold(objectKey);
    try {
      const stat = await this.#putWithin(scope, objectKey, body, contentType, options.maxBytes, room);
      return await this.writes.commitObject(
        principal,
        path,
        { objectKey, size: stat.size, etag: stat.etag, contentType, durable: stat.durable },
        options.message,
        options.conditions,
      );
    } finally {
      release();
    }
  }

  /**
   * Streams a body into a new object, stopping it as soon as it passes `maxBytes` (413) or the
   * account's quota (507; `room`: the bytes it still allows) — whichever is smaller — so an
   * unknown-length body cannot fill the disk.
   */
  async #putWithin(
    scope: Scope,
    objectKey: string,
    body: ReadableStream<Uint8Array>,
    contentType: string,
    maxBytes: number | undefined,
    room: number | undefined,
  ) {
    const quotaBinds = room !== undefined && (maxBytes === undefined || room < maxBytes);
    try {
      return await this.blobs.putStream(objectKey, body, {
        contentType,
        maxBytes: quotaBinds ? room : maxBytes,
        metadataKeepsStat: true,
        freshKey: true,
      });
    } catch (error) {
      if (quotaBinds && error instanceof BlobTooLarge) {
        throw await this.quotas.exceeded(scope.account);
      }
      throw error;
    }
  }
}
