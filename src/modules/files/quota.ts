import { type AppError, insufficientStorage } from "../../domain/errors";
import type { Metadata } from "../../storage/db/metadata";
import type { Usage } from "../../storage/db/quotas";
import type { Repositories } from "../../storage/db/repositories";

/** What `/files/stats` shows of an account's quota: its limits (null = none) and what it uses. */
export interface QuotaView {
  bytes: number | null;
  files: number | null;
  used_bytes: number;
  used_files: number;
}

/** Room left before a limit; undefined for no limit. */
export interface Room {
  bytes: number | undefined;
  files: number | undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The bytes a quota decides on: those of current files and those pending uploads hold. Versions
 * give their room up to a write, so they never count against it; every check compares this one
 * figure with the limit.
 */
const heldBytes = (used: Usage): number => used.bytes - used.version_bytes + used.pending_bytes;

export function quotaExceeded(limits: { bytes: number | null; files: number | null }, used: Usage) {
  const parts: string[] = [];
  if (limits.bytes !== null) parts.push(`${plural(limits.bytes, "byte")} (${used.bytes + used.pending_bytes} used)`);
  if (limits.files !== null) parts.push(`${plural(limits.files, "file")} (${used.files} used)`);
  return insufficientStorage(
    `Storage quota exceeded: this account may store ${parts.join(" and ")}; delete files or ask the admin for more`,
  );
}

/**
 * Security rule "a stranger cannot fill the disk": an account stores at most its quota of
 * bytes and files, counted over both spaces. The decision is made in the transaction that
 * changes the counters (`assertWithin`), so concurrent uploads cannot overshoot together;
 * `requireRoom` and `room` refuse early, before bytes are accepted, when the size is known.
 * Bytes only older versions hold count too, but they yield: a write that needs their room
 * gives up the account's oldest versions first, so history never locks anyone out.
 */
export class Quotas {
  constructor(private readonly metadata: Metadata) {}

  /**
   * Inside a change's unit of work, after the counters grew: `evict` gives up the account's
   * oldest versions (returning the bytes freed) until files and versions fit again; 507 when
   * the files alone pass a limit — the figure `room` decides on too.
   */
  async assertWithin(tx: Repositories, accountId: number, evict?: (bytes: number) => Promise<number>): Promise<void> {
    const limits = await tx.quotas.limits(accountId);
    if (limits.bytes === null && limits.files === null) return;
    let used = await tx.quotas.usage(accountId);
    if (evict && limits.bytes !== null && used.bytes + used.pending_bytes > limits.bytes && used.version_bytes > 0) {
      await evict(used.bytes + used.pending_bytes - limits.bytes);
      used = await tx.quotas.usage(accountId);
    }
    if (
      (limits.bytes !== null && heldBytes(used) > limits.bytes) ||
      (limits.files !== null && used.files > limits.files)
    ) {
      throw quotaExceeded(limits, used);
    }
  }

  /**
   * Security rule "a stranger cannot fill the disk", for bytes sent to a pending upload (lightd's
   * own signed upload and part URLs): inside a unit of work, reserves room on upload `uploadId`
   * for `want.bytes` (undefined: a body of unknown length, which takes all the room left, at
   * most `want.max`) and returns the bytes reserved; null when the account has no byte limit.
   * 507 when the account's files, what its pending uploads hold and these would pass the
   * quota. The upload may use the room of the file it would replace (`want.freed`). Reserving
   * in the unit of work makes concurrent parts of any uploads add up instead of overshooting;
   * completing the upload ends what it holds as its bytes become a file's.
   */
  async reserveUpload(
    tx: Repositories,
    accountId: number,
    uploadId: string,
    want: { bytes?: number; max: number; freed: number },
  ): Promise<number | null> {
    const limits = await tx.quotas.limits(accountId);
    if (limits.bytes === null) return null;
    const used = await tx.quotas.usage(accountId);
    const room = limits.bytes + want.freed - heldBytes(used);
    const bytes = want.bytes ?? Math.min(room, want.max);
    if (bytes > room || (want.bytes === undefined && room <= 0)) throw quotaExceeded(limits, used);
    await tx.uploads.addBytes(uploadId, bytes);
    return bytes;
  }

  /** After the body of a reservation (`reserveUpload`) ended: the upload holds what was `stored` (nothing if it failed). */
  settleUpload(uploadId: string, reserved: number, stored: number | undefined): Promise<void> {
    return this.metadata.write((tx) => tx.uploads.addBytes(uploadId, (stored ?? 0) - reserved));
  }

  async room(accountId: number): Promise<Room> {
    const limits = await this.metadata.read.quotas.limits(accountId);
    if (limits.bytes === null && limits.files === null) return { bytes: undefined, files: undefined };
    const used = await this.metadata.read.quotas.usage(accountId);
    return {
      bytes: limits.bytes === null ? undefined : Math.max(0, limits.bytes - heldBytes(used)),
      files: limits.files === null ? undefined : Math.max(0, limits.files - used.files),
    };
  }

  /**
   * The early check: 507 when `bytes` more (and, for a new file, one more file) would not fit.
   * `freed` is what the write replaces (an overwritten file's size), so overwrites count their difference.
   * `known`: the room the caller has just read (`room`), so it is not read twice.
   */
  async requireRoom(
    accountId: number,
    want: { bytes?: number; newFile: boolean; freed?: number },
    known?: Room,
  ): Promise<void> {
    const room = known ?? (await this.room(accountId));
    const bytesOver = room.bytes !== undefined && (want.bytes ?? 0) - (want.freed ?? 0) > room.bytes;
    const filesOver = room.files !== undefined && want.newFile && room.files < 1;
    const fullAlready = room.bytes !== undefined && room.bytes === 0 && want.bytes === undefined && want.newFile;
    if (bytesOver || filesOver || fullAlready) throw await this.exceeded(accountId);
  }

  /** The 507 for this account, naming its limits and usage. */
  async exceeded(accountId: number): Promise<AppError> {
    const { quotas } = this.metadata.read;
    return quotaExceeded(await quotas.limits(accountId), await quotas.usage(accountId));
  }

  async view(accountId: number): Promise<QuotaView> {
    const limits = await this.metadata.read.quotas.limits(accountId);
    const used = await this.metadata.read.quotas.usage(accountId);
    return { bytes: limits.bytes, files: limits.files, used_bytes: used.bytes, used_files: used.files };
  }

  set(accountId: number, limits: { bytes: number | null; files: number | null }): Promise<boolean> {
    return this.metadata.write((tx) => tx.quotas.set(accountId, limits));
  }
}
