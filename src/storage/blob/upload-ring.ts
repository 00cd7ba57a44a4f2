import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { writeAll } from "./file-handle";

/** Bytes per slot: one pwrite(2) on the thread pool. */
export const SLOT_BYTES = 1024 * 1024;
/** Slots per upload: the receiving thread fills one while the thread pool writes the others. */
const SLOTS = 4;
/** Bytes written between two early flushes (see #flushBehind). */
const FLUSH_EVERY = 32 * SLOT_BYTES;

/**
 * A large upload's bytes on their way to disk. Each chunk of the body is hashed (Bun's native
 * SHA-256) as it arrives, while it is still in cache, and copied once into a slot of the
 * ring; a full slot is written by the thread pool while the next slots fill, so hashing and
 * receiving run beside the disk write. The chunk itself is free as soon as it is copied,
 * whoever else holds it (a body's chunks are never moved or kept). Memory is the ring's
 * 4 MiB per upload, however fast the client sends: a push waits while the slot it needs is
 * still being written. Each slot is written at its own offset, so the slots that wait for the
 * disk are written side by side.
 *
 * Hashing here rather than on a thread of its own costs the receiving thread about 0.8 s
 * per GiB, and saves two thread hand-offs per slot: on two shared cores a separate hashing
 * thread was slower (it waits for a core each time a slot is handed to it).
 *
 * Full slots go past the page cache when the filesystem allows it (O_DIRECT, through a
 * second descriptor on the same file): the disk reads them from the ring itself, so the
 * kernel neither copies each byte into its cache (on two cores that copy cost the thread
 * pool more CPU than hashing cost the receiving thread) nor writes it back later. A full
 * slot is aligned as O_DIRECT needs: offsets and lengths in whole MiB, and the ring is one
 * large allocation, which starts on a page. Where the filesystem (or, some day, the
 * allocation) does not allow it, the write fails with EINVAL before writing anything, and
 * that slot and every one after it are written through the cache. The last, partial slot
 * always is. Direct or not, the bytes are durable only once the caller syncs the file (a
 * device may still hold them in its own cache): when the upload may be answered is unchanged.
 *
 * Bytes written through the cache keep the disk busy while the body arrives: every
 * FLUSH_EVERY such bytes, an fdatasync starts on the thread pool, so the one that makes the
 * upload durable before its 200 finds little left to write instead of the whole file.
 */
export class UploadRing {
  readonly #bytes = new Uint8Array(SLOTS * SLOT_BYTES);
  readonly #hash = new Bun.CryptoHasher("sha256");
  /** Per slot, its write in progress (settled once the write is done with the slot). */
  readonly #busy: (Promise<void> | undefined)[] = new Array(SLOTS);
  #slot = 0;
  #filled = 0;
  /** Where the next slot goes in the file. */
  #position = 0;
  /** The descriptor that writes past the page cache, opened with the first full slot (null: none). */
  #direct: Promise<FileHandle | null> | undefined;
  /** A direct write was refused (EINVAL), or the ring is closing: every slot goes through the cache. */
  #directOff = false;
  /** Bytes written through the page cache (the early flushes are for them). */
  #written = 0;
  #flushedAt = 0;
  #flushing: Promise<void> | undefined;
  /** Set by finish() and abandon(): no flush starts any more, the file is about to be closed. */
  #closing = false;
  /** An early flush that failed: the upload fails too (a later fsync may not report it again). */
  #flushError: unknown;

  /**
   * `file` is the open temp file; it must stay open until finish() or abandon() has resolved.
   * `path` names it, for the second descriptor that writes past the page cache; without it
   * every slot goes through the cache.
   */
  constructor(
    private readonly file: FileHandle,
    private readonly path?: string,
  ) {}

  /** Hashes `chunk` and copies it into the ring; waits only when writing is a whole ring behind. */
  async push(chunk: Uint8Array): Promise<void> {
    let taken = 0;
    while (taken < chunk.byteLength) {
      if (this.#filled === 0) await this.#busy[this.#slot];
      const n = Math.min(SLOT_BYTES - this.#filled, chunk.byteLength - taken);
      const part = chunk.subarray(taken, taken + n);
      this.#hash.update(part);
      this.#bytes.set(part, this.#slot * SLOT_BYTES + this.#filled);
      this.#filled += n;
      taken += n;
      if (this.#filled === SLOT_BYTES) this.#send();
    }
  }

  /** Sends the last, partly filled slot; resolves to the hex SHA-256 once every byte is written. */
  async finish(): Promise<string> {
    if (this.#filled > 0) this.#send();
    this.#closing = true;
    // Everything is awaited, even after a failure: no write may still be running when the file is closed.
    const settled = await Promise.allSettled(this.#busy);
    await this.#flushing;
    await this.#closeDirect();
    // A failed write (ENOSPC …) rejects its slot's promise: it is the reason to report.
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    if (this.#flushError !== undefined) throw this.#flushError;
    return this.#hash.digest("hex");
  }

  /** The upload failed: resolves once nothing touches the file or the ring any more, so the file may be closed. */
  async abandon(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled(this.#busy);
    await this.#flushing;
    await this.#closeDirect().catch(() => {});
  }

  #send(): void {
    const offset = this.#slot * SLOT_BYTES;
    const bytes = this.#bytes.subarray(offset, offset + this.#filled);
    const position = this.#position;
    this.#position += bytes.byteLength;
    const written = this.#write(bytes, position);
    // A failed write fails the upload in finish(); observed so it is never unhandled.
    written.catch(() => {});
    this.#busy[this.#slot] = written;
    this.#slot = (this.#slot + 1) % SLOTS;
    this.#filled = 0;
  }

  /** Writes one slot at `position`: past the page cache when it can, else through it. */
  async #write(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    if (!this.#directOff && bytes.byteLength === SLOT_BYTES && this.path !== undefined) {
      this.#direct ??= openDirect(this.path);
      const direct = await this.#direct;
      if (direct && !this.#directOff) {
        try {
          done = (await direct.write(bytes, 0, bytes.byteLength, position)).bytesWritten;
        } catch (error) {
          // This filesystem or this buffer does not allow it after all (nothing was written).
          if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
          this.#directOff = true;
        }
      }
    }
    if (done === bytes.byteLength) return;
    // The rest of a short direct write (unaligned from there on) goes through the cache too.
    await writeAll(this.file, bytes.subarray(done), position + done);
    this.#written += bytes.byteLength - done;
    this.#flushBehind();
  }

  /** Closes the direct descriptor; called once no write is running any more. */
  async #closeDirect(): Promise<void> {
    this.#directOff = true;
    const direct = this.#direct;
    this.#direct = undefined;
    await (await direct)?.close();
  }

  /** Starts an fdatasync of what is written through the cache so far, one at a time, every FLUSH_EVERY bytes. */
  #flushBehind(): void {
    if (this.#flushing || this.#closing || this.#flushError !== undefined) return;
    if (this.#written - this.#flushedAt < FLUSH_EVERY) return;
    this.#flushedAt = this.#written;
    this.#flushing = this.file.datasync().then(
      () => {
        this.#flushing = undefined;
        this.#flushBehind();
      },
      (error) => {
        this.#flushing = undefined;
        this.#flushError = error;
      },
    );
  }
}

/** A descriptor on `path` that writes past the page cache; null where the platform or filesystem has none. */
async function openDirect(path: string): Promise<FileHandle | null> {
  const flag = constants.O_DIRECT;
  if (flag === undefined) return null;
  try {
    return await open(path, constants.O_WRONLY | flag);
  } catch {
    return null;
  }
}
