import type { FileHandle } from "node:fs/promises";
import { writeAll } from "./file-handle";

/** Bytes per slot: one write(2) on the thread pool. */
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
 * still being written. Slots are written one at a time, in order.
 *
 * Hashing here rather than on a thread of its own costs the receiving thread about 0.8 s
 * per GiB, and saves two thread hand-offs per slot: on two shared cores a separate hashing
 * thread was slower (it waits for a core each time a slot is handed to it).
 *
 * The disk is kept busy while the body arrives: every FLUSH_EVERY bytes written, an
 * fdatasync starts on the thread pool, so the one that makes the upload durable before
 * its 200 finds little left to write instead of the whole file.
 */
export class UploadRing {
  readonly #bytes = new Uint8Array(SLOTS * SLOT_BYTES);
  readonly #hash = new Bun.CryptoHasher("sha256");
  /** Per slot, its write in progress (settled once the write is done with the slot). */
  readonly #busy: (Promise<void> | undefined)[] = new Array(SLOTS);
  /** The last slot's write: the next one starts after it, so the file is written in order. */
  #lastWrite: Promise<void> = Promise.resolve();
  #slot = 0;
  #filled = 0;
  #written = 0;
  #flushedAt = 0;
  #flushing: Promise<void> | undefined;
  /** Set by finish() and abandon(): no flush starts any more, the file is about to be closed. */
  #closing = false;
  /** An early flush that failed: the upload fails too (a later fsync may not report it again). */
  #flushError: unknown;

  /** `file` is the open temp file; it must stay open until finish() or abandon() has resolved. */
  constructor(private readonly file: FileHandle) {}

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
  }

  #send(): void {
    const offset = this.#slot * SLOT_BYTES;
    const length = this.#filled;
    const written = this.#lastWrite.then(() => writeAll(this.file, this.#bytes.subarray(offset, offset + length)));
    // A failed write stops the writes after it (the upload fails); observed so it is never unhandled.
    this.#lastWrite = written;
    written.then(
      () => {
        this.#written += length;
        this.#flushBehind();
      },
      () => {},
    );
    this.#busy[this.#slot] = written;
    this.#slot = (this.#slot + 1) % SLOTS;
    this.#filled = 0;
  }

  /** Starts an fdatasync of what is written so far, one at a time, every FLUSH_EVERY bytes. */
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
